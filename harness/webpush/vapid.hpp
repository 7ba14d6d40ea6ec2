#pragma once
// RFC 8292 VAPID: an ES256 JWT (RFC 7515/7519) with aud, exp and sub, carried in
// "Authorization: vapid t=<jwt>, k=<base64url uncompressed public point>". Both directions.
#include "model/error.hpp"
#include "webpush/p256.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coitest::webpush {

struct VapidClaims {
    std::string aud;       // origin of the push resource, e.g. "https://127.0.0.1:4433"
    std::int64_t exp = 0;  // seconds since the epoch
    std::string sub;       // "mailto:..." or "https:..."; optional in RFC 8292 (§2.1 SHOULD)
};

// The JWT, signed ES256 (raw r||s signature, base64url), header {"typ":"JWT","alg":"ES256"}.
Result<std::string> sign_vapid_jwt(const P256PrivateKey& key, const VapidClaims& claims);
// The whole header value "vapid t=..., k=...".
Result<std::string> vapid_authorization(const P256PrivateKey& key, const VapidClaims& claims);

struct VapidCredentials {
    std::string jwt;
    P256PublicKey key;  // from k=
};
// Parses "vapid t=..., k=..." (parameters in any order, optional white space; RFC 8292 §3).
Result<VapidCredentials> parse_vapid_authorization(std::string_view header_value);

// ES256 signatures travel as raw r||s (RFC 7518 §3.4, 64 octets); OpenSSL speaks DER.
Result<std::string> ecdsa_der_to_raw(std::string_view der);
Result<std::string> ecdsa_raw_to_der(std::string_view raw);

// Header values longer than this are refused before parsing (a JWT is a few hundred octets).
inline constexpr std::size_t kMaxVapidHeaderValue = 8 * 1024;

struct VapidExpectations {
    std::string audience;  // the push resource's origin; must equal aud
    std::int64_t now = 0;  // seconds since the epoch; exp must be later (0: the system clock)
    std::int64_t max_lifetime = 24 * 3600;      // RFC 8292 §2: exp no more than 24 h ahead
    std::optional<P256PublicKey> expected_key;  // e.g. the key the server published
};
// Verifies the signature with credentials.key, the JWT header, and every expectation; the error
// names the first rule broken (bad signature, wrong aud, expired, key differs, ...).
Result<VapidClaims> verify_vapid(const VapidCredentials& credentials,
                                 const VapidExpectations& expect);

}  // namespace coitest::webpush
