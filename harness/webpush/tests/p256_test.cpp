#include "webpush/p256.hpp"

#include "test_util.hpp"

#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace coitest::webpush {
namespace {

using testing::b64u;
using testing::err;
using ::testing::HasSubstr;
using testing::ok;
using ::testing::StartsWith;

// RFC 8291 Appendix A's user agent key pair.
constexpr std::string_view kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view kUaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";

TEST(P256, GeneratedKeysRoundTripThroughEveryEncoding) {
    auto key = ok(P256PrivateKey::generate());
    auto pub = key.public_key();
    std::string point = pub.uncompressed_point();
    ASSERT_EQ(point.size(), 65u);
    EXPECT_EQ(point[0], '\x04');
    EXPECT_EQ(ok(P256PublicKey::from_point(point)), pub);
    EXPECT_EQ(ok(P256PublicKey::from_pem(pub.to_pem())), pub);
    EXPECT_EQ(ok(P256PublicKey::from_der(pub.to_der())), pub);
    EXPECT_THAT(pub.to_pem(), StartsWith("-----BEGIN PUBLIC KEY-----\n"));
    EXPECT_EQ(pub.to_der().size(), 91u);  // SPKI with the 65-octet point
    auto again = ok(P256PrivateKey::from_pem(key.to_pem()));
    EXPECT_EQ(again.public_key(), pub);
    EXPECT_THAT(key.to_pem(), StartsWith("-----BEGIN PRIVATE KEY-----\n"));
    auto from_scalar = ok(P256PrivateKey::from_scalar(key.scalar()));
    EXPECT_EQ(from_scalar.public_key(), pub);
}

TEST(P256, DistinctGeneratedKeysDiffer) {
    auto a = ok(P256PrivateKey::generate());
    auto b = ok(P256PrivateKey::generate());
    EXPECT_FALSE(a.public_key() == b.public_key());
}

TEST(P256, CompressedPointIsAcceptedAndNormalised) {
    auto pub = ok(P256PublicKey::from_point(b64u(kUaPublic)));
    std::string compressed = pub.compressed_point();
    ASSERT_EQ(compressed.size(), 33u);
    EXPECT_EQ(compressed.substr(1), b64u(kUaPublic).substr(1, 32));
    auto back = ok(P256PublicKey::from_point(compressed));
    EXPECT_EQ(back, pub);
    EXPECT_EQ(back.uncompressed_point(), b64u(kUaPublic));
    // SPKI output uses the uncompressed form even for a key that arrived compressed.
    EXPECT_EQ(back.to_der(), pub.to_der());
    // The other parity is a different (valid) point.
    std::string flipped = compressed;
    flipped[0] = compressed[0] == '\x02' ? '\x03' : '\x02';
    EXPECT_FALSE(ok(P256PublicKey::from_point(flipped)) == pub);
}

TEST(P256, RejectsPointsNotOnTheCurve) {
    std::string point = b64u(kUaPublic);
    point[64] ^= 0x01;
    EXPECT_THAT(err(P256PublicKey::from_point(point)), HasSubstr("not a point on P-256"));
    EXPECT_THAT(err(P256PublicKey::from_point(std::string(65, '\0'))), HasSubstr("P-256"));
    std::string infinity(65, '\0');
    infinity[0] = '\x04';
    EXPECT_TRUE(!P256PublicKey::from_point(infinity));
    EXPECT_THAT(err(P256PublicKey::from_point(point.substr(0, 64))), HasSubstr("got 64 octets"));
    EXPECT_THAT(err(P256PublicKey::from_point("")), HasSubstr("empty"));
    std::string wrong_prefix = b64u(kUaPublic);
    wrong_prefix[0] = '\x06';  // hybrid form: not used by Web Push
    EXPECT_THAT(err(P256PublicKey::from_point(wrong_prefix)), HasSubstr("starting 0x06"));
}

TEST(P256, PrivateScalarMatchesThePublishedKeyPair) {
    auto key = ok(P256PrivateKey::from_scalar(b64u(kUaPrivate)));
    EXPECT_EQ(base64url_encode(key.public_key().uncompressed_point()), kUaPublic);
    EXPECT_EQ(base64url_encode(key.scalar()), kUaPrivate);
}

TEST(P256, RejectsScalarsOutOfRange) {
    EXPECT_THAT(err(P256PrivateKey::from_scalar(std::string(32, '\0'))), HasSubstr("outside"));
    EXPECT_THAT(err(P256PrivateKey::from_scalar(std::string(32, '\xff'))), HasSubstr("outside"));
    EXPECT_THAT(err(P256PrivateKey::from_scalar(std::string(31, '\x01'))), HasSubstr("32 octets"));
    // n - 1 is the largest valid scalar.
    std::string n_minus_1 =
        testing::hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550");
    EXPECT_TRUE(P256PrivateKey::from_scalar(n_minus_1));
    std::string n = n_minus_1;
    n.back() = '\x51';
    EXPECT_THAT(err(P256PrivateKey::from_scalar(n)), HasSubstr("outside"));
}

TEST(P256, RejectsOtherCurvesAndKeyTypes) {
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    ASSERT_NE(raw, nullptr);
    EvpPkeyPtr p384(raw);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, p384.get());
    PEM_write_bio_PrivateKey(bio, p384.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string pems(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    EXPECT_THAT(err(P256PublicKey::from_pem(pems)), HasSubstr("secp384r1, not P-256"));
    auto at = pems.find("-----BEGIN PRIVATE KEY");
    EXPECT_THAT(err(P256PrivateKey::from_pem(pems.substr(at))), HasSubstr("not P-256"));

    EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    ASSERT_NE(ed, nullptr);
    EvpPkeyPtr ed_key(ed);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, ed_key.get());
    n = BIO_get_mem_data(bio, &data);
    std::string ed_pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    EXPECT_THAT(err(P256PublicKey::from_pem(ed_pem)), HasSubstr("key type is ED25519"));
}

TEST(P256, RejectsGarbagePemAndDer) {
    EXPECT_THAT(err(P256PublicKey::from_pem("hello")), HasSubstr("no '-----BEGIN PUBLIC KEY"));
    auto key = ok(P256PrivateKey::generate());
    EXPECT_THAT(err(P256PublicKey::from_pem(key.to_pem())),
                HasSubstr("'PRIVATE KEY', not 'PUBLIC KEY'"));
    std::string der = key.public_key().to_der();
    EXPECT_THAT(err(P256PublicKey::from_der(der + "x")), HasSubstr("1 octets follow"));
    EXPECT_THAT(err(P256PublicKey::from_der(der.substr(0, 50))), HasSubstr("not a DER"));
    EXPECT_THAT(err(P256PublicKey::from_pem(std::string(70000, 'A'))), HasSubstr("too long"));
}

TEST(P256, ReadsTheSpecsCompressedSpkiExample) {
    // webpush-spec.md "VAPID Key": a SubjectPublicKeyInfo holding a 33-octet compressed point.
    constexpr std::string_view pem =
        "-----BEGIN PUBLIC KEY-----\n"
        "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgACYHfTQ0biATut1VhK/AW2KmZespz+\n"
        "DEQ1yH3nvbayCuY=\n"
        "-----END PUBLIC KEY-----\n";
    auto key = ok(P256PublicKey::from_pem(pem));
    EXPECT_EQ(key.compressed_point()[0], '\x02');
    EXPECT_EQ(key.uncompressed_point().size(), 65u);
    // Written back, the SPKI carries the uncompressed point (91 octets of DER).
    EXPECT_EQ(key.to_der().size(), 91u);
    EXPECT_EQ(ok(P256PublicKey::from_pem(key.to_pem())), key);
}

TEST(P256, ReadsASec1PrivateKeyPem) {
    // `openssl ecparam -genkey -name prime256v1 -noout` style output for the RFC 8291 UA key.
    auto key = ok(P256PrivateKey::from_scalar(b64u(kUaPrivate)));
    BIO* bio = BIO_new(BIO_s_mem());
    ASSERT_EQ(
        PEM_write_bio_PrivateKey_traditional(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr),
        1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string sec1(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    EXPECT_THAT(sec1, StartsWith("-----BEGIN EC PRIVATE KEY-----"));
    EXPECT_EQ(ok(P256PrivateKey::from_pem(sec1)).public_key(), key.public_key());
}

TEST(P256, EcdhAgreesBothWays) {
    auto a = ok(P256PrivateKey::generate());
    auto b = ok(P256PrivateKey::generate());
    std::string ab = ok(ecdh(a, b.public_key()));
    EXPECT_EQ(ab.size(), 32u);
    EXPECT_EQ(ab, ok(ecdh(b, a.public_key())));
    auto c = ok(P256PrivateKey::generate());
    EXPECT_NE(ab, ok(ecdh(a, c.public_key())));
}

}  // namespace
}  // namespace coitest::webpush
