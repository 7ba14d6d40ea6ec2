#pragma once
// Base64 in the two alphabets Web Push uses (RFC 4648 §4 and §5), on OpenSSL's EVP coder.
// Octet strings are std::string throughout the webpush library.
#include "model/error.hpp"

#include <string>
#include <string_view>

namespace coitest::webpush {

// §5 alphabet, no padding (RFC 8291 §4, RFC 8292 §3.2, JWT).
std::string base64url_encode(std::string_view octets);
// Accepts the §5 alphabet with or without padding; anything else (white space, '+', '/') is an
// error naming the offending position.
Result<std::string> base64url_decode(std::string_view text);

// §4 alphabet with padding (the PEM body and the spec's "base 64-encoded form of the PEM").
std::string base64_encode(std::string_view octets);
// Strict: padding required, no white space unless `allow_line_breaks` (PEM bodies).
Result<std::string> base64_decode(std::string_view text, bool allow_line_breaks = false);

}  // namespace coitest::webpush
