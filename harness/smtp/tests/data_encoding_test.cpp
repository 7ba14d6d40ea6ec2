#include "smtp/data_encoding.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace coitest::smtp {
namespace {

TEST(EncodeData, LineThatIsASingleDotIsStuffed) {
    EXPECT_EQ(encode_data("a\r\n.\r\nb\r\n"), "a\r\n..\r\nb\r\n.\r\n");
}

TEST(EncodeData, LinesStartingWithDotsGetOneMore) {
    EXPECT_EQ(encode_data("..x\r\n.y\r\nz.\r\n"), "...x\r\n..y\r\nz.\r\n.\r\n");
    EXPECT_EQ(encode_data(".\r\n"), "..\r\n.\r\n");     // a dot at the very start is a line start
    EXPECT_EQ(encode_data("a.b\r\n"), "a.b\r\n.\r\n");  // not at a line start: untouched
}

TEST(EncodeData, TerminatorIsAlwaysThere) {
    EXPECT_EQ(encode_data("no newline"), "no newline\r\n.\r\n");
    EXPECT_EQ(encode_data("ends\r\n"), "ends\r\n.\r\n");
    EXPECT_EQ(encode_data(""), ".\r\n");
    EXPECT_EQ(encode_data("x\r\n."), "x\r\n..\r\n.\r\n");  // a final dot without CRLF
}

TEST(EncodeData, BytesAreSentAsGivenByDefault) {
    // After a bare LF there is no RFC 5321 line start: no stuffing, no rewriting.
    EXPECT_EQ(encode_data("a\n.\r\nb\r\n"), "a\n.\r\nb\r\n.\r\n");
    EXPECT_EQ(encode_data("a\n"), "a\n\r\n.\r\n");
    EXPECT_EQ(encode_data("a\rb"), "a\rb\r\n.\r\n");
}

TEST(EncodeData, NormalizingTurnsBareLineEndsIntoCrlf) {
    const DataOptions normalize{true};
    EXPECT_EQ(encode_data("a\n.b\rc", normalize), "a\r\n..b\r\nc\r\n.\r\n");
    EXPECT_EQ(encode_data("a\r\n\n", normalize), "a\r\n\r\n.\r\n");
    EXPECT_EQ(encode_data("\n.\n", normalize), "\r\n..\r\n.\r\n");
}

TEST(DecodeData, UnstuffsAndStopsAtTheTerminator) {
    EXPECT_EQ(decode_data("a\r\n..\r\n...x\r\n.\r\n").value(), "a\r\n.\r\n..x\r\n");
    EXPECT_EQ(decode_data(".\r\n").value(), "");
}

TEST(DecodeData, MissingTerminatorOrTrailingBytesAreErrors) {
    EXPECT_FALSE(decode_data("a\r\n"));
    EXPECT_FALSE(decode_data("a\r\n.\n"));
    EXPECT_FALSE(decode_data(""));
    auto trailing = decode_data("a\r\n.\r\nMAIL FROM:<x>\r\n");
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().kind, ErrorKind::protocol);
}

// Every message over a small alphabet up to length 7: the encoding never contains an early
// end-of-data sequence, always ends with one, and decodes back to the message (plus the CRLF
// the encoder had to add); normalized output has no bare CR or LF.
TEST(DataEncoding, ExhaustiveRoundTripOverSmallMessages) {
    const std::string alphabet = ".\r\na";
    std::size_t checked = 0;
    std::string m;
    auto visit = [&](const std::string& msg) {
        for (bool normalize : {false, true}) {
            const std::string wire = encode_data(msg, {normalize});
            ASSERT_TRUE(wire.ends_with(".\r\n")) << msg;
            const auto end = ("\r\n" + wire).find("\r\n.\r\n");
            ASSERT_EQ(end, wire.size() - 3)
                << "early terminator for " << ::testing::PrintToString(msg);
            auto back = decode_data(wire);
            ASSERT_TRUE(back) << ::testing::PrintToString(msg);
            if (!normalize) {
                const std::string expected =
                    msg.empty() || msg.ends_with("\r\n") ? msg : msg + "\r\n";
                ASSERT_EQ(*back, expected) << ::testing::PrintToString(msg);
            } else {
                for (std::size_t i = 0; i < wire.size(); ++i) {
                    if (wire[i] == '\r') {
                        ASSERT_EQ(wire.at(i + 1), '\n');
                    }
                    if (wire[i] == '\n') {
                        ASSERT_EQ(wire.at(i - 1), '\r');
                    }
                }
            }
        }
        ++checked;
    };
    std::function<void(std::size_t)> gen = [&](std::size_t depth) {
        visit(m);
        if (depth == 7) return;
        for (char c : alphabet) {
            m.push_back(c);
            gen(depth + 1);
            m.pop_back();
        }
    };
    gen(0);
    EXPECT_EQ(checked, 21845u);  // 4^0 + ... + 4^7
}

}  // namespace
}  // namespace coitest::smtp
