#include "openpgp/packets.hpp"

#include "message/text.hpp"

#include <cstdint>

namespace coitest::openpgp {

namespace {
Error bad(std::string what) {
    return make_error(ErrorKind::protocol, std::move(what));
}

std::uint32_t crc24(std::string_view data) {
    std::uint32_t crc = 0xB704CEu;
    for (unsigned char c : data) {
        crc ^= static_cast<std::uint32_t>(c) << 16;
        for (int i = 0; i < 8; ++i) {
            crc <<= 1;
            if (crc & 0x1000000u) crc ^= 0x1864CFBu;
        }
    }
    return crc & 0xFFFFFFu;
}

std::string_view next_line(std::string_view text, std::size_t& pos) {
    std::size_t eol = text.find('\n', pos);
    std::size_t end = eol == std::string_view::npos ? text.size() : eol;
    std::string_view line = text.substr(pos, end - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
    return line;
}
}  // namespace

const std::string* Armor::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (message::iequals(k, name)) return &v;
    return nullptr;
}

Result<Armor> dearmor(std::string_view text, std::size_t max_bytes) {
    if (text.size() > max_bytes) return make_error(ErrorKind::limit, "armored data too large");
    std::size_t begin = text.find("-----BEGIN PGP ");
    if (begin == std::string_view::npos) return bad("no \"-----BEGIN PGP\" armor line");
    Armor a;
    a.begin = begin;
    std::size_t pos = begin;
    std::string_view first = next_line(text, pos);
    if (first.size() < 20 || first.substr(first.size() - 5) != "-----")
        return bad("malformed armor header line " + message::show(first, 60));
    a.label = std::string(first.substr(11, first.size() - 16));
    // Armor headers until an empty line; a line without ':' means there were no headers.
    std::size_t save = pos;
    bool blank_seen = false;
    while (pos < text.size()) {
        std::string_view line = next_line(text, pos);
        if (line.empty()) {
            blank_seen = true;
            break;
        }
        std::size_t colon = line.find(": ");
        if (colon == std::string_view::npos) break;
        a.headers.emplace_back(std::string(line.substr(0, colon)),
                               std::string(line.substr(colon + 2)));
        if (a.headers.size() > 64) return bad("too many armor headers");
    }
    if (!blank_seen) {
        a.headers.clear();
        pos = save;
    }
    std::string b64;
    std::string checksum;
    bool ended = false;
    std::string end_line = "-----END " + a.label + "-----";
    while (pos < text.size()) {
        std::string_view line = next_line(text, pos);
        if (line.rfind("-----END ", 0) == 0) {
            if (line != end_line)
                return bad("armor END line does not match BEGIN: " + message::show(line, 60));
            ended = true;
            break;
        }
        if (!line.empty() && line.front() == '=' && line.size() == 5) {
            checksum = std::string(line.substr(1));
            continue;
        }
        b64 += line;
    }
    if (!ended) return bad("armor block has no END line");
    a.end = pos;
    auto data = message::base64_decode(b64);
    if (!data) return bad("armor body is not valid base64");
    a.data = std::move(*data);
    if (!checksum.empty()) {
        a.checksum_present = true;
        auto sum = message::base64_decode(checksum);
        if (sum && sum->size() == 3) {
            std::uint32_t want = (static_cast<unsigned char>((*sum)[0]) << 16) |
                                 (static_cast<unsigned char>((*sum)[1]) << 8) |
                                 static_cast<unsigned char>((*sum)[2]);
            a.checksum_ok = want == crc24(a.data);
        }
    }
    return a;
}

Result<std::vector<Packet>> parse_packets(std::string_view data, std::size_t max_packets) {
    std::vector<Packet> out;
    std::size_t pos = 0;
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(data[i]); };
    while (pos < data.size()) {
        if (out.size() >= max_packets)
            return make_error(ErrorKind::limit, "too many OpenPGP packets");
        Packet p;
        p.offset = pos;
        unsigned char h = byte(pos);
        if ((h & 0x80) == 0)
            return bad("byte " + std::to_string(pos) + " is not an OpenPGP packet header");
        ++pos;
        auto need = [&](std::size_t n) { return pos + n <= data.size(); };
        if (h & 0x40) {
            p.new_format = true;
            p.tag = h & 0x3F;
            bool first = true;
            while (true) {
                if (!need(1)) return bad("truncated packet length");
                unsigned o1 = byte(pos++);
                std::size_t len = 0;
                bool partial = false;
                if (o1 < 192) {
                    len = o1;
                } else if (o1 < 224) {
                    if (!need(1)) return bad("truncated packet length");
                    len = ((o1 - 192) << 8) + byte(pos++) + 192;
                } else if (o1 == 255) {
                    if (!need(4)) return bad("truncated packet length");
                    len = (static_cast<std::size_t>(byte(pos)) << 24) | (byte(pos + 1) << 16) |
                          (byte(pos + 2) << 8) | byte(pos + 3);
                    pos += 4;
                } else {
                    len = std::size_t{1} << (o1 & 0x1F);
                    partial = true;
                    p.partial = true;
                }
                if (first) {
                    p.header_size = pos - p.offset;
                    first = false;
                }
                if (!need(len)) return bad(std::string("truncated ") + tag_name(p.tag) + " packet");
                p.body.append(data.substr(pos, len));
                pos += len;
                if (!partial) break;
            }
        } else {
            p.tag = (h >> 2) & 0x0F;
            int ltype = h & 3;
            std::size_t len = 0;
            if (ltype == 0) {
                if (!need(1)) return bad("truncated packet length");
                len = byte(pos++);
            } else if (ltype == 1) {
                if (!need(2)) return bad("truncated packet length");
                len = (byte(pos) << 8) | byte(pos + 1);
                pos += 2;
            } else if (ltype == 2) {
                if (!need(4)) return bad("truncated packet length");
                len = (static_cast<std::size_t>(byte(pos)) << 24) | (byte(pos + 1) << 16) |
                      (byte(pos + 2) << 8) | byte(pos + 3);
                pos += 4;
            } else {
                len = data.size() - pos;
            }
            p.header_size = pos - p.offset;
            if (!need(len)) return bad(std::string("truncated ") + tag_name(p.tag) + " packet");
            p.body = std::string(data.substr(pos, len));
            pos += len;
        }
        out.push_back(std::move(p));
    }
    return out;
}

const char* tag_name(int tag) {
    switch (tag) {
        case 1:
            return "PKESK";
        case 2:
            return "Signature";
        case 3:
            return "SKESK";
        case 4:
            return "One-Pass Signature";
        case 5:
            return "Secret-Key";
        case 6:
            return "Public-Key";
        case 7:
            return "Secret-Subkey";
        case 8:
            return "Compressed Data";
        case 9:
            return "Symmetrically Encrypted Data";
        case 10:
            return "Marker";
        case 11:
            return "Literal Data";
        case 12:
            return "Trust";
        case 13:
            return "User ID";
        case 14:
            return "Public-Subkey";
        case 17:
            return "User Attribute";
        case 18:
            return "SEIPD";
        case 19:
            return "MDC";
        case 20:
            return "AEAD Encrypted Data";
        case 21:
            return "Padding";
        default:
            return "unknown";
    }
}

const char* public_key_algorithm_name(int algo) {
    switch (algo) {
        case 1:
        case 2:
        case 3:
            return "RSA";
        case 16:
            return "Elgamal";
        case 17:
            return "DSA";
        case 18:
            return "ECDH";
        case 19:
            return "ECDSA";
        case 22:
            return "EdDSA";
        case 25:
            return "X25519";
        case 26:
            return "X448";
        case 27:
            return "Ed25519";
        case 28:
            return "Ed448";
        default:
            return "unknown";
    }
}

const char* symmetric_algorithm_name(int algo) {
    switch (algo) {
        case 0:
            return "plaintext";
        case 1:
            return "IDEA";
        case 2:
            return "TripleDES";
        case 3:
            return "CAST5";
        case 4:
            return "Blowfish";
        case 7:
            return "AES-128";
        case 8:
            return "AES-192";
        case 9:
            return "AES-256";
        case 10:
            return "Twofish";
        case 11:
        case 12:
        case 13:
            return "Camellia";
        default:
            return "unknown";
    }
}

std::optional<Pkesk> parse_pkesk(const Packet& p, std::string_view /*data*/) {
    if (p.tag != 1 || p.body.empty()) return std::nullopt;
    Pkesk k;
    k.version = static_cast<unsigned char>(p.body[0]);
    if (k.version == 3) {
        if (p.body.size() < 10) return std::nullopt;
        k.key_id = p.body.substr(1, 8);
        k.wildcard = k.key_id == std::string(8, '\0');
        k.algorithm = static_cast<unsigned char>(p.body[9]);
        k.key_id_offset = p.offset + p.header_size + 1;
    } else if (k.version == 6) {
        // v6: length octet, then (key version + fingerprint) or nothing for anonymous.
        if (p.body.size() < 2) return std::nullopt;
        std::size_t n = static_cast<unsigned char>(p.body[1]);
        k.wildcard = n == 0;
        if (p.body.size() < 2 + n + 1) return std::nullopt;
        if (n > 1) k.key_id = p.body.substr(3, n - 1);
        k.algorithm = static_cast<unsigned char>(p.body[2 + n]);
    }
    return k;
}

std::optional<Skesk> parse_skesk(const Packet& p) {
    if (p.tag != 3 || p.body.size() < 2) return std::nullopt;
    Skesk s;
    s.version = static_cast<unsigned char>(p.body[0]);
    if (s.version == 4) {
        s.cipher = static_cast<unsigned char>(p.body[1]);
        if (p.body.size() >= 3) s.s2k_type = static_cast<unsigned char>(p.body[2]);
        if (p.body.size() >= 4) s.s2k_hash = static_cast<unsigned char>(p.body[3]);
    } else if (s.version == 5 || s.version == 6) {
        // v6: count octet, cipher, AEAD, S2K length, S2K specifier…
        if (p.body.size() >= 6) {
            s.cipher = static_cast<unsigned char>(p.body[2]);
            s.s2k_type = static_cast<unsigned char>(p.body[5]);
        }
    }
    return s;
}

int seipd_version(const Packet& p) {
    if (p.tag != 18 || p.body.empty()) return 0;
    return static_cast<unsigned char>(p.body[0]);
}

std::optional<std::string> rewrite_wildcard_key_ids(std::string_view data,
                                                    std::string_view key_id) {
    if (key_id.size() != 8) return std::nullopt;
    auto packets = parse_packets(data);
    if (!packets) return std::nullopt;
    std::string out(data);
    bool changed = false;
    for (const auto& p : *packets) {
        auto k = parse_pkesk(p, data);
        if (k && k->version == 3 && k->wildcard && !p.partial &&
            k->key_id_offset + 8 <= out.size()) {
            out.replace(k->key_id_offset, 8, key_id);
            changed = true;
        }
    }
    if (!changed) return std::nullopt;
    return out;
}

std::string to_hex(std::string_view bytes) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2) return std::nullopt;
    auto val = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int h = val(hex[i]), l = val(hex[i + 1]);
        if (h < 0 || l < 0) return std::nullopt;
        out.push_back(static_cast<char>(h * 16 + l));
    }
    return out;
}

}  // namespace coitest::openpgp
