#include "webpush/base64url.hpp"

#include "test_util.hpp"

#include <gmock/gmock.h>

namespace coitest::webpush {
namespace {

using testing::err;
using ::testing::HasSubstr;
using testing::ok;

TEST(Base64Url, EncodesRfc4648TestVectorsWithoutPadding) {
    // RFC 4648 §10, in the §5 alphabet without '='.
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlAlphabet) {
    EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
    EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
    EXPECT_EQ(ok(base64url_decode("-_-_")), "\xfb\xff\xbf");
}

TEST(Base64Url, DecodesWithAndWithoutPadding) {
    EXPECT_EQ(ok(base64url_decode("Zm9vYg")), "foob");
    EXPECT_EQ(ok(base64url_decode("Zm9vYg==")), "foob");
    EXPECT_EQ(ok(base64url_decode("Zm9vYmE")), "fooba");
    EXPECT_EQ(ok(base64url_decode("Zm9vYmE=")), "fooba");
    EXPECT_EQ(ok(base64url_decode("")), "");
}

TEST(Base64Url, RoundTripsEveryOctet) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n <= all.size(); n += 7) {
        std::string part = all.substr(0, n);
        EXPECT_EQ(ok(base64url_decode(base64url_encode(part))), part);
        EXPECT_EQ(ok(base64_decode(base64_encode(part))), part);
    }
}

TEST(Base64Url, RejectsForeignCharactersWithTheirPosition) {
    EXPECT_THAT(err(base64url_decode("Zm9v+mFy")), HasSubstr("position 4"));
    EXPECT_THAT(err(base64url_decode("Zm9v/mFy")), HasSubstr("base64 (RFC 4648 §4)"));
    EXPECT_THAT(err(base64url_decode("Zm9v YmFy")), HasSubstr("0x20 at position 4"));
    EXPECT_THAT(err(base64url_decode("Zm9v\nYmFy")), HasSubstr("position 4"));
    EXPECT_THAT(err(base64url_decode("Zm=9v")), HasSubstr("position 2"));
}

TEST(Base64Url, RejectsImpossibleLengthsAndWrongPadding) {
    EXPECT_THAT(err(base64url_decode("Zm9vY")), HasSubstr("whole number"));
    EXPECT_THAT(err(base64url_decode("Zm9vYg=")), HasSubstr("1 padding"));
    EXPECT_THAT(err(base64url_decode("Zm9v==")), HasSubstr("2 padding"));
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
    // "Zh" and "Zg" both read as 'f' by lax decoders; only "Zg" has zero unused bits.
    EXPECT_THAT(err(base64url_decode("Zh")), HasSubstr("non-canonical"));
    EXPECT_EQ(ok(base64url_decode("Zg")), "f");
}

TEST(Base64, StrictPaddingAndAlphabet) {
    EXPECT_EQ(ok(base64_decode("Zm9vYg==")), "foob");
    EXPECT_THAT(err(base64_decode("Zm9vYg")), HasSubstr("padding is required"));
    EXPECT_THAT(err(base64_decode("Zm9v-_8=")), HasSubstr("base64url"));
    EXPECT_THAT(err(base64_decode("Zg==Zg==")), HasSubstr("data after padding at position 4"));
    EXPECT_THAT(err(base64_decode("Zm9v\nYmFy")), HasSubstr("0x0a at position 4"));
}

TEST(Base64, LineBreaksOnlyWhenAllowed) {
    EXPECT_EQ(ok(base64_decode("Zm9v\r\nYmFy\n", true)), "foobar");
    // Positions still count in the caller's text, line breaks included.
    EXPECT_THAT(err(base64_decode("Zm9v\nYm F", true)), HasSubstr("position 7"));
}

}  // namespace
}  // namespace coitest::webpush
