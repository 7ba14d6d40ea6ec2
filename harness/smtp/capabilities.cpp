#include "smtp/capabilities.hpp"

#include <algorithm>
#include <charconv>

namespace coitest::smtp {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5321: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool valid_keyword(std::string_view k) {
    if (k.empty() || !is_alnum(k[0])) return false;
    return std::all_of(k.begin(), k.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// ehlo-param: printable US-ASCII without space or control characters.
bool valid_param(std::string_view p) {
    return !p.empty() &&
           std::all_of(p.begin(), p.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::vector<std::string_view> split_spaces(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

}  // namespace

bool Capabilities::has(std::string_view keyword) const {
    return extensions.contains(upper(keyword));
}

const std::vector<std::string>* Capabilities::params(std::string_view keyword) const {
    const auto it = extensions.find(upper(keyword));
    return it == extensions.end() ? nullptr : &it->second;
}

std::optional<std::uint64_t> Capabilities::size_limit() const {
    const auto* p = params("SIZE");
    if (!p) return std::nullopt;
    if (p->empty()) return 0;  // "SIZE" alone: the server declares no fixed maximum
    std::uint64_t value = 0;
    const auto& s = p->front();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

std::vector<std::string> Capabilities::auth_mechanisms() const {
    std::vector<std::string> out;
    if (const auto* p = params("AUTH"))
        for (const auto& m : *p) out.push_back(upper(m));
    return out;
}

bool Capabilities::has_auth(std::string_view mechanism) const {
    const auto all = auth_mechanisms();
    return std::find(all.begin(), all.end(), upper(mechanism)) != all.end();
}

Capabilities parse_capabilities(const Reply& reply) {
    Capabilities caps;
    if (reply.code != 250 || reply.lines.empty()) return caps;
    const auto first = split_spaces(reply.lines.front());
    if (!first.empty()) caps.domain = std::string(first.front());
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string_view line = reply.lines[i];
        auto words = split_spaces(line);
        if (words.empty()) {
            caps.malformed.emplace_back(line);
            continue;
        }
        std::string keyword = upper(words.front());
        std::vector<std::string_view> params(words.begin() + 1, words.end());
        if (keyword.starts_with("AUTH=")) {  // legacy form: mechanisms glued to the keyword
            params.insert(params.begin(), words.front().substr(5));
            keyword = "AUTH=";
        } else if (!valid_keyword(keyword)) {
            caps.malformed.emplace_back(line);
            continue;
        }
        if (!std::all_of(params.begin(), params.end(), valid_param)) {
            caps.malformed.emplace_back(line);
            continue;
        }
        auto& stored = caps.extensions[keyword];
        for (auto p : params) stored.emplace_back(p);
    }
    return caps;
}

}  // namespace coitest::smtp
