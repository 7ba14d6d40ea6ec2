// RFC 8292 VAPID: signing, the Authorization header both ways, and a named failure for each
// broken rule.
#include "webpush/vapid.hpp"

#include "test_util.hpp"

#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <nlohmann/json.hpp>

namespace coitest::webpush {
namespace {

using testing::b64u;
using testing::err;
using ::testing::HasSubstr;
using testing::ok;
using ::testing::StartsWith;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kAudience = "https://push.example.net";

class Vapid : public ::testing::Test {
  protected:
    P256PrivateKey key = ok(P256PrivateKey::generate());
    VapidClaims claims{std::string(kAudience), kNow + 3600, "mailto:push@example.com"};
    VapidExpectations expect{std::string(kAudience), kNow, 24 * 3600, std::nullopt};

    Result<VapidClaims> check(const std::string& header_value) {
        auto credentials = parse_vapid_authorization(header_value);
        if (!credentials) return credentials.error();
        return verify_vapid(*credentials, expect);
    }
    std::string header_value() { return ok(vapid_authorization(key, claims)); }
    std::string k() { return base64url_encode(key.public_key().uncompressed_point()); }

    // A JWT with chosen header and claims JSON, signed by `signer`.
    std::string forge(const std::string& header_json, const std::string& claims_json,
                      const P256PrivateKey& signer) {
        // Sign through the library with a claims object, then swap the parts: the signature
        // input is re-signed below, so build it by hand instead.
        std::string input = base64url_encode(header_json) + "." + base64url_encode(claims_json);
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t len = 0;
        auto in = reinterpret_cast<const unsigned char*>(input.data());
        EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, signer.get(), nullptr);
        EVP_DigestSign(ctx, nullptr, &len, in, input.size());
        std::string der(len, '\0');
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len, in, input.size());
        EVP_MD_CTX_free(ctx);
        der.resize(len);
        return input + "." + base64url_encode(ok(ecdsa_der_to_raw(der)));
    }
    std::string claims_json() {
        return nlohmann::json{{"aud", claims.aud}, {"exp", claims.exp}, {"sub", claims.sub}}.dump();
    }
};

TEST_F(Vapid, SignsAJwtWithTheFixedHeader) {
    std::string jwt = ok(sign_vapid_jwt(key, claims));
    auto first_dot = jwt.find('.');
    EXPECT_EQ(b64u(jwt.substr(0, first_dot)), R"({"typ":"JWT","alg":"ES256"})");
    auto second_dot = jwt.find('.', first_dot + 1);
    auto payload =
        nlohmann::json::parse(b64u(jwt.substr(first_dot + 1, second_dot - first_dot - 1)));
    EXPECT_EQ(payload["aud"], kAudience);
    EXPECT_EQ(payload["exp"], kNow + 3600);
    EXPECT_EQ(payload["sub"], "mailto:push@example.com");
    EXPECT_EQ(b64u(jwt.substr(second_dot + 1)).size(), 64u);
}

TEST_F(Vapid, HeaderRoundTrip) {
    std::string value = header_value();
    EXPECT_THAT(value, StartsWith("vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9."));
    EXPECT_THAT(value, HasSubstr(", k=" + k()));
    auto verified = ok(check(value));
    EXPECT_EQ(verified.aud, kAudience);
    EXPECT_EQ(verified.exp, kNow + 3600);
    EXPECT_EQ(verified.sub, "mailto:push@example.com");
}

TEST_F(Vapid, ExpectedKeyMatchesOrIsNamed) {
    expect.expected_key = key.public_key();
    EXPECT_TRUE(check(header_value()));
    expect.expected_key = ok(P256PrivateKey::generate()).public_key();
    EXPECT_THAT(err(check(header_value())), HasSubstr("differs from the expected VAPID key"));
}

TEST_F(Vapid, SubIsOptional) {
    claims.sub.clear();
    auto verified = ok(check(header_value()));
    EXPECT_EQ(verified.sub, "");
}

TEST_F(Vapid, ParsesParametersInAnyOrderWithWhiteSpaceAndQuotes) {
    std::string jwt = ok(sign_vapid_jwt(key, claims));
    EXPECT_TRUE(check("vapid k=" + k() + ",t=" + jwt));
    EXPECT_TRUE(check("  VAPID   t = " + jwt + " ,\tk=\"" + k() + "\"  "));
    EXPECT_TRUE(check("vapid t=" + jwt + ", k=" + k() + ", x=ignored"));
}

TEST_F(Vapid, ConvertsSignaturesBetweenDerAndRaw) {
    std::string raw(64, '\0');
    raw[31] = 1;       // r = 1
    raw[32] = '\x80';  // s with the high bit set needs a DER leading zero
    std::string der = ok(ecdsa_raw_to_der(raw));
    EXPECT_EQ(der, testing::hex("3026020101022100800000000000000000000000000000000000000000000000"
                                "0000000000000000"));
    EXPECT_EQ(ok(ecdsa_der_to_raw(der)), raw);
    EXPECT_THAT(err(ecdsa_raw_to_der(raw.substr(1))), HasSubstr("64 octets"));
    EXPECT_THAT(err(ecdsa_der_to_raw(der + "x")), HasSubstr("not a DER"));
}

// ---- each broken rule is named ------------------------------------------------------------

TEST_F(Vapid, Expired) {
    claims.exp = kNow - 1;
    EXPECT_THAT(err(check(header_value())), HasSubstr("expired"));
    claims.exp = kNow;
    EXPECT_THAT(err(check(header_value())), HasSubstr("expired"));
}

TEST_F(Vapid, MoreThan24HoursAhead) {
    claims.exp = kNow + 24 * 3600;
    EXPECT_TRUE(check(header_value()));
    claims.exp = kNow + 24 * 3600 + 1;
    EXPECT_THAT(err(check(header_value())), HasSubstr("at most 24 hours"));
}

TEST_F(Vapid, AudienceMismatch) {
    claims.aud = "https://other.example.net";
    EXPECT_THAT(err(check(header_value())), HasSubstr("aud mismatch"));
}

TEST_F(Vapid, SignedByAnotherKey) {
    auto other = ok(P256PrivateKey::generate());
    std::string jwt = ok(sign_vapid_jwt(other, claims));
    EXPECT_THAT(err(check("vapid t=" + jwt + ", k=" + k())), HasSubstr("bad signature"));
}

TEST_F(Vapid, TamperedClaims) {
    std::string jwt = ok(sign_vapid_jwt(key, claims));
    auto dot1 = jwt.find('.');
    auto dot2 = jwt.find('.', dot1 + 1);
    claims.exp += 1;
    std::string other = ok(sign_vapid_jwt(key, claims));
    auto odot1 = other.find('.');
    auto odot2 = other.find('.', odot1 + 1);
    // The other token's claims with this token's signature.
    std::string spliced =
        jwt.substr(0, dot1 + 1) + other.substr(odot1 + 1, odot2 - odot1 - 1) + jwt.substr(dot2);
    EXPECT_THAT(err(check("vapid t=" + spliced + ", k=" + k())), HasSubstr("bad signature"));
}

TEST_F(Vapid, AlgNoneAndOtherAlgorithms) {
    std::string payload = base64url_encode(claims_json());
    std::string none = base64url_encode(R"({"typ":"JWT","alg":"none"})") + "." + payload + ".";
    EXPECT_THAT(err(check("vapid t=" + none + ", k=" + k())), HasSubstr("alg is \"none\""));
    std::string hs = forge(R"({"typ":"JWT","alg":"HS256"})", claims_json(), key);
    EXPECT_THAT(err(check("vapid t=" + hs + ", k=" + k())), HasSubstr("not \"ES256\""));
    std::string missing = forge(R"({"typ":"JWT"})", claims_json(), key);
    EXPECT_THAT(err(check("vapid t=" + missing + ", k=" + k())), HasSubstr("no alg"));
    // The same construction with ES256 verifies: the failures above come from alg alone.
    std::string good = forge(R"({"typ":"JWT","alg":"ES256"})", claims_json(), key);
    EXPECT_TRUE(check("vapid t=" + good + ", k=" + k()));
}

TEST_F(Vapid, DerSignatureIsRefused) {
    std::string jwt = ok(sign_vapid_jwt(key, claims));
    auto dot2 = jwt.rfind('.');
    std::string der = ok(ecdsa_raw_to_der(b64u(jwt.substr(dot2 + 1))));
    std::string with_der = jwt.substr(0, dot2 + 1) + base64url_encode(der);
    EXPECT_THAT(err(check("vapid t=" + with_der + ", k=" + k())), HasSubstr("not DER"));
}

TEST_F(Vapid, MalformedClaims) {
    std::string h = R"({"typ":"JWT","alg":"ES256"})";
    auto verify = [&](const std::string& claims_text) {
        return check("vapid t=" + forge(h, claims_text, key) + ", k=" + k());
    };
    EXPECT_THAT(err(verify(R"({"exp":1700003600})")), HasSubstr("no aud"));
    EXPECT_THAT(err(verify(R"({"aud":"https://push.example.net"})")), HasSubstr("no integer exp"));
    EXPECT_THAT(err(verify(R"({"aud":"https://push.example.net","exp":"1700003600"})")),
                HasSubstr("no integer exp"));
    EXPECT_THAT(err(verify(R"({"aud":"https://push.example.net","exp":1700003600,"sub":5})")),
                HasSubstr("sub claim is not a string"));
    EXPECT_THAT(err(verify("[1,2]")), HasSubstr("not a JSON object"));
    EXPECT_THAT(err(verify("{not json")), HasSubstr("claims is not JSON"));
    EXPECT_TRUE(verify(R"({"aud":"https://push.example.net","exp":1700003600})"));
}

TEST_F(Vapid, MalformedJwt) {
    std::string jwt = ok(sign_vapid_jwt(key, claims));
    EXPECT_THAT(err(check("vapid t=abc, k=" + k())), HasSubstr("three dot-separated parts"));
    EXPECT_THAT(err(check("vapid t=a.b.c.d, k=" + k())), HasSubstr("three dot-separated parts"));
    EXPECT_THAT(err(check("vapid t=" + jwt + "(, k=" + k())), HasSubstr("unexpected character"));
    EXPECT_THAT(err(check("vapid t=" + jwt + "*, k=" + k())),
                HasSubstr("signature is not base64url: invalid base64url: character 0x2a"));
    std::string bad_header = "e!" + jwt.substr(2);
    EXPECT_THAT(err(check("vapid t=" + bad_header + ", k=" + k())),
                HasSubstr("header is not base64url"));
    std::string crit = forge(R"({"alg":"ES256","crit":["b64"],"b64":false})", claims_json(), key);
    EXPECT_THAT(err(check("vapid t=" + crit + ", k=" + k())), HasSubstr("crit"));
}

TEST_F(Vapid, GarbageHeaders) {
    std::string jwt = ok(sign_vapid_jwt(key, claims));
    EXPECT_THAT(err(check("")), HasSubstr("no scheme"));
    EXPECT_THAT(err(check("Bearer " + jwt)), HasSubstr("'Bearer', not 'vapid'"));
    EXPECT_THAT(err(check("WebPush " + jwt)), HasSubstr("not 'vapid'"));
    EXPECT_THAT(err(check("vapid")), HasSubstr("no t="));
    EXPECT_THAT(err(check("vapid t=" + jwt)), HasSubstr("no k="));
    EXPECT_THAT(err(check("vapid k=" + k())), HasSubstr("no t="));
    EXPECT_THAT(err(check("vapid t=" + jwt + ", t=" + jwt + ", k=" + k())),
                HasSubstr("'t' appears twice"));
    EXPECT_THAT(err(check("vapid t " + jwt)), HasSubstr("no '='"));
    EXPECT_THAT(err(check("vapid t=\"" + jwt)), HasSubstr("unterminated"));
    EXPECT_THAT(err(check("vapid t=, k=" + k())), HasSubstr("empty value"));
    EXPECT_THAT(err(check("vapid t=" + jwt + ", k=" + k().substr(0, 40))), HasSubstr("k= is 30"));
    EXPECT_THAT(err(check("vapid t=" + jwt + ", k=" + k() + "==")), HasSubstr("k= invalid"));
    std::string off_curve = key.public_key().uncompressed_point();
    off_curve[64] ^= 1;
    EXPECT_THAT(err(check("vapid t=" + jwt + ", k=" + base64url_encode(off_curve))),
                HasSubstr("k= the octets are not a point on P-256"));
    std::string compressed = base64url_encode(key.public_key().compressed_point());
    EXPECT_THAT(err(check("vapid t=" + jwt + ", k=" + compressed)), HasSubstr("k= is 33 octets"));
    EXPECT_THAT(err(check("vapid t=" + std::string(9000, 'a') + ", k=" + k())),
                HasSubstr("more than 8192 is refused"));
}

TEST(VapidRfc8292, TheRfcExampleParses) {
    // RFC 8292 §3.1's example (the webpush spec reproduces it under "Header Signing").
    std::string value =
        "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQi"
        "LCJleHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOe"
        "pC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA, "
        "k=BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs";
    auto credentials = ok(parse_vapid_authorization(value));
    VapidExpectations expect{"https://push.example.net", 1453523768 - 60, 24 * 3600, std::nullopt};
    auto result = verify_vapid(credentials, expect);
    if (result) {
        EXPECT_EQ(result->sub, "mailto:push@example.com");
        EXPECT_EQ(result->exp, 1453523768);
    } else {
        ADD_FAILURE() << "RFC 8292 example: " << result.error().message;
    }
}

}  // namespace
}  // namespace coitest::webpush
