#include "net/endpoint.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace coitest::net {

namespace {

struct Scheme {
    std::string_view name;
    Protocol protocol;
    Security security;
    std::uint16_t default_port;
};

constexpr std::array<Scheme, 8> kSchemes{{
    {"imap", Protocol::imap, Security::plain, 143},
    {"imaps", Protocol::imap, Security::tls, 993},
    {"imap+starttls", Protocol::imap, Security::starttls, 143},
    {"smtp", Protocol::smtp, Security::plain, 25},
    {"smtps", Protocol::smtp, Security::tls, 465},
    {"smtp+starttls", Protocol::smtp, Security::starttls, 587},
    {"lmtp", Protocol::lmtp, Security::plain, 24},
    {"lmtp+starttls", Protocol::lmtp, Security::starttls, 24},
}};

Error bad(std::string_view url, std::string_view why) {
    return make_error(ErrorKind::usage, fmt::format("invalid URL '{}': {}", url, why));
}

}  // namespace

std::string_view to_string(Protocol p) {
    switch (p) {
        case Protocol::imap:
            return "imap";
        case Protocol::smtp:
            return "smtp";
        case Protocol::lmtp:
            return "lmtp";
    }
    return "imap";
}

std::string_view to_string(Security s) {
    switch (s) {
        case Security::plain:
            return "plain";
        case Security::tls:
            return "tls";
        case Security::starttls:
            return "starttls";
    }
    return "plain";
}

std::string Endpoint::url() const {
    for (const auto& s : kSchemes) {
        if (s.protocol == protocol && s.security == security) {
            const bool v6 = host.find(':') != std::string::npos;
            return fmt::format("{}://{}{}{}:{}", s.name, v6 ? "[" : "", host, v6 ? "]" : "", port);
        }
    }
    return fmt::format("{}://{}:{}", to_string(protocol), host, port);
}

Result<Endpoint> parse_endpoint(std::string_view url) {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos) return bad(url, "expected SCHEME://HOST[:PORT]");
    const std::string_view scheme = url.substr(0, sep);
    const Scheme* found = nullptr;
    for (const auto& s : kSchemes)
        if (s.name == scheme) found = &s;
    if (!found)
        return bad(url, fmt::format("unknown scheme '{}' (imap, imaps, imap+starttls, smtp, smtps, "
                                    "smtp+starttls, lmtp)",
                                    scheme));
    std::string_view rest = url.substr(sep + 3);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#@") != std::string_view::npos)
        return bad(url, "only HOST[:PORT] may follow the scheme (no path, user or query)");

    Endpoint ep{found->protocol, found->security, {}, found->default_port};
    std::string_view port_text;
    if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return bad(url, "unterminated '[' in IPv6 address");
        ep.host = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return bad(url, "expected ':' after ']'");
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = rest.rfind(':');
        if (colon != std::string_view::npos) {
            ep.host = std::string(rest.substr(0, colon));
            port_text = rest.substr(colon + 1);
        } else {
            ep.host = std::string(rest);
        }
    }
    if (ep.host.empty()) return bad(url, "missing host");
    for (unsigned char c : ep.host)
        if (c <= ' ' || c >= 0x7f) return bad(url, "host contains a space or non-ASCII byte");
    if (!port_text.empty() || (rest.size() && rest.back() == ':')) {
        unsigned value = 0;
        const auto* end = port_text.data() + port_text.size();
        const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
        if (port_text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535)
            return bad(url, fmt::format("port '{}' is not a number from 1 to 65535", port_text));
        ep.port = static_cast<std::uint16_t>(value);
    }
    return ep;
}

}  // namespace coitest::net
