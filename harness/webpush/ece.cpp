#include "webpush/ece.hpp"

#include "webpush/hkdf.hpp"
#include "webpush/openssl_util.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace coitest::webpush {
namespace {

using namespace detail;

constexpr std::size_t kSaltLength = 16;
constexpr std::size_t kTagLength = 16;
constexpr std::size_t kFixedHeader = kSaltLength + 4 + 1;  // salt, rs, idlen (RFC 8188 §2.1)
constexpr std::uint32_t kMinRecordSize = kTagLength + 2;   // tag + delimiter + one more octet
// The encoder holds the whole body in memory; refuse to build absurd ones.
constexpr std::size_t kMaxEncryptInput = 64 * 1024 * 1024;

// RFC 8188 §2.3: the record's nonce is NONCE XOR the 96-bit big-endian sequence number.
std::string record_nonce(const std::string& nonce, std::uint64_t seq) {
    std::string out = nonce;
    for (std::size_t i = 0; i < 8; ++i)
        out[11 - i] = static_cast<char>(static_cast<unsigned char>(out[11 - i]) ^
                                        static_cast<unsigned char>(seq >> (8 * i)));
    return out;
}

Result<std::string> seal(const EceKeys& keys, std::uint64_t seq, std::string_view plain) {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    std::string iv = record_nonce(keys.nonce, seq);
    if (!ctx ||
        EVP_EncryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), bytes(keys.cek), bytes(iv), nullptr) != 1)
        return openssl_error(ErrorKind::internal, "cannot start AES-128-GCM");
    std::string out(plain.size() + kTagLength, '\0');
    int n = 0;
    int total = 0;
    if (!plain.empty() && EVP_EncryptUpdate(ctx.get(), bytes(out), &n, bytes(plain),
                                            static_cast<int>(plain.size())) != 1)
        return openssl_error(ErrorKind::internal, "AES-128-GCM encryption failed");
    total = n;
    if (EVP_EncryptFinal_ex(ctx.get(), bytes(out) + total, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagLength,
                            bytes(out) + plain.size()) != 1)
        return openssl_error(ErrorKind::internal, "AES-128-GCM encryption failed");
    return out;
}

// An empty optional means the tag did not match.
Result<std::optional<std::string>> open(const EceKeys& keys, std::uint64_t seq,
                                        std::string_view record) {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    std::string iv = record_nonce(keys.nonce, seq);
    if (!ctx ||
        EVP_DecryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), bytes(keys.cek), bytes(iv), nullptr) != 1)
        return openssl_error(ErrorKind::internal, "cannot start AES-128-GCM");
    std::string_view cipher = record.substr(0, record.size() - kTagLength);
    std::string tag(record.substr(cipher.size()));
    std::string out(cipher.size(), '\0');
    int n = 0;
    if (!cipher.empty() && EVP_DecryptUpdate(ctx.get(), bytes(out), &n, bytes(cipher),
                                             static_cast<int>(cipher.size())) != 1)
        return openssl_error(ErrorKind::internal, "AES-128-GCM decryption failed");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagLength, tag.data()) != 1)
        return openssl_error(ErrorKind::internal, "cannot set the GCM tag");
    if (EVP_DecryptFinal_ex(ctx.get(), bytes(out) + n, &n) != 1) {
        clear_openssl_errors();
        return std::optional<std::string>{};
    }
    return std::optional<std::string>(std::move(out));
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

}  // namespace

Result<EceKeys> derive_ece_keys(std::string_view ikm, std::string_view salt) {
    if (salt.size() != kSaltLength)
        return make_error(ErrorKind::protocol,
                          fmt::format("the salt is {} octets; aes128gcm needs 16", salt.size()));
    if (ikm.empty()) return make_error(ErrorKind::protocol, "the input keying material is empty");
    // RFC 8188 §2.2 and §2.3; the info strings end in a zero octet.
    using namespace std::string_view_literals;
    auto cek = hkdf_sha256(salt, ikm, "Content-Encoding: aes128gcm\0"sv, 16);
    if (!cek) return cek.error();
    auto nonce = hkdf_sha256(salt, ikm, "Content-Encoding: nonce\0"sv, 12);
    if (!nonce) return nonce.error();
    return EceKeys{std::move(*cek), std::move(*nonce)};
}

Result<EceHeader> parse_ece_header(std::string_view body, std::size_t& header_length) {
    header_length = 0;
    if (body.size() < kFixedHeader)
        return make_error(ErrorKind::protocol,
                          fmt::format("truncated aes128gcm header: {} octets, the fixed part "
                                      "(salt, rs, idlen) alone is 21",
                                      body.size()));
    EceHeader header;
    header.salt = std::string(body.substr(0, kSaltLength));
    header.rs = 0;
    for (std::size_t i = 0; i < 4; ++i)
        header.rs = (header.rs << 8) | static_cast<unsigned char>(body[kSaltLength + i]);
    std::size_t idlen = static_cast<unsigned char>(body[kFixedHeader - 1]);
    if (body.size() < kFixedHeader + idlen)
        return make_error(ErrorKind::protocol,
                          fmt::format("truncated aes128gcm header: idlen says a {}-octet keyid, "
                                      "only {} octets follow",
                                      idlen, body.size() - kFixedHeader));
    if (header.rs < kMinRecordSize)
        return make_error(ErrorKind::protocol,
                          fmt::format("aes128gcm record size rs = {} is below the minimum 18 "
                                      "(RFC 8188 §2.1)",
                                      header.rs));
    header.keyid = std::string(body.substr(kFixedHeader, idlen));
    header_length = kFixedHeader + idlen;
    return header;
}

Result<std::string> ece_encrypt(std::string_view ikm, std::string_view plaintext,
                                const EceEncryptOptions& options) {
    if (options.rs < kMinRecordSize)
        return make_error(ErrorKind::usage,
                          fmt::format("record size {} is below the minimum 18", options.rs));
    if (options.keyid.size() > 255)
        return make_error(ErrorKind::usage, fmt::format("keyid of {} octets; the header allows 255",
                                                        options.keyid.size()));
    if (plaintext.size() > kMaxEncryptInput || options.padding > kMaxEncryptInput)
        return make_error(ErrorKind::limit, "plaintext or padding too large to encrypt");
    std::string salt = options.salt;
    if (salt.empty()) {
        auto random = random_octets(kSaltLength);
        if (!random) return random.error();
        salt = std::move(*random);
    }
    auto keys = derive_ece_keys(ikm, salt);
    if (!keys) return keys.error();

    std::string body = salt;
    put_u32(body, options.rs);
    body.push_back(static_cast<char>(options.keyid.size()));
    body += options.keyid;

    // Each record's plaintext is data || delimiter || zeros and fills rs - 16 octets, except
    // the last, which may be shorter.
    const std::size_t room = options.rs - kTagLength - 1;  // data + padding per record
    std::size_t start = 0;
    std::size_t pad_left = options.padding;
    for (std::uint64_t seq = 0;; ++seq) {
        std::size_t data_left = plaintext.size() - start;
        std::size_t data = 0;
        std::size_t pad = 0;
        bool last = false;
        if (options.placement == PaddingPlacement::last_record) {
            if (data_left + pad_left <= room) {
                data = data_left;
                pad = pad_left;
                last = true;
            } else {
                data = std::min(data_left, room);
                pad = room - data;  // covered by pad_left, else the branch above was taken
            }
        } else {
            // At least one data octet per record (unless rs leaves room for nothing else).
            pad = std::min(room > 1 ? room - 1 : room, pad_left);
            data = std::min(data_left, room - pad);
            last = data == data_left && pad == pad_left;
            if (!last && data + pad < room)  // data ran out: a non-final record must be full
                pad += std::min(room - data - pad, pad_left - pad);
            last = data == data_left && pad == pad_left;
        }
        pad_left -= pad;
        std::string record(plaintext.substr(start, data));
        record.push_back(last ? '\x02' : '\x01');
        record.append(pad, '\0');
        auto sealed = seal(*keys, seq, record);
        if (!sealed) return sealed.error();
        body += *sealed;
        start += data;
        if (last) break;
    }
    return body;
}

Result<EceDecrypted> ece_decrypt(std::string_view ikm, std::string_view body,
                                 std::size_t max_plaintext) {
    std::size_t header_length = 0;
    auto header = parse_ece_header(body, header_length);
    if (!header) return header.error();
    std::string_view records = body.substr(header_length);
    if (records.empty())
        return make_error(ErrorKind::protocol,
                          "no record follows the aes128gcm header (the body is truncated)");
    auto keys = derive_ece_keys(ikm, header->salt);
    if (!keys) return keys.error();

    EceDecrypted out;
    out.header = std::move(*header);
    const std::size_t rs = out.header.rs;
    std::uint64_t seq = 0;
    for (std::size_t pos = 0; pos < records.size(); pos += rs, ++seq) {
        std::string_view record = records.substr(pos, rs);
        bool last = pos + record.size() == records.size();
        if (record.size() <= kTagLength)
            return make_error(ErrorKind::protocol,
                              fmt::format("record {} is {} octets, too short for the 16-octet tag "
                                          "and a padding delimiter",
                                          seq, record.size()));
        auto plain = open(*keys, seq, record);
        if (!plain) return plain.error();
        if (!*plain)
            return make_error(ErrorKind::protocol,
                              fmt::format("record {}: the AES-GCM authentication tag does not "
                                          "match (wrong key or auth secret, or altered data)",
                                          seq));
        const std::string& p = **plain;
        std::size_t i = p.size();
        while (i > 0 && p[i - 1] == '\0') --i;
        if (i == 0)
            return make_error(ErrorKind::protocol,
                              fmt::format("record {} has no padding delimiter (all {} octets "
                                          "are zero)",
                                          seq, p.size()));
        unsigned char delimiter = static_cast<unsigned char>(p[i - 1]);
        if (last && delimiter == 1)
            return make_error(ErrorKind::protocol,
                              fmt::format("record {} ends the body but carries the delimiter 0x01 "
                                          "of a non-final record: the body is truncated",
                                          seq));
        if (!last && delimiter == 2)
            return make_error(ErrorKind::protocol,
                              fmt::format("record {} carries the final delimiter 0x02, but {} "
                                          "octets follow it: data after the last record",
                                          seq, records.size() - pos - record.size()));
        if (delimiter != (last ? 2 : 1))
            return make_error(ErrorKind::protocol,
                              fmt::format("record {}: invalid padding: octet 0x{:02x} where the "
                                          "delimiter 0x{:02x} or zero padding belongs",
                                          seq, delimiter, last ? 2 : 1));
        if (out.plaintext.size() + (i - 1) > max_plaintext)
            return make_error(
                ErrorKind::limit,
                fmt::format("the plaintext exceeds the limit of {} octets", max_plaintext));
        out.plaintext.append(p, 0, i - 1);
    }
    out.records = seq;
    return out;
}

}  // namespace coitest::webpush
