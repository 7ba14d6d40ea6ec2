#include "webpush/vapid.hpp"

#include "webpush/base64url.hpp"
#include "webpush/openssl_util.hpp"

#include <fmt/format.h>
#include <openssl/ecdsa.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>

namespace coitest::webpush {
namespace {

using namespace detail;
using json = nlohmann::json;

constexpr std::size_t kCoordinate = 32;
// Written literally so the octets (and so the signature input) are what RFC 8292 §2.4 shows;
// nlohmann::json would sort the members.
constexpr std::string_view kJwtHeader = R"({"typ":"JWT","alg":"ES256"})";

Error malformed(std::string_view what) {
    return make_error(ErrorKind::protocol, fmt::format("malformed VAPID JWT: {}", what));
}

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

bool is_tchar(char c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

Result<json> decode_json_part(std::string_view part, std::string_view name) {
    auto text = base64url_decode(part);
    if (!text)
        return malformed(fmt::format("the {} is not base64url: {}", name, text.error().message));
    json parsed = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return malformed(fmt::format("the {} is not JSON", name));
    if (!parsed.is_object()) return malformed(fmt::format("the {} is not a JSON object", name));
    return Result<json>(boost::system::in_place_value, std::move(parsed));
}

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Result<std::string> ecdsa_der_to_raw(std::string_view der) {
    const unsigned char* p = bytes(der);
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig || p != bytes(der) + der.size()) {
        clear_openssl_errors();
        return make_error(ErrorKind::protocol, "not a DER ECDSA signature");
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    if (BN_num_bytes(r) > static_cast<int>(kCoordinate) ||
        BN_num_bytes(s) > static_cast<int>(kCoordinate))
        return make_error(ErrorKind::protocol, "ECDSA signature values too large for P-256");
    std::string raw(2 * kCoordinate, '\0');
    BN_bn2binpad(r, bytes(raw), kCoordinate);
    BN_bn2binpad(s, bytes(raw) + kCoordinate, kCoordinate);
    return raw;
}

Result<std::string> ecdsa_raw_to_der(std::string_view raw) {
    if (raw.size() != 2 * kCoordinate)
        return make_error(
            ErrorKind::protocol,
            fmt::format("an ES256 signature is 64 octets (r||s), not {}", raw.size()));
    EcdsaSigPtr sig(ECDSA_SIG_new());
    BnPtr r(BN_bin2bn(bytes(raw), kCoordinate, nullptr));
    BnPtr s(BN_bin2bn(bytes(raw) + kCoordinate, kCoordinate, nullptr));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        return openssl_error(ErrorKind::internal, "cannot build an ECDSA signature");
    r.release();  // now owned by sig
    s.release();
    int n = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (n <= 0) return openssl_error(ErrorKind::internal, "cannot encode an ECDSA signature");
    std::string der(static_cast<std::size_t>(n), '\0');
    unsigned char* out = bytes(der);
    i2d_ECDSA_SIG(sig.get(), &out);
    return der;
}

Result<std::string> sign_vapid_jwt(const P256PrivateKey& key, const VapidClaims& claims) {
    if (claims.aud.empty()) return make_error(ErrorKind::usage, "VAPID claim aud is empty");
    if (claims.exp <= 0) return make_error(ErrorKind::usage, "VAPID claim exp is not set");
    json body = {{"aud", claims.aud}, {"exp", claims.exp}};
    if (!claims.sub.empty()) body["sub"] = claims.sub;
    std::string payload;
    try {
        payload = body.dump(-1, ' ', false, json::error_handler_t::strict);
    } catch (const json::exception&) {
        return make_error(ErrorKind::usage, "VAPID claims aud/sub are not valid UTF-8");
    }
    std::string input = base64url_encode(kJwtHeader) + "." + base64url_encode(payload);

    MdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!ctx ||
        EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.get(), nullptr) !=
            1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, bytes(input), input.size()) != 1)
        return openssl_error(ErrorKind::internal, "cannot start the ES256 signature");
    std::string der(len, '\0');
    if (EVP_DigestSign(ctx.get(), bytes(der), &len, bytes(input), input.size()) != 1)
        return openssl_error(ErrorKind::internal, "ES256 signing failed");
    der.resize(len);
    auto raw = ecdsa_der_to_raw(der);
    if (!raw) return raw.error();
    return input + "." + base64url_encode(*raw);
}

Result<std::string> vapid_authorization(const P256PrivateKey& key, const VapidClaims& claims) {
    auto jwt = sign_vapid_jwt(key, claims);
    if (!jwt) return jwt.error();
    return "vapid t=" + *jwt + ", k=" + base64url_encode(key.public_key().uncompressed_point());
}

Result<VapidCredentials> parse_vapid_authorization(std::string_view value) {
    if (value.size() > kMaxVapidHeaderValue)
        return make_error(ErrorKind::limit,
                          fmt::format("the Authorization value is {} octets; more than {} is "
                                      "refused",
                                      value.size(), kMaxVapidHeaderValue));
    std::size_t pos = 0;
    auto skip_ows = [&] {
        while (pos < value.size() && is_ows(value[pos])) ++pos;
    };
    skip_ows();
    std::size_t scheme_start = pos;
    while (pos < value.size() && is_tchar(value[pos])) ++pos;
    std::string_view scheme = value.substr(scheme_start, pos - scheme_start);
    if (scheme.empty())
        return make_error(ErrorKind::protocol, "the Authorization value has no scheme");
    if (lower(scheme) != "vapid")
        return make_error(
            ErrorKind::protocol,
            fmt::format("the Authorization scheme is '{}', not 'vapid' (RFC 8292 §3)", scheme));
    if (pos < value.size() && !is_ows(value[pos]))
        return make_error(ErrorKind::protocol,
                          fmt::format("unexpected character at position {} after the scheme", pos));

    // auth-param list (RFC 7235 §2.1): name = token / quoted-string, separated by commas.
    std::map<std::string, std::string> params;
    for (;;) {
        skip_ows();
        while (pos < value.size() && (value[pos] == ',' || is_ows(value[pos]))) ++pos;
        if (pos >= value.size()) break;
        std::size_t name_start = pos;
        while (pos < value.size() && is_tchar(value[pos])) ++pos;
        std::string name = lower(value.substr(name_start, pos - name_start));
        if (name.empty())
            return make_error(ErrorKind::protocol,
                              fmt::format("expected a parameter name at position {}", pos));
        skip_ows();
        if (pos >= value.size() || value[pos] != '=')
            return make_error(ErrorKind::protocol,
                              fmt::format("parameter '{}' has no '=' (position {})", name, pos));
        ++pos;
        skip_ows();
        std::string param_value;
        if (pos < value.size() && value[pos] == '"') {
            ++pos;
            bool closed = false;
            while (pos < value.size()) {
                char c = value[pos++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\' && pos < value.size()) c = value[pos++];
                param_value.push_back(c);
            }
            if (!closed)
                return make_error(ErrorKind::protocol,
                                  fmt::format("unterminated quoted value of '{}'", name));
        } else {
            // token, plus '=' and '/' so a padded or wrong-alphabet key reaches the base64url
            // decoder and gets its precise message.
            while (pos < value.size() &&
                   (is_tchar(value[pos]) || value[pos] == '=' || value[pos] == '/'))
                param_value.push_back(value[pos++]);
        }
        if (param_value.empty())
            return make_error(ErrorKind::protocol,
                              fmt::format("parameter '{}' has an empty value", name));
        skip_ows();
        if (pos < value.size() && value[pos] != ',')
            return make_error(ErrorKind::protocol,
                              fmt::format("unexpected character 0x{:02x} at position {} after "
                                          "parameter '{}'",
                                          static_cast<unsigned char>(value[pos]), pos, name));
        if (!params.emplace(name, std::move(param_value)).second)
            return make_error(ErrorKind::protocol,
                              fmt::format("parameter '{}' appears twice", name));
    }
    auto t = params.find("t");
    auto k = params.find("k");
    if (t == params.end())
        return make_error(ErrorKind::protocol, "the vapid Authorization has no t= (the JWT)");
    if (k == params.end())
        return make_error(ErrorKind::protocol,
                          "the vapid Authorization has no k= (the public key)");
    auto point = base64url_decode(k->second);
    if (!point) return make_error(ErrorKind::protocol, "k= " + point.error().message);
    if (point->size() != 65)
        return make_error(ErrorKind::protocol,
                          fmt::format("k= is {} octets; RFC 8292 §3.2 wants the 65-octet "
                                      "uncompressed P-256 point",
                                      point->size()));
    auto key = P256PublicKey::from_point(*point);
    if (!key) return make_error(ErrorKind::protocol, "k= " + key.error().message);
    return VapidCredentials{std::move(t->second), std::move(*key)};
}

Result<VapidClaims> verify_vapid(const VapidCredentials& credentials,
                                 const VapidExpectations& expect) {
    std::string_view jwt = credentials.jwt;
    if (jwt.size() > kMaxVapidHeaderValue)
        return make_error(ErrorKind::limit,
                          fmt::format("the JWT is {} octets, too long", jwt.size()));
    auto dot1 = jwt.find('.');
    auto dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos)
        return malformed("a JWS compact serialization has exactly three dot-separated parts");
    std::string_view header_part = jwt.substr(0, dot1);
    std::string_view payload_part = jwt.substr(dot1 + 1, dot2 - dot1 - 1);
    std::string_view signature_part = jwt.substr(dot2 + 1);

    auto header = decode_json_part(header_part, "header");
    if (!header) return header.error();
    auto alg = header->find("alg");
    if (alg == header->end()) return malformed("the header has no alg");
    if (!alg->is_string() || alg->get<std::string>() != "ES256")
        return make_error(ErrorKind::protocol,
                          fmt::format("the JWT alg is {}, not \"ES256\" (RFC 8292 §2)",
                                      alg->dump(-1, ' ', false, json::error_handler_t::replace)));
    if (header->contains("crit"))  // RFC 7515 §4.1.11: extensions we do not know must fail
        return malformed("the header lists crit extensions, which VAPID does not define");

    auto signature = base64url_decode(signature_part);
    if (!signature)
        return malformed("the signature is not base64url: " + signature.error().message);
    if (signature->size() != 64)
        return make_error(ErrorKind::protocol,
                          fmt::format("the ES256 signature is {} octets; JWS needs the 64-octet "
                                      "r||s form (RFC 7518 §3.4), not DER",
                                      signature->size()));
    auto der = ecdsa_raw_to_der(*signature);
    if (!der) return der.error();
    std::string_view input = jwt.substr(0, dot2);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                                        credentials.key.get(), nullptr) != 1)
        return openssl_error(ErrorKind::internal, "cannot start ES256 verification");
    if (EVP_DigestVerify(ctx.get(), bytes(*der), der->size(), bytes(input), input.size()) != 1) {
        clear_openssl_errors();
        return make_error(ErrorKind::protocol,
                          "bad signature: the JWT does not verify with the key in k=");
    }
    if (expect.expected_key && !(*expect.expected_key == credentials.key))
        return make_error(ErrorKind::protocol,
                          fmt::format("the key in k= ({}) differs from the expected VAPID key "
                                      "({})",
                                      base64url_encode(credentials.key.uncompressed_point()),
                                      base64url_encode(expect.expected_key->uncompressed_point())));

    auto payload = decode_json_part(payload_part, "claims");
    if (!payload) return payload.error();
    VapidClaims claims;
    auto aud = payload->find("aud");
    if (aud == payload->end() || !aud->is_string())
        return malformed("the claims have no aud string (RFC 8292 §2)");
    claims.aud = aud->get<std::string>();
    auto exp = payload->find("exp");
    if (exp == payload->end() || !exp->is_number_integer())
        return malformed("the claims have no integer exp (RFC 8292 §2)");
    claims.exp = exp->get<std::int64_t>();
    if (auto sub = payload->find("sub"); sub != payload->end()) {
        if (!sub->is_string()) return malformed("the sub claim is not a string");
        claims.sub = sub->get<std::string>();
    }
    if (!expect.audience.empty() && claims.aud != expect.audience)
        return make_error(ErrorKind::protocol,
                          fmt::format("aud mismatch: the JWT says \"{}\", the push resource's "
                                      "origin is \"{}\"",
                                      claims.aud, expect.audience));
    std::int64_t now = expect.now != 0 ? expect.now : system_now();
    if (claims.exp <= now)
        return make_error(ErrorKind::protocol,
                          fmt::format("the JWT expired: exp {} is {} s before now ({})", claims.exp,
                                      now - claims.exp, now));
    if (claims.exp - now > expect.max_lifetime)
        return make_error(ErrorKind::protocol,
                          fmt::format("exp is {} s ahead, more than the {} s allowed (RFC 8292 §2: "
                                      "at most 24 hours)",
                                      claims.exp - now, expect.max_lifetime));
    return claims;
}

}  // namespace coitest::webpush
