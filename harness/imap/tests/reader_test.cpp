// ResponseReader framing: chunking, literals across feeds, limits, and bounded memory.
#include "imap/response_reader.hpp"
#include "reader_helpers.hpp"

#include <gtest/gtest.h>

namespace coitest::imap {
namespace {

using testing::error_of;
using testing::read_all;

const std::string kSession =
    "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n"
    "* 1 FETCH (UID 5 BODY[] {11}\r\nHello\r\nWorl BODY[TEXT] {0}\r\n)\r\n"
    "* 2 EXISTS\r\n"
    "+ go ahead\r\n"
    "* METADATA \"\" (/private/a ~{3}\r\nx\r\n /private/b {2+}\r\nab)\r\n"
    "a003 OK [APPENDUID 9 1:2] done\r\n";

std::vector<std::string> kinds(const std::vector<ReadResult>& results) {
    std::vector<std::string> out;
    for (const auto& r : results) {
        if (auto* resp = std::get_if<Response>(&r))
            out.push_back(resp->kind_name());
        else if (auto* e = std::get_if<Error>(&r))
            out.push_back("error: " + e->message);
        else
            out.push_back("more");
    }
    return out;
}

TEST(ImapReader, EveryChunkingGivesTheSameResponses) {
    const std::vector<std::string> expected = {"OK",       "FETCH", "EXISTS", "+",
                                               "METADATA", "OK",    "more"};
    for (std::size_t chunk : {1u, 2u, 3u, 5u, 7u, 13u, 64u, 1000u}) {
        auto results = read_all(kSession, chunk);
        EXPECT_EQ(kinds(results), expected) << "chunk " << chunk;
        const auto& fetch = std::get<Response>(results[1]);
        EXPECT_EQ(fetch.get<Fetch>()->section("")->data, "Hello\r\nWorl") << "chunk " << chunk;
        EXPECT_EQ(fetch.get<Fetch>()->section("TEXT")->data, "") << "chunk " << chunk;
        const auto& meta = std::get<Response>(results[4]);
        EXPECT_EQ(meta.get<Metadata>()->entries[0].value, "x\r\n");
        EXPECT_EQ(meta.get<Metadata>()->entries[1].value, "ab");
    }
    // Raw bytes are kept exactly, so concatenating the responses gives back the stream.
    std::string joined;
    for (const auto& r : read_all(kSession, 3)) {
        if (auto* resp = std::get_if<Response>(&r)) joined += resp->raw;
    }
    EXPECT_EQ(joined, kSession);
}

TEST(ImapReader, UntaggedBeforeTaggedCompletionKeepOrder) {
    auto results =
        read_all("* 3 EXISTS\r\n* 1 RECENT\r\n* 2 FETCH (FLAGS (\\Seen))\r\na1 OK NOOP done\r\n");
    EXPECT_EQ(kinds(results),
              (std::vector<std::string>{"EXISTS", "RECENT", "FETCH", "OK", "more"}));
    EXPECT_TRUE(std::get<Response>(results[3]).is_tagged());
    EXPECT_FALSE(std::get<Response>(results[2]).is_tagged());
}

TEST(ImapReader, NeedsMoreUntilTheLiteralAndLineAreComplete) {
    ResponseReader reader;
    reader.feed("* 1 FETCH (BODY[] {5}\r\nab");
    EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next()));
    EXPECT_TRUE(reader.mid_response());
    reader.feed("c\r\n");  // the literal holds CRLF: not a line end
    EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next()));
    reader.feed(")\r");
    EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next()));
    reader.feed("\n* 2 EXI");
    auto r = reader.next();
    ASSERT_TRUE(std::holds_alternative<Response>(r));
    EXPECT_EQ(std::get<Response>(r).get<Fetch>()->section("")->data, "abc\r\n");
    EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next()));
    EXPECT_EQ(reader.buffered(), 7u);
}

TEST(ImapReader, LineLimitFailsBeforeTheLineEnds) {
    ReaderLimits limits;
    limits.max_line = 100;
    ResponseReader reader(limits);
    reader.feed("* OK " + std::string(94, 'x'));  // 99 bytes, no LF yet: under the limit
    EXPECT_TRUE(std::holds_alternative<NeedMore>(reader.next()));
    reader.feed("x");  // 100 bytes and no CRLF yet: cannot fit any more
    auto r = reader.next();
    ASSERT_TRUE(std::holds_alternative<Error>(r));
    EXPECT_EQ(std::get<Error>(r).kind, ErrorKind::limit);
    EXPECT_NE(std::get<Error>(r).message.find("longer than 100"), std::string::npos);
    // Final: later bytes are dropped, the same error comes back.
    reader.feed("\r\n* 1 EXISTS\r\n");
    EXPECT_TRUE(std::holds_alternative<Error>(reader.next()));
    EXPECT_EQ(reader.buffered(), 0u);

    // Exactly at the limit (CRLF included) is fine.
    auto ok = read_all("* OK " + std::string(93, 'x') + "\r\n", 1 << 20, limits);
    ASSERT_TRUE(std::holds_alternative<Response>(ok[0]));
    auto over = read_all("* OK " + std::string(94, 'x') + "\r\n", 1 << 20, limits);
    ASSERT_TRUE(std::holds_alternative<Error>(over[0]));
}

TEST(ImapReader, OversizedLiteralFailsWhenAnnounced) {
    ReaderLimits limits;
    limits.max_literal = 10;
    ResponseReader reader(limits);
    reader.feed("* 1 FETCH (BODY[] {11}\r\n");  // no literal bytes sent at all
    auto r = reader.next();
    ASSERT_TRUE(std::holds_alternative<Error>(r));
    EXPECT_EQ(std::get<Error>(r).kind, ErrorKind::limit);
    EXPECT_NE(std::get<Error>(r).message.find("literal of 11 bytes"), std::string::npos);

    auto fits = read_all("* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n", 1 << 20, limits);
    EXPECT_TRUE(std::holds_alternative<Response>(fits[0]));

    auto huge = error_of("* 1 FETCH (BODY[] {99999999999999999999999}\r\n");
    EXPECT_EQ(huge.kind, ErrorKind::limit);
    EXPECT_NE(huge.message.find("more than 2^64"), std::string::npos);
    EXPECT_EQ(error_of("* 1 FETCH (BODY[] ~{999999999999}\r\n").kind, ErrorKind::limit);
}

TEST(ImapReader, ResponseLimitCountsLiterals) {
    ReaderLimits limits;
    limits.max_response = 60;
    // Each literal fits, but together the response grows past 60 bytes: fail at announcement.
    auto e = error_of("* 1 FETCH (BODY[1] {20}\r\n01234567890123456789 BODY[2] {20}\r\n", 1 << 20,
                      limits);
    EXPECT_EQ(e.kind, ErrorKind::limit);
    EXPECT_NE(e.message.find("longer than 60"), std::string::npos);
    auto ok = read_all("* 1 FETCH (BODY[1] {20}\r\n01234567890123456789)\r\n", 1 << 20, limits);
    EXPECT_TRUE(std::holds_alternative<Response>(ok[0]));
}

TEST(ImapReader, NonLiteralLimitBoundsManySmallLines) {
    ReaderLimits limits;
    limits.max_non_literal = 50;
    std::string flood = "* 1 FETCH (X (";
    for (int i = 0; i < 20; ++i) flood += "a {0}\r\n";
    auto e = error_of(flood, 1, limits);
    EXPECT_EQ(e.kind, ErrorKind::limit);
    EXPECT_NE(e.message.find("outside literals"), std::string::npos);
}

TEST(ImapReader, BareLineFeedIsAFinalProtocolError) {
    ResponseReader reader;
    reader.feed("* 1 EXISTS\n* 2 EXISTS\r\n");
    auto r = reader.next();
    ASSERT_TRUE(std::holds_alternative<Error>(r));
    EXPECT_EQ(std::get<Error>(r).kind, ErrorKind::protocol);
    EXPECT_NE(std::get<Error>(r).message.find("bare LF"), std::string::npos);
    EXPECT_TRUE(reader.failed());
}

TEST(ImapReader, SyntaxErrorSkipsOnlyThatResponse) {
    auto results = read_all("* 1 FETCH (UID x)\r\n* 2 EXISTS\r\n");
    ASSERT_EQ(results.size(), 3u);
    ASSERT_TRUE(std::holds_alternative<Error>(results[0]));
    EXPECT_EQ(std::get<Error>(results[0]).kind, ErrorKind::protocol);
    ASSERT_TRUE(std::holds_alternative<Response>(results[1]));
    EXPECT_EQ(std::get<Response>(results[1]).get<Exists>()->count, 2u);
}

TEST(ImapReader, DepthLimitComesFromTheLimits) {
    ReaderLimits limits;
    limits.max_depth = 3;
    auto e = error_of("* 1 FETCH (BODYSTRUCTURE (((\"x\"))))\r\n", 1 << 20, limits);
    EXPECT_EQ(e.kind, ErrorKind::limit);
    auto ok = read_all("* 1 FETCH (BODYSTRUCTURE ((\"x\")))\r\n", 1 << 20, limits);
    EXPECT_TRUE(std::holds_alternative<Response>(ok[0]));
}

TEST(ImapReader, MemoryStaysBoundedUnderAFlood) {
    ReaderLimits limits;
    limits.max_line = 1000;
    ResponseReader reader(limits);
    const std::string chunk(512, 'A');  // no CRLF ever
    bool failed = false;
    for (int i = 0; i < 100 && !failed; ++i) {
        reader.feed(chunk);
        failed = std::holds_alternative<Error>(reader.next());
        EXPECT_LE(reader.buffered(), limits.max_line + chunk.size());
    }
    EXPECT_TRUE(failed);
    EXPECT_EQ(reader.buffered(), 0u);

    // A long stream of small responses, drained after each feed, never accumulates.
    ResponseReader drain;
    for (int i = 0; i < 10000; ++i) {
        drain.feed("* 1 EXISTS\r\n* 2 RECENT\r\n* 3 EX");
        while (std::holds_alternative<Response>(drain.next())) {
        }
        drain.feed("PUNGE\r\n");
        while (std::holds_alternative<Response>(drain.next())) {
        }
        EXPECT_EQ(drain.buffered(), 0u);
    }
}

TEST(ImapReader, StatusLinesNeverWaitForALiteral) {
    // If "{5}" at the end of a tagged line were taken as a literal, the reader would wait for 5
    // more bytes; it must hand the response out at once.
    ResponseReader reader;
    reader.feed("a1 NO [ALERT] quota {5}\r\n");
    auto r = reader.next();
    ASSERT_TRUE(std::holds_alternative<Response>(r));
    EXPECT_EQ(std::get<Response>(r).status()->text, "quota {5}");
}

}  // namespace
}  // namespace coitest::imap
