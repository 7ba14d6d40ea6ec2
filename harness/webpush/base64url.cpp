#include "webpush/base64url.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <vector>

namespace coitest::webpush {
namespace {

// EVP_EncodeBlock/EVP_DecodeBlock take int lengths; nothing in Web Push comes near this.
constexpr std::size_t kMaxText = 64 * 1024 * 1024;

bool is_alnum(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::string encode_standard(std::string_view octets) {
    std::string out(4 * ((octets.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(octets.data()),
                            static_cast<int>(octets.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// `text` is already validated: standard alphabet, length a multiple of 4, `pad` '=' at the end.
// `positions[i]` is where text[i] stood in the caller's input (for messages).
Result<std::string> decode_validated(const std::string& text, std::size_t pad,
                                     const std::vector<std::size_t>& positions,
                                     std::string_view what) {
    if (text.empty()) return std::string{};
    std::string out(3 * (text.size() / 4), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size())
        return make_error(ErrorKind::protocol, fmt::format("{}: not decodable", what));
    // EVP_DecodeBlock counts the '=' as zero octets; drop them.
    out.resize(out.size() - pad);
    // Strict (RFC 4648 §3.5): the unused bits of the last character must be zero, so that
    // every octet string has exactly one encoding. Re-encoding shows it.
    std::string again = encode_standard(out);
    if (again != text) {
        std::size_t last = text.size() - pad - 1;
        return make_error(ErrorKind::protocol,
                          fmt::format("{}: non-canonical final character '{}' at position {} "
                                      "(its unused low bits must be zero)",
                                      what, text[last], positions[last]));
    }
    return out;
}

}  // namespace

std::string base64_encode(std::string_view octets) {
    return encode_standard(octets);
}

std::string base64url_encode(std::string_view octets) {
    std::string out = encode_standard(octets);
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (char& c : out) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    return out;
}

Result<std::string> base64url_decode(std::string_view text) {
    constexpr std::string_view what = "invalid base64url";
    if (text.size() > kMaxText)
        return make_error(ErrorKind::limit,
                          fmt::format("{}: {} characters is too long", what, text.size()));
    // Optional padding: strip it, then insist on the length it implies.
    std::size_t end = text.size();
    std::size_t given_pad = 0;
    while (end > 0 && text[end - 1] == '=' && given_pad < 2) {
        --end;
        ++given_pad;
    }
    std::string standard;
    standard.reserve(end + 3);
    std::vector<std::size_t> positions;
    positions.reserve(end + 3);
    for (std::size_t i = 0; i < end; ++i) {
        char c = text[i];
        if (is_alnum(c))
            standard.push_back(c);
        else if (c == '-')
            standard.push_back('+');
        else if (c == '_')
            standard.push_back('/');
        else if (c == '=')
            return make_error(
                ErrorKind::protocol,
                fmt::format("{}: padding '=' at position {} before the end", what, i));
        else if (c == '+' || c == '/')
            return make_error(ErrorKind::protocol,
                              fmt::format("{}: '{}' at position {} belongs to the base64 (RFC 4648 "
                                          "§4) alphabet, not base64url",
                                          what, c, i));
        else
            return make_error(ErrorKind::protocol,
                              fmt::format("{}: character 0x{:02x} at position {}", what,
                                          static_cast<unsigned char>(c), i));
        positions.push_back(i);
    }
    std::size_t rem = standard.size() % 4;
    if (rem == 1)
        return make_error(ErrorKind::protocol,
                          fmt::format("{}: {} characters cannot be a whole number of octets "
                                      "(one character too many or too few at the end)",
                                      what, standard.size()));
    std::size_t need_pad = rem == 0 ? 0 : 4 - rem;
    if (given_pad != 0 && given_pad != need_pad)
        return make_error(
            ErrorKind::protocol,
            fmt::format("{}: {} padding character(s) where {} belong", what, given_pad, need_pad));
    for (std::size_t i = 0; i < need_pad; ++i) {
        standard.push_back('=');
        positions.push_back(end + i);
    }
    return decode_validated(standard, need_pad, positions, what);
}

Result<std::string> base64_decode(std::string_view text, bool allow_line_breaks) {
    constexpr std::string_view what = "invalid base64";
    if (text.size() > kMaxText)
        return make_error(ErrorKind::limit,
                          fmt::format("{}: {} characters is too long", what, text.size()));
    std::string standard;
    standard.reserve(text.size());
    std::vector<std::size_t> positions;
    positions.reserve(text.size());
    std::size_t pad = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (allow_line_breaks && (c == '\r' || c == '\n')) continue;
        if (c == '=') {
            ++pad;
        } else if (is_alnum(c) || c == '+' || c == '/') {
            if (pad != 0)
                return make_error(ErrorKind::protocol,
                                  fmt::format("{}: data after padding at position {}", what, i));
        } else if (c == '-' || c == '_') {
            return make_error(ErrorKind::protocol,
                              fmt::format("{}: '{}' at position {} belongs to the base64url "
                                          "(RFC 4648 §5) alphabet",
                                          what, c, i));
        } else {
            return make_error(ErrorKind::protocol,
                              fmt::format("{}: character 0x{:02x} at position {}", what,
                                          static_cast<unsigned char>(c), i));
        }
        standard.push_back(c);
        positions.push_back(i);
    }
    if (standard.size() % 4 != 0)
        return make_error(ErrorKind::protocol,
                          fmt::format("{}: {} characters (without line breaks) is not a multiple "
                                      "of 4; padding is required",
                                      what, standard.size()));
    if (pad > 2)
        return make_error(ErrorKind::protocol, fmt::format("{}: {} padding characters", what, pad));
    return decode_validated(standard, pad, positions, what);
}

}  // namespace coitest::webpush
