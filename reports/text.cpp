#include "reports/text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace coitest::reports::text {

namespace {

void escape_byte(std::string& out, unsigned char b) {
    out += fmt::format("\\x{:02X}", b);
}

bool continuation(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at in[i] (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or 0 when the byte there does not start one.
std::size_t sequence_length(std::string_view in, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
    const unsigned char b = at(i);
    if (b < 0x80) return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + len > in.size()) return 0;
    if (at(i + 1) < lo || at(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (!continuation(at(i + k))) return 0;
    return len;
}

char32_t decode(std::string_view seq) {
    const auto b = [&](std::size_t k) {
        return static_cast<char32_t>(static_cast<unsigned char>(seq[k]));
    };
    switch (seq.size()) {
        case 1:
            return b(0);
        case 2:
            return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        case 3:
            return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        default:
            return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                   (b(3) & 0x3F);
    }
}

// Characters that are valid UTF-8 but still must not reach a report unescaped: C0 controls other
// than tab and line feed (XML 1.0 forbids them, terminals act on them), DEL and C1 controls
// (terminals may act on them), and the two non-characters XML 1.0 forbids.
bool shown_escaped(char32_t c) {
    return (c < 0x20 && c != U'\t' && c != U'\n') || (c >= 0x7F && c <= 0x9F) || c == 0xFFFE ||
           c == 0xFFFF;
}

}  // namespace

std::string printable(std::string_view in, Newlines newlines) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        const char ch = in[i];
        if (ch == '\r') {
            if (newlines == Newlines::keep && i + 1 < in.size() && in[i + 1] == '\n') {
                ++i;  // CRLF: the LF below stands for both
                continue;
            }
            out += "\\r";
            ++i;
            continue;
        }
        if (ch == '\n') {
            out += newlines == Newlines::keep ? "\n" : "\\n";
            ++i;
            continue;
        }
        const std::size_t len = sequence_length(in, i);
        if (len == 0) {
            escape_byte(out, static_cast<unsigned char>(ch));
            ++i;
            continue;
        }
        const std::string_view seq = in.substr(i, len);
        if (shown_escaped(decode(seq))) {
            for (char b : seq) escape_byte(out, static_cast<unsigned char>(b));
        } else {
            out += seq;
        }
        i += len;
    }
    return out;
}

bool valid_utf8(std::string_view in) {
    for (std::size_t i = 0; i < in.size();) {
        const std::size_t len = sequence_length(in, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string xml_text(std::string_view in) {
    std::string out;
    for (char c : printable(in, Newlines::keep)) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;  // also keeps "]]>" out of text
            default:
                out += c;
        }
    }
    return out;
}

std::string xml_attribute(std::string_view in) {
    std::string out;
    for (char c : printable(in, Newlines::escape)) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            case '\t':
                out += "&#9;";
                break;  // attribute normalization would turn it into a space
            default:
                out += c;
        }
    }
    return out;
}

std::string html(std::string_view in, Newlines newlines) {
    std::string out;
    for (char c : printable(in, newlines)) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string truncate(std::string_view in, std::size_t max_bytes) {
    if (in.size() <= max_bytes) return std::string(in);
    std::size_t cut = max_bytes;
    while (cut > 0 && continuation(static_cast<unsigned char>(in[cut]))) --cut;
    return std::string(in.substr(0, cut)) + "…";
}

std::string seconds(double s) {
    if (!std::isfinite(s) || s < 0) s = 0;
    return fmt::format("{:.3f}", s);
}

std::vector<std::string> transcript_lines(const std::vector<TranscriptEntry>& transcript) {
    std::vector<std::string> lines;
    for (const auto& e : transcript) {
        const char* dir = e.direction == Direction::client   ? "C:"
                          : e.direction == Direction::server ? "S:"
                                                             : "--";
        const double t =
            std::isfinite(e.offset_seconds) && e.offset_seconds >= 0 ? e.offset_seconds : 0;
        const std::string prefix = fmt::format("[{:7.3f}] {} {} ", t, printable(e.connection), dir);
        std::string_view data = e.data;
        if (data.ends_with('\n')) data.remove_suffix(1);
        if (data.ends_with('\r')) data.remove_suffix(1);
        std::size_t start = 0;
        while (true) {
            std::size_t nl = data.find('\n', start);
            std::string_view line =
                data.substr(start, nl == std::string_view::npos ? data.size() - start : nl - start);
            if (line.ends_with('\r')) line.remove_suffix(1);
            lines.push_back(prefix + printable(line));
            if (nl == std::string_view::npos) break;
            start = nl + 1;
        }
    }
    return lines;
}

std::string finding_type(const Finding& f) {
    return printable(f.requirement) + " " + std::string(to_string(f.level));
}

std::string expected_seen(const Finding& f) {
    return "expected " + printable(f.expected) + " / seen " + printable(f.seen);
}

}  // namespace coitest::reports::text
