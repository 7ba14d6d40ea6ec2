#include "smtp/reply_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coitest::smtp {
namespace {

// Feeds `input` in chunks of `chunk` bytes, draining the reader after each, and returns every
// event except NeedMore (stopping at the first Error). `last_need_more` tells whether the reader
// was waiting for more when the input ran out.
struct Drained {
    std::vector<Reply> replies;
    std::optional<Error> error;
    bool last_need_more = false;
};

Drained drain(ReplyReader& reader, std::string_view input, std::size_t chunk = 1 << 20) {
    Drained out;
    for (std::size_t pos = 0; pos < input.size() && !out.error; pos += chunk) {
        reader.feed(input.substr(pos, chunk));
        for (;;) {
            auto event = reader.next();
            if (std::holds_alternative<NeedMore>(event)) {
                out.last_need_more = true;
                break;
            }
            out.last_need_more = false;
            if (auto* e = std::get_if<Error>(&event)) {
                out.error = *e;
                break;
            }
            out.replies.push_back(std::get<Reply>(std::move(event)));
        }
    }
    return out;
}

Drained drain(std::string_view input, ReaderLimits limits = {}, std::size_t chunk = 1 << 20) {
    ReplyReader reader(limits);
    return drain(reader, input, chunk);
}

const std::string kPostfixEhlo =
    "250-mx.example.org\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n";

TEST(ReplyReader, PostfixQueuedReplyWithEnhancedCode) {
    const std::string in = "250 2.0.0 Ok: queued as 4Z1x2y3zQpz\r\n";
    auto d = drain(in);
    ASSERT_FALSE(d.error);
    ASSERT_EQ(d.replies.size(), 1u);
    const Reply& r = d.replies[0];
    EXPECT_EQ(r.code, 250);
    EXPECT_TRUE(r.positive());
    ASSERT_TRUE(r.enhanced);
    EXPECT_EQ(*r.enhanced, (EnhancedCode{2, 0, 0}));
    EXPECT_EQ(r.lines, std::vector<std::string>{"2.0.0 Ok: queued as 4Z1x2y3zQpz"});
    EXPECT_EQ(r.raw, in);
    EXPECT_FALSE(r.bare_lf);
    EXPECT_TRUE(d.last_need_more);
}

TEST(ReplyReader, PostfixMultiLineEhlo) {
    auto d = drain(kPostfixEhlo);
    ASSERT_FALSE(d.error);
    ASSERT_EQ(d.replies.size(), 1u);
    const Reply& r = d.replies[0];
    EXPECT_EQ(r.code, 250);
    ASSERT_EQ(r.lines.size(), 11u);
    EXPECT_EQ(r.lines.front(), "mx.example.org");
    EXPECT_EQ(r.lines[2], "SIZE 10240000");
    EXPECT_EQ(r.lines.back(), "CHUNKING");
    EXPECT_FALSE(r.enhanced);  // EHLO replies carry no enhanced codes
    EXPECT_EQ(r.raw, kPostfixEhlo);
}

TEST(ReplyReader, MultiLineRejectionWithEnhancedCodeOnEveryLine) {
    auto d = drain(
        "550-5.7.1 The message was rejected by policy.\r\n"
        "550-5.7.1 See https://support.example.org/bounce for details\r\n"
        "550 5.7.1 (policy-7)\r\n");
    ASSERT_FALSE(d.error);
    ASSERT_EQ(d.replies.size(), 1u);
    EXPECT_EQ(d.replies[0].code, 550);
    EXPECT_TRUE(d.replies[0].permanent_failure());
    EXPECT_EQ(d.replies[0].lines.size(), 3u);
    ASSERT_TRUE(d.replies[0].enhanced);
    EXPECT_EQ(d.replies[0].enhanced->str(), "5.7.1");
}

TEST(ReplyReader, DataGoAheadIsIntermediate) {
    auto d = drain("354 End data with <CR><LF>.<CR><LF>\r\n");
    ASSERT_EQ(d.replies.size(), 1u);
    EXPECT_EQ(d.replies[0].code, 354);
    EXPECT_TRUE(d.replies[0].intermediate());
    EXPECT_FALSE(d.replies[0].enhanced);
}

TEST(ReplyReader, LmtpPerRecipientRepliesInOneChunkComeOutInOrder) {
    auto d = drain(
        "250 2.0.0 <alice@example.org> 8CqWMEsl3mZ0GwAAIfD0pQ Saved\r\n"
        "550 5.1.1 <nobody@example.org> User doesn't exist: nobody@example.org\r\n"
        "452 4.2.2 <bob@example.org> Quota exceeded (mailbox for user is full)\r\n");
    ASSERT_FALSE(d.error);
    ASSERT_EQ(d.replies.size(), 3u);
    EXPECT_EQ(d.replies[0].code, 250);
    EXPECT_EQ(d.replies[1].code, 550);
    EXPECT_EQ(d.replies[1].enhanced->str(), "5.1.1");
    EXPECT_EQ(d.replies[2].code, 452);
    EXPECT_TRUE(d.replies[2].transient_failure());
    EXPECT_EQ(d.replies[2].enhanced->str(), "4.2.2");
}

TEST(ReplyReader, ByteAtATimeGivesTheSameReply) {
    auto whole = drain(kPostfixEhlo);
    ReplyReader reader;
    // Every prefix is incomplete: the reply appears only with the very last byte.
    for (std::size_t i = 0; i + 1 < kPostfixEhlo.size(); ++i) {
        reader.feed(kPostfixEhlo.substr(i, 1));
        ASSERT_TRUE(std::holds_alternative<NeedMore>(reader.next())) << "at byte " << i;
    }
    reader.feed(kPostfixEhlo.substr(kPostfixEhlo.size() - 1));
    auto event = reader.next();
    ASSERT_TRUE(std::holds_alternative<Reply>(event));
    const Reply& r = std::get<Reply>(event);
    EXPECT_EQ(r.lines, whole.replies.at(0).lines);
    EXPECT_EQ(r.raw, kPostfixEhlo);
    EXPECT_EQ(reader.buffered(), 0u);
}

TEST(ReplyReader, BufferedCountsAReplyInProgress) {
    ReplyReader reader;
    reader.feed("250-first\r\n250 sec");
    EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next()));
    EXPECT_EQ(reader.buffered(), 18u);
}

TEST(ReplyReader, CodeChangingBetweenLinesIsAProtocolError) {
    auto d = drain("250-mx.example.org\r\n251 PIPELINING\r\n");
    ASSERT_TRUE(d.error);
    EXPECT_EQ(d.error->kind, ErrorKind::protocol);
    EXPECT_NE(d.error->message.find("250 to 251"), std::string::npos) << d.error->message;
    EXPECT_TRUE(d.replies.empty());
}

TEST(ReplyReader, MissingSpaceAfterCodeIsAProtocolError) {
    auto d = drain("250Ok\r\n");
    ASSERT_TRUE(d.error);
    EXPECT_EQ(d.error->kind, ErrorKind::protocol);
}

TEST(ReplyReader, CodeAloneIsAValidLastLine) {
    auto d = drain("250-first\r\n250\r\n");
    ASSERT_FALSE(d.error);
    ASSERT_EQ(d.replies.size(), 1u);
    EXPECT_EQ(d.replies[0].lines, (std::vector<std::string>{"first", ""}));
}

TEST(ReplyReader, CodesOutsideTheGrammarAreProtocolErrors) {
    for (std::string bad : {"2x0 hi\r\n", "HTTP/1.1 400 Bad Request\r\n", "600 six\r\n",
                            "199 one\r\n", "260 bad second digit\r\n", "25 short\r\n", "\r\n",
                            " 250 leading space\r\n", "* OK IMAP4rev1 ready\r\n"}) {
        auto d = drain(bad);
        ASSERT_TRUE(d.error) << bad;
        EXPECT_EQ(d.error->kind, ErrorKind::protocol) << bad;
        EXPECT_TRUE(d.replies.empty()) << bad;
    }
    // The same shapes with valid codes pass, so the failures above are about the code.
    for (std::string good : {"250 hi\r\n", "421 bye\r\n", "559 x\r\n", "200 x\r\n"}) {
        auto d = drain(good);
        EXPECT_FALSE(d.error) << good;
        EXPECT_EQ(d.replies.size(), 1u) << good;
    }
}

TEST(ReplyReader, LineLengthLimitCountsTheTerminator) {
    ReaderLimits limits;
    limits.max_line = 16;
    const std::string fits = "250 " + std::string(10, 'x') + "\r\n";  // 16 bytes
    auto ok = drain(fits, limits);
    EXPECT_FALSE(ok.error);
    EXPECT_EQ(ok.replies.size(), 1u);
    auto d = drain("250 " + std::string(11, 'x') + "\r\n", limits);  // 17 bytes
    ASSERT_TRUE(d.error);
    EXPECT_EQ(d.error->kind, ErrorKind::limit);
}

TEST(ReplyReader, OverlongLineFailsBeforeItsEndArrives) {
    ReplyReader reader;  // default limit: 4 KiB
    const std::string chunk(1000, 'x');
    reader.feed("250 ");
    bool failed = false;
    for (int i = 0; i < 10 && !failed; ++i) {
        reader.feed(chunk);
        auto event = reader.next();
        if (auto* e = std::get_if<Error>(&event)) {
            EXPECT_EQ(e->kind, ErrorKind::limit);
            failed = true;
        }
    }
    EXPECT_TRUE(failed);
    EXPECT_LE(reader.buffered(), 4096u);  // nothing is kept after the failure
}

TEST(ReplyReader, TooManyLinesIsALimitError) {
    ReaderLimits limits;
    limits.max_lines = 3;
    auto ok = drain("250-a\r\n250-b\r\n250 c\r\n", limits);
    EXPECT_FALSE(ok.error);
    EXPECT_EQ(ok.replies.size(), 1u);
    auto d = drain("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", limits);
    ASSERT_TRUE(d.error);
    EXPECT_EQ(d.error->kind, ErrorKind::limit);
    // The default (1000) bounds an endless continuation too.
    std::string flood;
    for (int i = 0; i < 1001; ++i) flood += "250-x\r\n";
    auto f = drain(flood, {}, 512);
    ASSERT_TRUE(f.error);
    EXPECT_EQ(f.error->kind, ErrorKind::limit);
}

TEST(ReplyReader, BareLfIsAcceptedAndNoted) {
    auto d = drain("250-mx.example.org\n250 SIZE 100\r\n");
    ASSERT_FALSE(d.error);
    ASSERT_EQ(d.replies.size(), 1u);
    EXPECT_TRUE(d.replies[0].bare_lf);
    EXPECT_EQ(d.replies[0].lines, (std::vector<std::string>{"mx.example.org", "SIZE 100"}));
    auto crlf = drain("250 ok\r\n");
    EXPECT_FALSE(crlf.replies.at(0).bare_lf);
}

TEST(ReplyReader, ErrorsAreSticky) {
    ReplyReader reader;
    reader.feed("bogus\r\n");
    ASSERT_TRUE(std::holds_alternative<Error>(reader.next()));
    reader.feed("250 fine\r\n");
    EXPECT_TRUE(std::holds_alternative<Error>(reader.next()));
    EXPECT_TRUE(reader.failed());
}

TEST(ReplyReader, FeedingWithoutReadingIsBounded) {
    ReaderLimits limits;
    limits.max_buffered = 64;
    ReplyReader reader(limits);
    reader.feed(std::string(40, '2'));
    EXPECT_FALSE(reader.failed());
    reader.feed(std::string(40, '2'));  // 80 bytes never read
    EXPECT_TRUE(reader.failed());
    auto event = reader.next();
    ASSERT_TRUE(std::holds_alternative<Error>(event));
    EXPECT_EQ(std::get<Error>(event).kind, ErrorKind::limit);
}

TEST(EnhancedCode, ParsesOnlyTheRfc3463Shape) {
    std::size_t len = 0;
    auto c = parse_enhanced_code("5.1.10 unknown", &len);
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, (EnhancedCode{5, 1, 10}));
    EXPECT_EQ(len, 6u);
    EXPECT_TRUE(parse_enhanced_code("2.0.0"));
    EXPECT_TRUE(parse_enhanced_code("4.999.999 x"));
    for (const char* bad : {"1.2.3 x", "3.0.0 x", "2.0 x", "2.0.0.1 x", "2.0.0x", "2.0000.0",
                            "2.0.0000", "2..0", "250", "", "2.a.0"})
        EXPECT_FALSE(parse_enhanced_code(bad)) << bad;
}

TEST(Reply, SummaryShowsTheFirstLineEscaped) {
    Reply r;
    r.code = 550;
    r.lines = {"5.1.1 no\x01such", "second"};
    EXPECT_EQ(r.summary(), "550 5.1.1 no\\x01such (+1 more lines)");
}

}  // namespace
}  // namespace coitest::smtp
