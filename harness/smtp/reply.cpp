#include "smtp/reply.hpp"

#include <fmt/format.h>

namespace coitest::smtp {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// 1 to 3 digits at `pos`; advances `pos`. nullopt when there is no digit or more than three.
std::optional<int> small_number(std::string_view s, std::size_t& pos) {
    int value = 0;
    std::size_t digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
        if (++digits > 3) return std::nullopt;
        value = value * 10 + (s[pos] - '0');
        ++pos;
    }
    if (digits == 0) return std::nullopt;
    return value;
}

}  // namespace

std::string EnhancedCode::str() const {
    return fmt::format("{}.{}.{}", klass, subject, detail);
}

std::optional<EnhancedCode> parse_enhanced_code(std::string_view text, std::size_t* length) {
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
        return std::nullopt;
    std::size_t pos = 2;
    const auto subject = small_number(text, pos);
    if (!subject || pos >= text.size() || text[pos] != '.') return std::nullopt;
    ++pos;
    const auto detail = small_number(text, pos);
    if (!detail || (pos < text.size() && text[pos] != ' ')) return std::nullopt;
    if (length) *length = pos;
    return EnhancedCode{text[0] - '0', *subject, *detail};
}

std::string Reply::summary() const {
    std::string first = lines.empty() ? std::string() : lines.front();
    std::string out = fmt::format("{}", code);
    if (!first.empty()) out += " " + printable(first, 200);
    if (lines.size() > 1) out += fmt::format(" (+{} more lines)", lines.size() - 1);
    return out;
}

std::string printable(std::string_view bytes, std::size_t max) {
    std::string out;
    const std::size_t n = std::min(bytes.size(), max);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c < 0x20 || c >= 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    if (bytes.size() > max) out += "...";
    return out;
}

}  // namespace coitest::smtp
