// RFC 8291: the Appendix A example in full (keys, intermediate values, body), then round trips
// and every tampered input.
#include "webpush/push_message.hpp"

#include "test_util.hpp"
#include "webpush/hkdf.hpp"

#include <gmock/gmock.h>

namespace coitest::webpush {
namespace {

using testing::b64u;
using testing::err;
using ::testing::HasSubstr;
using testing::ok;

// RFC 8291 Appendix A (and §5), base64url as published.
constexpr std::string_view kPlaintext = "When I grow up, I want to be a watermelon";
constexpr std::string_view kAsPublic =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr std::string_view kAsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr std::string_view kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view kUaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr std::string_view kSalt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr std::string_view kAuthSecret = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view kEcdhSecret = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs";
constexpr std::string_view kPrkKey = "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k";
constexpr std::string_view kKeyInfo =
    "V2ViUHVzaDogaW5mbwAEJXGyvs3942BVGq8e0PTNNmwRzr5VX4m8t7GGpTM5FzFo7OLr4BhZe9MEebhuPI-OztV3yl"
    "kYfpJGmQ22ggCLDgT-M_SrDepxkU21WCP3O1SUj0EwbZIHMtu5pZpTKGSCIA5Zent7wmC6HCJ5mFgJkuk5cwAvMBKi"
    "iujwa7t45ewP";
constexpr std::string_view kIkm = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg";
constexpr std::string_view kPrk = "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc";
constexpr std::string_view kCek = "oIhVW04MRdy2XN9CiKLxTg";
constexpr std::string_view kNonce = "4h_95klXJ5E_qnoN";
constexpr std::string_view kBody =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAm"
    "S6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_"
    "Qulcy4a-fN";

class Rfc8291Vector : public ::testing::Test {
  protected:
    P256PrivateKey as_private = ok(P256PrivateKey::from_scalar(b64u(kAsPrivate)));
    P256PrivateKey ua_private = ok(P256PrivateKey::from_scalar(b64u(kUaPrivate)));
    std::string auth = b64u(kAuthSecret);
    Subscriber subscriber() { return {ok(P256PublicKey::from_point(b64u(kUaPublic))), auth}; }
};

TEST_F(Rfc8291Vector, PublicKeysFollowFromThePrivateScalars) {
    EXPECT_EQ(base64url_encode(as_private.public_key().uncompressed_point()), kAsPublic);
    EXPECT_EQ(base64url_encode(ua_private.public_key().uncompressed_point()), kUaPublic);
}

TEST_F(Rfc8291Vector, IntermediateValues) {
    std::string secret = ok(ecdh(as_private, subscriber().ua_public));
    EXPECT_EQ(base64url_encode(secret), kEcdhSecret);
    // The user agent's side computes the same secret.
    EXPECT_EQ(ok(ecdh(ua_private, as_private.public_key())), secret);
    EXPECT_EQ(ok(hkdf_sha256_extract(auth, secret)), b64u(kPrkKey));
    // key_info is "WebPush: info" 0x00 ua_public as_public.
    using namespace std::string_literals;
    EXPECT_EQ("WebPush: info\0"s + b64u(kUaPublic) + b64u(kAsPublic), b64u(kKeyInfo));
    std::string ikm = ok(webpush_ikm(secret, auth, b64u(kUaPublic), b64u(kAsPublic)));
    EXPECT_EQ(base64url_encode(ikm), kIkm);
    EXPECT_EQ(ok(hkdf_sha256_extract(b64u(kSalt), ikm)), b64u(kPrk));
    auto keys = ok(derive_ece_keys(ikm, b64u(kSalt)));
    EXPECT_EQ(base64url_encode(keys.cek), kCek);
    EXPECT_EQ(base64url_encode(keys.nonce), kNonce);
}

TEST_F(Rfc8291Vector, EncryptsByteForByte) {
    PushEncryptOptions options;
    options.as_private = as_private;
    options.salt = b64u(kSalt);
    EXPECT_EQ(base64url_encode(ok(encrypt_push(subscriber(), kPlaintext, options))), kBody);
}

TEST_F(Rfc8291Vector, Decrypts) {
    auto out = ok(decrypt_push(ua_private, auth, b64u(kBody)));
    EXPECT_EQ(out.plaintext, kPlaintext);
    EXPECT_EQ(base64url_encode(out.as_public.uncompressed_point()), kAsPublic);
    EXPECT_EQ(out.header.rs, 4096u);
    EXPECT_EQ(base64url_encode(out.header.salt), kSalt);
}

TEST_F(Rfc8291Vector, WrongAuthSecret) {
    std::string wrong = auth;
    wrong[5] ^= 0x20;
    EXPECT_THAT(err(decrypt_push(ua_private, wrong, b64u(kBody))),
                HasSubstr("authentication tag does not match"));
}

TEST_F(Rfc8291Vector, WrongUserAgentKey) {
    auto other = ok(P256PrivateKey::generate());
    EXPECT_THAT(err(decrypt_push(other, auth, b64u(kBody))), HasSubstr("authentication tag"));
}

TEST_F(Rfc8291Vector, FlippedCiphertextAndTag) {
    std::string body = b64u(kBody);
    std::string a = body;
    a[86 + 2] ^= 0x01;  // first ciphertext octet after the 86-octet header
    EXPECT_THAT(err(decrypt_push(ua_private, auth, a)), HasSubstr("authentication tag"));
    std::string b = body;
    b.back() ^= 0x80;
    EXPECT_THAT(err(decrypt_push(ua_private, auth, b)), HasSubstr("authentication tag"));
}

TEST_F(Rfc8291Vector, TruncatedBody) {
    std::string body = b64u(kBody);
    EXPECT_THAT(err(decrypt_push(ua_private, auth, body.substr(0, body.size() - 5))),
                HasSubstr("authentication tag"));
    EXPECT_THAT(err(decrypt_push(ua_private, auth, body.substr(0, 86))),
                HasSubstr("no record follows"));
    EXPECT_THAT(err(decrypt_push(ua_private, auth, body.substr(0, 50))),
                HasSubstr("truncated aes128gcm header"));
}

TEST_F(Rfc8291Vector, KeyidMustBeAValid65OctetPoint) {
    std::string body = b64u(kBody);
    std::string off_curve = body;
    off_curve[21 + 40] ^= 0x01;  // a Y coordinate octet of the keyid
    EXPECT_THAT(err(decrypt_push(ua_private, auth, off_curve)),
                HasSubstr("keyid is not a P-256 public point"));
    // A body with the empty keyid of RFC 8188 §3.1 is not a Web Push message.
    EXPECT_THAT(err(decrypt_push(ua_private, auth,
                                 b64u("I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-"
                                      "IxkIva3MEB1PD-ly8Thjg"))),
                HasSubstr("keyid is 0 octets"));
}

TEST_F(Rfc8291Vector, AuthSecretMustBe16Octets) {
    EXPECT_THAT(err(decrypt_push(ua_private, auth.substr(0, 15), b64u(kBody))),
                HasSubstr("15 octets"));
    Subscriber s = subscriber();
    s.auth_secret += "x";
    EXPECT_THAT(err(encrypt_push(s, "hi")), HasSubstr("17 octets"));
}

TEST(PushMessage, RoundTripWithRandomKeys) {
    for (int i = 0; i < 5; ++i) {
        auto ua = ok(P256PrivateKey::generate());
        std::string auth = ok(base64url_decode(base64url_encode(std::string(16, char('a' + i)))));
        Subscriber to{ua.public_key(), auth};
        std::string message = "message " + std::to_string(i) + std::string(i * 100, '.');
        PushEncryptOptions options;
        options.padding = static_cast<std::size_t>(i * 10);
        std::string body = ok(encrypt_push(to, message, options));
        auto out = ok(decrypt_push(ua, auth, body));
        EXPECT_EQ(out.plaintext, message);
        EXPECT_EQ(out.header.keyid, out.as_public.uncompressed_point());
    }
}

TEST(PushMessage, FreshEphemeralKeyAndSaltPerMessage) {
    auto ua = ok(P256PrivateKey::generate());
    Subscriber to{ua.public_key(), std::string(16, 'a')};
    std::string a = ok(encrypt_push(to, "same"));
    std::string b = ok(encrypt_push(to, "same"));
    EXPECT_NE(a.substr(21, 65), b.substr(21, 65));  // keyid: a new sender key each time
    EXPECT_NE(a.substr(0, 16), b.substr(0, 16));
}

TEST(PushMessage, SingleRecordOnly) {
    auto ua = ok(P256PrivateKey::generate());
    Subscriber to{ua.public_key(), std::string(16, 'a')};
    PushEncryptOptions options;
    options.rs = 4096;
    EXPECT_TRUE(encrypt_push(to, std::string(4096 - 17, 'x'), options));
    EXPECT_THAT(err(encrypt_push(to, std::string(4096 - 16, 'x'), options)),
                HasSubstr("single record"));
}

}  // namespace
}  // namespace coitest::webpush
