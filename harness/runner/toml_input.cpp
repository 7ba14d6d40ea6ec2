#include "runner/toml_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace coitest {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not valid (overlongs, surrogates
// and code points above U+10FFFF rejected).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0)
        n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

}  // namespace

Result<void> screen_toml_bytes(std::string_view text, std::string_view source_name) {
    int line = 1;
    // Lexical state, just enough to know whether a byte is inside a string.
    enum class In { code, comment, basic, literal, ml_basic, ml_literal } in = In::code;
    auto fail = [&](std::string_view what) -> Result<void> {
        return make_error(ErrorKind::config, fmt::format("{}:{}: {}", source_name, line, what));
    };
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        const std::string_view rest = text.substr(i);
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(text, i);
            if (n == 0) return fail("the file is not valid UTF-8 (is it a binary file?)");
            if (in == In::code || in == In::comment)
                return fail("non-ASCII characters are only allowed inside quoted strings");
            i += n;
            continue;
        }
        if (c == '\n') {
            ++line;
            if (in == In::comment) in = In::code;
            if (in == In::basic || in == In::literal) return fail("unterminated string");
            ++i;
            continue;
        }
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
            return fail(fmt::format("control character 0x{:02x} (is it a binary file?)", c));
        switch (in) {
            case In::code:
                if (rest.starts_with("\"\"\""))
                    in = In::ml_basic, i += 3;
                else if (rest.starts_with("'''"))
                    in = In::ml_literal, i += 3;
                else if (c == '"')
                    in = In::basic, ++i;
                else if (c == '\'')
                    in = In::literal, ++i;
                else if (c == '#')
                    in = In::comment, ++i;
                else
                    ++i;
                break;
            case In::comment:
                ++i;
                break;
            case In::basic:
                if (c == '\\')
                    i += 2;
                else if (c == '"')
                    in = In::code, ++i;
                else
                    ++i;
                break;
            case In::literal:
                if (c == '\'') in = In::code;
                ++i;
                break;
            case In::ml_basic:
                if (c == '\\')
                    i += 2;
                else if (rest.starts_with("\"\"\""))
                    in = In::code, i += 3;
                else
                    ++i;
                break;
            case In::ml_literal:
                if (rest.starts_with("'''"))
                    in = In::code, i += 3;
                else
                    ++i;
                break;
        }
    }
    return {};
}

Result<toml::table> parse_toml(std::string_view text, std::string_view source_name) {
    if (auto screened = screen_toml_bytes(text, source_name); !screened) return screened.error();
    try {
        return toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        return make_error(ErrorKind::config, fmt::format("{}:{}:{}: {}", source_name, where.line,
                                                         where.column, e.description()));
    }
}

Result<void> reject_unknown_keys(const toml::table& table,
                                 std::initializer_list<std::string_view> known,
                                 std::string_view source_name, std::string_view where) {
    for (const auto& [key, node] : table) {
        if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
        std::string list;
        for (auto k : known) list += fmt::format("{}{}", list.empty() ? "" : ", ", k);
        return make_error(ErrorKind::config,
                          fmt::format("{}:{}: unknown key '{}' in {} (known: {})", source_name,
                                      node.source().begin.line, key.str(), where, list));
    }
    return {};
}

}  // namespace coitest
