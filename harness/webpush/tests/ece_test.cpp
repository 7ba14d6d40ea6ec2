// RFC 8188 aes128gcm: the published examples (§3.1, §3.2), then every malformed body.
#include "webpush/ece.hpp"

#include "test_util.hpp"
#include "webpush/hkdf.hpp"

#include <gmock/gmock.h>
#include <openssl/evp.h>

#include <vector>

namespace coitest::webpush {
namespace {

using testing::b64u;
using testing::err;
using ::testing::HasSubstr;
using testing::ok;

// RFC 8188 §3.1 (one record, rs 4096, empty keyid) with its intermediate values.
constexpr std::string_view k31Ikm = "yqdlZ-tYemfogSmv7Ws5PQ";
constexpr std::string_view k31Salt = "I1BsxtFttlv3u_Oo94xnmw";
constexpr std::string_view k31Prk = "zyeH5phsIsgUyd4oiSEIy35x-gIi4aM7y0hCF8mwn9g";
constexpr std::string_view k31Cek = "_wniytB-ofscZDh4tbSjHw";
constexpr std::string_view k31Nonce = "Bcs8gkIRKLI8GeI8";
constexpr std::string_view k31Body =
    "I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg";
// RFC 8188 §3.2 (rs 25, keyid "a1", two records, one 0x00 padding octet in the first).
constexpr std::string_view k32Ikm = "BO3ZVPxUlnLORbVGMpbT1Q";
constexpr std::string_view k32Body =
    "uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsL"
    "WIqS_uA";
constexpr std::string_view kWalrus = "I am the walrus";

TEST(EceVectors, Rfc8188Section31IntermediateValues) {
    EXPECT_EQ(ok(hkdf_sha256_extract(b64u(k31Salt), b64u(k31Ikm))), b64u(k31Prk));
    auto keys = ok(derive_ece_keys(b64u(k31Ikm), b64u(k31Salt)));
    EXPECT_EQ(keys.cek, b64u(k31Cek));
    EXPECT_EQ(keys.nonce, b64u(k31Nonce));
}

TEST(EceVectors, Rfc8188Section31Decrypts) {
    std::string body = b64u(k31Body);
    // The RFC's prose and Content-Length say 54, but its 71 base64url characters are 53 octets
    // (21 header + 15 data + 1 delimiter + 16 tag): the text's count is off by one.
    ASSERT_EQ(body.size(), 53u);
    auto out = ok(ece_decrypt(b64u(k31Ikm), body));
    EXPECT_EQ(out.plaintext, kWalrus);
    EXPECT_EQ(out.header.rs, 4096u);
    EXPECT_EQ(out.header.keyid, "");
    EXPECT_EQ(out.header.salt, b64u(k31Salt));
    EXPECT_EQ(out.records, 1u);
}

TEST(EceVectors, Rfc8188Section31EncryptsByteForByte) {
    EceEncryptOptions options;
    options.salt = b64u(k31Salt);
    EXPECT_EQ(base64url_encode(ok(ece_encrypt(b64u(k31Ikm), kWalrus, options))), k31Body);
}

TEST(EceVectors, Rfc8188Section32DecryptsTwoRecords) {
    std::string body = b64u(k32Body);
    ASSERT_EQ(body.size(), 73u);
    auto out = ok(ece_decrypt(b64u(k32Ikm), body));
    EXPECT_EQ(out.plaintext, kWalrus);
    EXPECT_EQ(out.header.rs, 25u);
    EXPECT_EQ(out.header.keyid, "a1");
    EXPECT_EQ(out.records, 2u);
}

TEST(EceVectors, Rfc8188Section32EncryptsByteForByteWithPaddingFirst) {
    EceEncryptOptions options;
    options.rs = 25;
    options.keyid = "a1";
    options.salt = b64u(k32Body).substr(0, 16);
    options.padding = 1;
    options.placement = PaddingPlacement::first_records;
    EXPECT_EQ(base64url_encode(ok(ece_encrypt(b64u(k32Ikm), kWalrus, options))), k32Body);
    // The same padding at the end gives a different (and still valid) body.
    options.placement = PaddingPlacement::last_record;
    auto other = ok(ece_encrypt(b64u(k32Ikm), kWalrus, options));
    EXPECT_NE(base64url_encode(other), k32Body);
    EXPECT_EQ(ok(ece_decrypt(b64u(k32Ikm), other)).plaintext, kWalrus);
}

// ---- round trips --------------------------------------------------------------------------

struct Shape {
    std::uint32_t rs;
    std::size_t length;
    std::size_t padding;
    PaddingPlacement placement;
};

class EceRoundTrip : public ::testing::TestWithParam<Shape> {};

TEST_P(EceRoundTrip, DecryptsWhatItEncrypts) {
    const Shape& shape = GetParam();
    std::string ikm = "0123456789abcdef";
    std::string plaintext;
    for (std::size_t i = 0; i < shape.length; ++i) plaintext.push_back(static_cast<char>(i * 7));
    EceEncryptOptions options;
    options.rs = shape.rs;
    options.padding = shape.padding;
    options.placement = shape.placement;
    options.keyid = "key";
    std::string body = ok(ece_encrypt(ikm, plaintext, options));
    std::size_t header_length = 0;
    auto header = ok(parse_ece_header(body, header_length));
    EXPECT_EQ(header.rs, shape.rs);
    EXPECT_EQ(header.keyid, "key");
    // Every record but the last fills rs exactly; the ciphertext size adds up.
    std::size_t records_size = body.size() - header_length;
    std::size_t expected_plain = shape.length + shape.padding;
    auto out = ok(ece_decrypt(ikm, body));
    EXPECT_EQ(out.plaintext, plaintext);
    EXPECT_EQ(records_size, expected_plain + out.records * 17);
    EXPECT_EQ(out.records, (records_size + shape.rs - 1) / shape.rs);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, EceRoundTrip,
    ::testing::Values(Shape{4096, 0, 0, PaddingPlacement::last_record},
                      Shape{4096, 100, 0, PaddingPlacement::last_record},
                      Shape{18, 5, 0, PaddingPlacement::last_record},
                      Shape{18, 5, 3, PaddingPlacement::last_record},
                      Shape{18, 5, 3, PaddingPlacement::first_records},
                      Shape{25, 15, 0, PaddingPlacement::last_record},
                      Shape{25, 16, 0, PaddingPlacement::last_record},  // ends on a boundary
                      Shape{25, 100, 40, PaddingPlacement::last_record},
                      Shape{25, 100, 40, PaddingPlacement::first_records},
                      Shape{25, 0, 40, PaddingPlacement::first_records},
                      Shape{100, 1000, 7, PaddingPlacement::first_records}));

TEST(Ece, RandomSaltDiffersEachTime) {
    std::string a = ok(ece_encrypt("ikm-ikm-ikm-ikm!", "x", {}));
    std::string b = ok(ece_encrypt("ikm-ikm-ikm-ikm!", "x", {}));
    EXPECT_NE(a.substr(0, 16), b.substr(0, 16));
}

TEST(Ece, EncryptRejectsBadOptions) {
    EceEncryptOptions options;
    options.rs = 17;
    EXPECT_THAT(err(ece_encrypt("k", "x", options)), HasSubstr("minimum 18"));
    options = {};
    options.keyid = std::string(256, 'k');
    EXPECT_THAT(err(ece_encrypt("k", "x", options)), HasSubstr("255"));
    options = {};
    options.salt = "short";
    EXPECT_THAT(err(ece_encrypt("k", "x", options)), HasSubstr("salt is 5 octets"));
}

// ---- malformed bodies ---------------------------------------------------------------------

class EceTamper : public ::testing::Test {
  protected:
    std::string ikm = b64u(k32Ikm);
    std::string body = b64u(k32Body);  // header 23 octets, records of 25 and 25
    static constexpr std::size_t kHeader = 23;

    std::string decrypt_error(const std::string& b) { return err(ece_decrypt(ikm, b)); }
};

TEST_F(EceTamper, OriginalDecrypts) {
    EXPECT_EQ(ok(ece_decrypt(ikm, body)).plaintext, kWalrus);
}

TEST_F(EceTamper, TruncatedHeader) {
    EXPECT_THAT(decrypt_error(body.substr(0, 20)), HasSubstr("truncated aes128gcm header"));
    EXPECT_THAT(decrypt_error(body.substr(0, 22)), HasSubstr("2-octet keyid, only 1"));
    EXPECT_THAT(decrypt_error(""), HasSubstr("truncated"));
}

TEST_F(EceTamper, RecordSizeBelowMinimum) {
    std::string b = body;
    b[19] = 17;
    EXPECT_THAT(decrypt_error(b), HasSubstr("rs = 17 is below the minimum 18"));
}

TEST_F(EceTamper, WrongKey) {
    ikm[0] ^= 1;
    EXPECT_THAT(decrypt_error(body), HasSubstr("record 0: the AES-GCM authentication tag"));
}

TEST_F(EceTamper, FlippedCiphertextOctet) {
    std::string b = body;
    b[kHeader + 25 + 3] ^= 0x40;  // second record's ciphertext
    EXPECT_THAT(decrypt_error(b), HasSubstr("record 1: the AES-GCM authentication tag"));
}

TEST_F(EceTamper, FlippedTag) {
    std::string b = body;
    b.back() ^= 0x01;
    EXPECT_THAT(decrypt_error(b), HasSubstr("record 1: the AES-GCM authentication tag"));
}

TEST_F(EceTamper, FlippedSaltChangesTheKey) {
    std::string b = body;
    b[0] ^= 0x01;
    EXPECT_THAT(decrypt_error(b), HasSubstr("authentication tag"));
}

TEST_F(EceTamper, TruncatedBodyEndsOnANonFinalRecord) {
    // Dropping the whole second record leaves a record with the 0x01 delimiter at the end.
    EXPECT_THAT(decrypt_error(body.substr(0, kHeader + 25)), HasSubstr("the body is truncated"));
}

TEST_F(EceTamper, TruncatedRecordIsTooShortOrUnauthenticated) {
    EXPECT_THAT(decrypt_error(body.substr(0, kHeader + 25 + 10)), HasSubstr("too short"));
    EXPECT_THAT(decrypt_error(body.substr(0, body.size() - 1)), HasSubstr("authentication tag"));
    EXPECT_THAT(decrypt_error(body.substr(0, kHeader)), HasSubstr("no record follows"));
}

// Builds bodies whose record plaintexts (delimiter and padding included) are chosen freely, each
// sealed with a correct tag, so every padding rule is tested on its own. AES-GCM is done here
// directly with OpenSSL, independently of the library's record code.
std::string seal_record(const EceKeys& keys, std::uint64_t seq, const std::string& plain) {
    std::string iv = keys.nonce;
    for (int i = 0; i < 8; ++i) iv[11 - i] = static_cast<char>(iv[11 - i] ^ (seq >> (8 * i)));
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    std::string out(plain.size() + 16, '\0');
    int n = 0;
    auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    EVP_EncryptInit_ex2(ctx, EVP_aes_128_gcm(), u(keys.cek), u(iv), nullptr);
    EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n, u(plain),
                      static_cast<int>(plain.size()));
    EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &n);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + plain.size());
    EVP_CIPHER_CTX_free(ctx);
    return out;
}

class EcePadding : public ::testing::Test {
  protected:
    std::string ikm = "padding-test-ikm";
    std::string salt = std::string(16, 's');
    std::uint32_t rs = 20;  // 4 octets of record plaintext

    std::string build(const std::vector<std::string>& plaintexts) {
        auto keys = ok(derive_ece_keys(ikm, salt));
        std::string body = salt;
        for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<char>(rs >> shift));
        body.push_back('\0');
        for (std::size_t seq = 0; seq < plaintexts.size(); ++seq)
            body += seal_record(keys, seq, plaintexts[seq]);
        return body;
    }
    Result<EceDecrypted> decrypt(const std::vector<std::string>& plaintexts,
                                 std::size_t max = 1 << 20) {
        return ece_decrypt(ikm, build(plaintexts), max);
    }
};

using namespace std::string_literals;

TEST_F(EcePadding, WellFormedRecordsDecrypt) {
    // The helper itself is right: the same construction with valid padding decrypts.
    auto out = ok(decrypt({"abc\x01"s, "de\x02\0"s}));
    EXPECT_EQ(out.plaintext, "abcde");
    EXPECT_EQ(out.records, 2u);
}

TEST_F(EcePadding, MissingDelimiter) {
    EXPECT_THAT(err(decrypt({"\0\0\0"s})), HasSubstr("no padding delimiter"));
}

TEST_F(EcePadding, NonZeroPaddingAfterDelimiter) {
    EXPECT_THAT(err(decrypt({"a\x02\0\x05"s})), HasSubstr("invalid padding: octet 0x05"));
}

TEST_F(EcePadding, LastRecordWithNonFinalDelimiter) {
    EXPECT_THAT(err(decrypt({"abc\x01"s, "de\x01"s})), HasSubstr("the body is truncated"));
}

TEST_F(EcePadding, DataAfterTheLastRecord) {
    EXPECT_THAT(err(decrypt({"abc\x02"s, "de\x02"s})), HasSubstr("data after the last record"));
}

TEST_F(EcePadding, NonFinalRecordWithWrongDelimiter) {
    EXPECT_THAT(err(decrypt({"abc\x03"s, "de\x02"s})), HasSubstr("octet 0x03"));
}

TEST_F(EcePadding, PlaintextOverTheLimit) {
    EXPECT_EQ(ok(decrypt({"abc\x01"s, "de\x02"s}, 5)).plaintext, "abcde");
    EXPECT_THAT(err(decrypt({"abc\x01"s, "de\x02"s}, 4)), HasSubstr("limit of 4 octets"));
}

TEST_F(EcePadding, EmptyPlaintextIsOneDelimiter) {
    EXPECT_EQ(ok(decrypt({"\x02"s})).plaintext, "");
    EXPECT_THAT(err(decrypt({""s})), HasSubstr("too short"));
}

}  // namespace
}  // namespace coitest::webpush
