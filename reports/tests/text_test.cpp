#include "reports/text.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace coitest::reports::text {
namespace {

using namespace std::string_literals;

TEST(Printable, KeepsValidUtf8AndTab) {
    EXPECT_EQ(printable("a\tb – ü 😀"), "a\tb – ü 😀");
}

TEST(Printable, EscapesControlBytesAndInvalidUtf8) {
    EXPECT_EQ(printable("a\x01z"), "a\\x01z");
    EXPECT_EQ(printable("\0"s), "\\x00");
    EXPECT_EQ(printable("\x1b[31m"), "\\x1B[31m");
    EXPECT_EQ(printable("\x7f"), "\\x7F");
    EXPECT_EQ(printable("\xff\xfe"), "\\xFF\\xFE");
    EXPECT_EQ(printable("\xc3\x28"), "\\xC3(");               // lead byte without continuation
    EXPECT_EQ(printable("\xc0\xaf"), "\\xC0\\xAF");           // overlong "/"
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xED\\xA0\\x80");  // a UTF-16 surrogate
    EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
    EXPECT_EQ(printable("\xe2\x82"), "\\xE2\\x82");                    // cut short at the end
    EXPECT_EQ(printable("\xc2\x9b"), "\\xC2\\x9B");           // C1 CSI: terminals act on it
    EXPECT_EQ(printable("\xef\xbf\xbe"), "\\xEF\\xBF\\xBE");  // U+FFFE, forbidden in XML
    EXPECT_EQ(printable("\xef\xbf\xbd"), "\xef\xbf\xbd");     // U+FFFD is fine
}

TEST(Printable, NewlinesKeptOrShown) {
    EXPECT_EQ(printable("a\r\nb\nc\rd", Newlines::keep), "a\nb\nc\\rd");
    EXPECT_EQ(printable("a\r\nb", Newlines::escape), "a\\r\\nb");
}

TEST(ValidUtf8, AcceptsOnlyWellFormed) {
    EXPECT_TRUE(valid_utf8("plain ü 😀 \x01"));
    EXPECT_FALSE(valid_utf8("\xff"));
    EXPECT_FALSE(valid_utf8("\xc0\xaf"));
    EXPECT_FALSE(valid_utf8("ok\xe2\x82"));
}

TEST(XmlEscaping, TextAndAttributes) {
    EXPECT_EQ(xml_text("<a & b>]]>\x02"), "&lt;a &amp; b&gt;]]&gt;\\x02");
    EXPECT_EQ(xml_attribute("say \"hi\" & 'bye'\n\tx"),
              "say &quot;hi&quot; &amp; &apos;bye&apos;\\n&#9;x");
}

TEST(HtmlEscaping, AllFiveCharacters) {
    EXPECT_EQ(html("<script>alert('x&y')</script>\""),
              "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;");
}

TEST(Truncate, CutsOnCharacterBoundary) {
    EXPECT_EQ(truncate("abc", 3), "abc");
    EXPECT_EQ(truncate("abcd", 3), "abc…");
    EXPECT_EQ(truncate("aü", 2), "a…");  // ü is two bytes: never half of it
}

TEST(Seconds, ThreeDecimalsNeverNegative) {
    EXPECT_EQ(seconds(0.0125), "0.013");
    EXPECT_EQ(seconds(1234.5), "1234.500");
    EXPECT_EQ(seconds(-1), "0.000");
    EXPECT_EQ(seconds(std::numeric_limits<double>::quiet_NaN()), "0.000");
}

TEST(TranscriptLines, OneLinePerWireLine) {
    const std::vector<TranscriptEntry> t = {
        {"c1", Direction::client, 0.012, "a001 LOGIN alice ***\r\n"},
        {"c1", Direction::server, 0.0205, "* OK one\r\na001 OK two\r\n"},
        {"smtp", Direction::note, 1.5, "connected"},
        {"c2", Direction::server, 0.1, "bad\x01\rbyte\xff"},
    };
    const std::vector<std::string> expected = {
        "[  0.012] c1 C: a001 LOGIN alice ***", "[  0.021] c1 S: * OK one",
        "[  0.021] c1 S: a001 OK two",          "[  1.500] smtp -- connected",
        "[  0.100] c2 S: bad\\x01\\rbyte\\xFF",
    };
    EXPECT_EQ(transcript_lines(t), expected);
}

TEST(TranscriptLines, EmptyChunkIsOneEmptyLine) {
    EXPECT_EQ(transcript_lines({{"c1", Direction::server, 0, ""}}),
              std::vector<std::string>{"[  0.000] c1 S: "});
}

}  // namespace
}  // namespace coitest::reports::text
