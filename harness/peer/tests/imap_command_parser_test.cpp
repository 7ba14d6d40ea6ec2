// The peer's sans-I/O IMAP command reader: framing (literals, limits) and the grammar.
#include "peer/imap_command_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace coitest::peer::imap {
namespace {

using K = FrameEvent::Kind;

Command parse_ok(std::string_view text) {
    auto r = parse_command(text);
    if (auto* e = std::get_if<ParseError>(&r)) {
        ADD_FAILURE() << "parse failed: " << e->message << " for: " << text;
        return {};
    }
    return std::get<Command>(r);
}

ParseError parse_bad(std::string_view text) {
    auto r = parse_command(text);
    if (auto* e = std::get_if<ParseError>(&r)) return *e;
    ADD_FAILURE() << "parse unexpectedly succeeded for: " << text;
    return {};
}

template <class T>
const T& body(const Command& c) {
    EXPECT_TRUE(std::holds_alternative<T>(c.body)) << c.name;
    static const T empty{};
    return std::holds_alternative<T>(c.body) ? std::get<T>(c.body) : empty;
}

// --- framing -----------------------------------------------------------------------------------
TEST(CommandFramer, WholeLineIsOneCommand) {
    CommandFramer f;
    f.feed("a1 NOOP\r\n");
    auto e = f.next();
    EXPECT_EQ(e.kind, K::command);
    EXPECT_EQ(e.text, "a1 NOOP\r\n");
    EXPECT_EQ(f.next().kind, K::need_more);
}

TEST(CommandFramer, LineSplitAcrossFeeds) {
    CommandFramer f;
    f.feed("a1 NO");
    EXPECT_EQ(f.next().kind, K::need_more);
    f.feed("OP\r");
    EXPECT_EQ(f.next().kind, K::need_more);
    f.feed("\na2 NOOP\r\n");
    EXPECT_EQ(f.next().text, "a1 NOOP\r\n");
    EXPECT_EQ(f.next().text, "a2 NOOP\r\n");
}

TEST(CommandFramer, SynchronizingLiteralAsksForContinuation) {
    CommandFramer f;
    f.feed("a1 LOGIN {5}\r\n");
    EXPECT_EQ(f.next().kind, K::continuation);
    EXPECT_EQ(f.next().kind, K::need_more);
    f.feed("alice secret\r\n");
    auto e = f.next();
    ASSERT_EQ(e.kind, K::command);
    EXPECT_EQ(e.text, "a1 LOGIN {5}\r\nalice secret\r\n");
}

TEST(CommandFramer, NonSynchronizingLiteralNeedsNoContinuation) {
    CommandFramer f;
    f.feed("a1 APPEND INBOX {3+}\r\nab\r\r\n");
    auto e = f.next();
    ASSERT_EQ(e.kind, K::command);
    EXPECT_EQ(e.text, "a1 APPEND INBOX {3+}\r\nab\r\r\n");
}

TEST(CommandFramer, LiteralBytesMayLookLikeLineEnds) {
    CommandFramer f;
    f.feed("a1 X {4+}\r\n\r\n\r\n {0+}\r\n\r\n");
    auto e = f.next();
    ASSERT_EQ(e.kind, K::command);
    EXPECT_EQ(e.text, "a1 X {4+}\r\n\r\n\r\n {0+}\r\n\r\n");
}

TEST(CommandFramer, OversizedSynchronizingLiteralIsRefusedAndStreamStaysInStep) {
    FramerLimits l;
    l.max_literal = 10;
    CommandFramer f(l);
    f.feed("t7 APPEND INBOX {11}\r\nt8 NOOP\r\n");
    auto e = f.next();
    ASSERT_EQ(e.kind, K::error);
    EXPECT_EQ(e.tag, "t7");
    EXPECT_FALSE(e.fatal);
    EXPECT_EQ(f.next().text, "t8 NOOP\r\n");
}

TEST(CommandFramer, OversizedNonSynchronizingLiteralIsFatal) {
    FramerLimits l;
    l.max_literal = 10;
    CommandFramer f(l);
    f.feed("t7 APPEND INBOX {99999999999999999999+}\r\n");
    auto e = f.next();
    ASSERT_EQ(e.kind, K::error);
    EXPECT_TRUE(e.fatal);
}

TEST(CommandFramer, OverlongLineIsDiscardedWithoutBuffering) {
    FramerLimits l;
    l.max_line = 100;
    CommandFramer f(l);
    f.feed("z9 NOOP " + std::string(150, 'x'));
    EXPECT_EQ(f.next().kind, K::need_more);
    EXPECT_LT(f.buffered(), 100u);  // nothing of it kept
    f.feed(std::string(10000, 'y'));
    EXPECT_EQ(f.next().kind, K::need_more);
    EXPECT_LT(f.buffered(), 100u);
    f.feed("\r\na1 NOOP\r\n");
    auto e = f.next();
    ASSERT_EQ(e.kind, K::error);
    EXPECT_EQ(e.tag, "z9");
    EXPECT_EQ(f.next().text, "a1 NOOP\r\n");
}

TEST(CommandFramer, TooManyLiteralsInOneCommand) {
    FramerLimits l;
    l.max_literals = 3;
    CommandFramer f(l);
    f.feed("a1 X {1+}\r\na {1+}\r\nb {1+}\r\nc {1+}\r\nd\r\n");
    auto e = f.next();
    ASSERT_EQ(e.kind, K::error);
    EXPECT_TRUE(e.fatal);
}

TEST(CommandFramer, BareLinesForIdleAndAuthenticate) {
    CommandFramer f;
    f.feed("DONE\r\nabc");
    auto l = f.next_line();
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->text, "DONE");
    EXPECT_FALSE(f.next_line().has_value());
}

TEST(CommandFramer, ClearDropsPlaintextAfterStarttls) {
    CommandFramer f;
    f.feed("a1 STARTTLS\r\na2 LOGIN x y\r\n");
    EXPECT_EQ(f.next().text, "a1 STARTTLS\r\n");
    f.clear();
    EXPECT_EQ(f.next().kind, K::need_more);
}

// --- grammar -----------------------------------------------------------------------------------
TEST(ParseCommand, SimpleCommandsAndTags) {
    EXPECT_TRUE(std::holds_alternative<CapabilityCmd>(parse_ok("a.1 capability\r\n").body));
    EXPECT_TRUE(std::holds_alternative<NoopCmd>(parse_ok("x NOOP\r\n").body));
    EXPECT_TRUE(std::holds_alternative<IdleCmd>(parse_ok("x IDLE\r\n").body));
    EXPECT_EQ(parse_ok("tag99 LOGOUT\r\n").tag, "tag99");
    // LF alone is tolerated as a line end.
    EXPECT_TRUE(std::holds_alternative<NoopCmd>(parse_ok("x NOOP\n").body));
}

TEST(ParseCommand, UnknownCommandKeepsTag) {
    auto e = parse_bad("q12 XCOITEST-NO-SUCH-COMMAND\r\n");
    EXPECT_EQ(e.tag, "q12");
    EXPECT_NE(e.message.find("unknown command"), std::string::npos);
}

TEST(ParseCommand, MissingTagGivesStar) {
    EXPECT_EQ(parse_bad("+bad NOOP\r\n").tag, "*");
    EXPECT_EQ(parse_bad("\r\n").tag, "*");
}

TEST(ParseCommand, TrailingGarbageIsAnError) {
    parse_bad("a NOOP extra\r\n");
    parse_bad("a LOGIN u\r\n");
}

TEST(ParseCommand, LoginWithQuotedAndLiteral) {
    auto c = parse_ok("a LOGIN \"al\\\"ice\" {3}\r\np w\r\n");
    const auto& l = body<LoginCmd>(c);
    EXPECT_EQ(l.user, "al\"ice");
    EXPECT_EQ(l.password, "p w");
}

TEST(ParseCommand, AuthenticateWithInitialResponse) {
    auto c = parse_ok("a AUTHENTICATE plain AGFsaWNlAHNlY3JldA==\r\n");
    const auto& a = body<AuthenticateCmd>(c);
    EXPECT_EQ(a.mechanism, "PLAIN");
    EXPECT_EQ(a.initial, "AGFsaWNlAHNlY3JldA==");
    EXPECT_FALSE(body<AuthenticateCmd>(parse_ok("a AUTHENTICATE PLAIN\r\n")).initial);
    parse_bad("a AUTHENTICATE PLAIN not*base64\r\n");
}

TEST(ParseCommand, SelectInboxCaseInsensitiveAndCondstore) {
    auto c = parse_ok("a select inbox (CONDSTORE)\r\n");
    EXPECT_EQ(body<SelectCmd>(c).mailbox, "INBOX");
    EXPECT_TRUE(body<SelectCmd>(c).condstore);
    EXPECT_TRUE(body<SelectCmd>(parse_ok("a EXAMINE \"COI/Chats\"\r\n")).read_only);
    parse_bad("a SELECT INBOX (QRESYNC (1 2))\r\n");
}

TEST(ParseCommand, ListExtended) {
    auto c = parse_ok(
        "a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" \"COI/*\") RETURN (CHILDREN "
        "STATUS (MESSAGES UIDNEXT))\r\n");
    const auto& l = body<ListCmd>(c);
    EXPECT_EQ(l.selection, (std::vector<std::string>{"SUBSCRIBED", "RECURSIVEMATCH"}));
    EXPECT_EQ(l.patterns, (std::vector<std::string>{"INBOX", "COI/*"}));
    EXPECT_EQ(l.status_items, (std::vector<std::string>{"MESSAGES", "UIDNEXT"}));
    auto p = parse_ok("a LIST \"\" %\r\n");
    EXPECT_EQ(body<ListCmd>(p).patterns, std::vector<std::string>{"%"});
    parse_bad("a LIST (BOGUS) \"\" *\r\n");
}

TEST(ParseCommand, AppendWithFlagsDateAndLiteral) {
    auto c =
        parse_ok("a APPEND Sent (\\Seen $Chat) \" 5-Nov-2024 09:09:00 +0100\" {5+}\r\nhi\r\n\r\n");
    const auto& a = body<AppendCmd>(c);
    EXPECT_EQ(a.mailbox, "Sent");
    EXPECT_EQ(a.flags, (std::vector<std::string>{"\\Seen", "$Chat"}));
    ASSERT_TRUE(a.internal_date);
    EXPECT_EQ(*a.internal_date, 1730794140);  // 2024-11-05 08:09:00 UTC
    EXPECT_EQ(a.message, "hi\r\n\r");
    parse_bad("a APPEND INBOX \"bad date\" {1+}\r\nx\r\n");
    parse_bad("a APPEND INBOX \"hello\"\r\n");  // the message must be a literal
}

TEST(ParseCommand, SystemFlagsAreCanonicalised) {
    auto c = parse_ok("a STORE 1 +FLAGS.SILENT (\\seen \\DELETED $chat)\r\n");
    const auto& s = body<StoreCmd>(c);
    EXPECT_EQ(s.flags, (std::vector<std::string>{"\\Seen", "\\Deleted", "$chat"}));
    EXPECT_TRUE(s.silent);
    EXPECT_EQ(s.mode, StoreCmd::Mode::add);
}

TEST(ParseCommand, FetchItemsSectionsAndPartials) {
    auto c = parse_ok(
        "a UID FETCH 1:*,7 (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject From)] "
        "BODY[1.2.MIME] BODY[]<0.100> RFC822.SIZE BODYSTRUCTURE) (CHANGEDSINCE 12)\r\n");
    EXPECT_EQ(c.name, "UID FETCH");
    const auto& f = body<FetchCmd>(c);
    EXPECT_TRUE(f.uid);
    ASSERT_EQ(f.set.ranges.size(), 2u);
    EXPECT_EQ(f.set.ranges[0].last, kStar);
    ASSERT_EQ(f.items.size(), 7u);
    EXPECT_EQ(f.items[2].section.text, Section::Text::header_fields);
    EXPECT_EQ(f.items[2].section.spec, "HEADER.FIELDS (SUBJECT FROM)");
    EXPECT_TRUE(f.items[2].peek);
    EXPECT_EQ(f.items[3].section.part, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(f.items[3].section.text, Section::Text::mime);
    ASSERT_TRUE(f.items[4].partial);
    EXPECT_EQ(f.items[4].partial->second, 100u);
    EXPECT_EQ(f.changedsince, 12u);
    EXPECT_EQ(body<FetchCmd>(parse_ok("a FETCH 1 FULL\r\n")).items.size(), 5u);
    parse_bad("a FETCH 0 FLAGS\r\n");       // sequence numbers start at 1
    parse_bad("a FETCH 1 BODY[MIME]\r\n");  // MIME needs a part
    parse_bad("a FETCH 1 (FLAGS\r\n");      // unclosed list
    parse_bad("a FETCH 1 BODY.PEEK\r\n");   // PEEK needs a section
}

TEST(ParseCommand, SearchKeys) {
    auto c = parse_ok(
        "a UID SEARCH CHARSET UTF-8 OR (UNSEEN FROM \"bob\") NOT KEYWORD $Chat "
        "HEADER Message-ID <x@y> SINCE 1-Feb-2024 UID 1:5 2,4 LARGER 10 MODSEQ 3\r\n");
    const auto& s = body<SearchCmd>(c);
    EXPECT_EQ(s.charset, "UTF-8");
    // OR takes the parenthesized list and NOT KEYWORD $Chat as its two operands.
    ASSERT_EQ(s.key.children.size(), 7u);
    EXPECT_EQ(s.key.children[0].kind, SearchKey::Kind::or_);
    ASSERT_EQ(s.key.children[0].children.size(), 2u);
    EXPECT_EQ(s.key.children[0].children[0].kind, SearchKey::Kind::and_);
    EXPECT_EQ(s.key.children[0].children[1].kind, SearchKey::Kind::not_);
    EXPECT_EQ(s.key.children[1].text, "Message-ID");
    EXPECT_EQ(s.key.children[1].value, "<x@y>");
    EXPECT_EQ(s.key.children[3].kind, SearchKey::Kind::uid);
    EXPECT_EQ(s.key.children[4].kind, SearchKey::Kind::seq);
    auto r = parse_ok("a SEARCH RETURN (MIN COUNT) ALL\r\n");
    ASSERT_TRUE(body<SearchCmd>(r).return_options);
    parse_bad("a SEARCH SINCE 31-Foo-2024\r\n");
    parse_bad("a SEARCH\r\n");
}

TEST(ParseCommand, DeeplyNestedSearchIsRefused) {
    std::string s = "a SEARCH ";
    for (int i = 0; i < 100; ++i) s += "NOT (";
    s += "ALL";
    for (int i = 0; i < 100; ++i) s += ")";
    s += "\r\n";
    const auto e = parse_bad(s);
    EXPECT_EQ(e.tag, "a");
}

TEST(ParseCommand, Metadata) {
    auto g = parse_ok(
        "a GETMETADATA (DEPTH infinity MAXSIZE 100) \"\" "
        "(/private/vendor/vendor.dovecot/coi/config "
        "/shared/comment)\r\n");
    const auto& gm = body<GetMetadataCmd>(g);
    EXPECT_EQ(gm.depth, -1);
    EXPECT_EQ(gm.maxsize, 100u);
    EXPECT_EQ(gm.mailbox, "");
    EXPECT_EQ(gm.entries.size(), 2u);
    auto s = parse_ok(
        "a SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled yes /private/x NIL "
        "/private/y {2+}\r\nab)\r\n");
    const auto& sm = body<SetMetadataCmd>(s);
    ASSERT_EQ(sm.entries.size(), 3u);
    EXPECT_EQ(sm.entries[0].second, "yes");
    EXPECT_FALSE(sm.entries[1].second);
    EXPECT_EQ(sm.entries[2].second, "ab");
    parse_bad("a GETMETADATA (DEPTH 2) \"\" /private/x\r\n");
}

TEST(ParseCommand, UidExpungeCopyMoveEnableIdCreate) {
    EXPECT_TRUE(body<ExpungeCmd>(parse_ok("a UID EXPUNGE 3:4\r\n")).uids);
    auto m = parse_ok("a UID MOVE 1:3 \"COI/Chats\"\r\n");
    EXPECT_TRUE(body<CopyCmd>(m).move);
    EXPECT_EQ(body<CopyCmd>(m).mailbox, "COI/Chats");
    EXPECT_EQ(body<EnableCmd>(parse_ok("a ENABLE condstore UTF8=ACCEPT\r\n")).capabilities,
              (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT"}));
    auto id = parse_ok("a ID (\"name\" \"x\" \"version\" NIL)\r\n");
    ASSERT_TRUE(body<IdCmd>(id).params);
    EXPECT_EQ(body<IdCmd>(id).params->size(), 2u);
    EXPECT_FALSE(body<IdCmd>(parse_ok("a ID NIL\r\n")).params);
    auto cr = parse_ok("a CREATE Archive (USE (\\Archive))\r\n");
    EXPECT_EQ(body<CreateCmd>(cr).special_use, std::vector<std::string>{"\\Archive"});
    parse_bad("a UID BOGUS 1\r\n");
}

TEST(ParseCommand, SequenceSetContains) {
    auto c = parse_ok("a FETCH 2:4,9:* FLAGS\r\n");
    const auto& set = body<FetchCmd>(c).set;
    EXPECT_FALSE(set.contains(1, 20));
    EXPECT_TRUE(set.contains(3, 20));
    EXPECT_FALSE(set.contains(5, 20));
    EXPECT_TRUE(set.contains(20, 20));
    EXPECT_TRUE(set.contains(9, 5));  // 9:* with * = 5 is 5:9
}

TEST(ParseDates, DateTimeAndDate) {
    EXPECT_EQ(parse_date_time("01-Jan-1970 00:00:00 +0000"), 0);
    EXPECT_EQ(parse_date_time("01-Jan-1970 01:00:00 +0100"), 0);
    EXPECT_FALSE(parse_date_time("01-Jan-1970 24:00:00 +0000"));
    EXPECT_FALSE(parse_date_time("1-Jan-1970 00:00:00 +0000"));
    EXPECT_EQ(parse_date("2-Jan-1970"), 1);
    EXPECT_FALSE(parse_date("2-Jan-70"));
}

}  // namespace
}  // namespace coitest::peer::imap
