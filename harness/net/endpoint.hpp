#pragma once
// Where a protocol endpoint is and how to secure it, from URLs such as imap+starttls://host:143.
#include "model/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace coitest::net {

enum class Protocol { imap, smtp, lmtp };
enum class Security { plain, tls, starttls };  // tls = implicit TLS from the first byte

struct Endpoint {
    Protocol protocol = Protocol::imap;
    Security security = Security::plain;
    std::string host;
    std::uint16_t port = 0;

    std::string url() const;  // canonical form, e.g. "imaps://127.0.0.1:993"
};

// Accepts imap://, imaps://, imap+starttls://, smtp://, smtps://, smtp+starttls://, lmtp://,
// lmtp+starttls://. A missing port takes the protocol's default. Errors name what is wrong.
Result<Endpoint> parse_endpoint(std::string_view url);

std::string_view to_string(Protocol p);
std::string_view to_string(Security s);

}  // namespace coitest::net
