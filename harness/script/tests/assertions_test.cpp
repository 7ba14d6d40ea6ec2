// `assert` on parsed responses, without a network: each kind passes on fitting responses and
// fails, with a readable expected/seen, on others.
#include "script/assertions.hpp"
#include "imap/response_reader.hpp"
#include "script/tests/memory_loader.hpp"

#include <gtest/gtest.h>

namespace coitest::script {
namespace {

std::vector<WireView> responses(std::string_view bytes) {
    imap::ResponseReader reader;
    reader.feed(bytes);
    std::vector<WireView> out;
    for (;;) {
        auto r = reader.next();
        auto* resp = std::get_if<imap::Response>(&r);
        if (!resp) break;
        out.emplace_back(std::move(*resp));
    }
    return out;
}

// The Assert node of one `assert ...` line.
Assert parse_assert(const std::string& line) {
    auto r = testing::parse_text(testing::header() +
                                 "connect c1 as alice\n"
                                 "judge rfc3501.capability.imap4rev1\n"
                                 "judge rfc2177.idle.capability\n" +
                                 line + "\n");
    EXPECT_TRUE(r.ok()) << testing::all_errors(r);
    const Assert* a = r.ok() ? std::get_if<Assert>(&r.script->body.back().node) : nullptr;
    EXPECT_NE(a, nullptr) << line;
    return a ? *a : Assert{};
}

AssertOutcome check(const std::string& line, const std::vector<WireView>& last,
                    std::vector<std::string> args, std::optional<std::string> selector = {}) {
    static const std::vector<std::string> caps{"IMAP4rev1", "IDLE", "METADATA"};
    AssertInput in;
    in.connection = "c1";
    in.last = &last;
    in.capabilities = &caps;
    in.args = std::move(args);
    in.selector = std::move(selector);
    auto out = check_assertion(parse_assert(line), in);
    EXPECT_TRUE(out) << line;
    return out ? *out : AssertOutcome{};
}

TEST(Assertions, Metadata) {
    const auto last = responses(
        "* METADATA \"\" (/private/a \"yes\" /private/b NIL /private/c {7}\r\nx\r\ny\r\nz)\r\n");
    EXPECT_TRUE(
        check("assert metadata \"\" /private/a equals yes", last, {"", "/private/a", "yes"}).ok);
    const auto wrong =
        check("assert metadata \"\" /private/A equals YES", last, {"", "/private/A", "YES"});
    EXPECT_FALSE(wrong.ok);  // entry names ignore case, values do not
    EXPECT_EQ(wrong.seen, "\"yes\"");
    EXPECT_TRUE(
        check("assert metadata \"\" /private/c equals x", last, {"", "/private/c", "x\r\ny\r\nz"})
            .ok);
    EXPECT_TRUE(check("assert metadata \"\" /private/b absent", last, {"", "/private/b"}).ok);
    EXPECT_TRUE(check("assert metadata \"\" /private/zz absent", last, {"", "/private/zz"}).ok);
    EXPECT_TRUE(
        check("assert metadata \"\" /private/b equals NIL", last, {"", "/private/b", "NIL"}).ok);
    const auto gone = check("assert metadata \"\" /private/a absent", last, {"", "/private/a"});
    EXPECT_FALSE(gone.ok);
    EXPECT_EQ(gone.expected, "no value for /private/a on \"\"");
    const auto other =
        check("assert metadata INBOX /private/a equals yes", last, {"INBOX", "/private/a", "yes"});
    EXPECT_FALSE(other.ok);
    EXPECT_EQ(other.seen, "no METADATA entry /private/a in the last responses of c1");
}

TEST(Assertions, MetadataPresent) {
    const auto last =
        responses("* METADATA \"\" (/private/a \"yes\" /private/b NIL /private/e \"\")\r\n");
    EXPECT_TRUE(check("assert metadata \"\" /private/a present", last, {"", "/private/a"}).ok);
    EXPECT_TRUE(check("assert metadata \"\" /private/e present", last, {"", "/private/e"}).ok);
    const auto nil = check("assert metadata \"\" /private/b present", last, {"", "/private/b"});
    EXPECT_FALSE(nil.ok);
    EXPECT_EQ(nil.expected, "a value (not NIL) for /private/b on \"\"");
    EXPECT_EQ(nil.seen, "NIL");
    const auto missing =
        check("assert metadata \"\" /private/zz present", last, {"", "/private/zz"});
    EXPECT_FALSE(missing.ok);
    EXPECT_EQ(missing.seen, "no METADATA entry /private/zz in the last responses of c1");
}

TEST(Assertions, FlagsAndFetch) {
    const auto last = responses(
        "* 1 FETCH (UID 7 FLAGS (\\Seen $Chat))\r\n* 2 FETCH (UID 9 FLAGS ())\r\n"
        "* 2 FETCH (UID 9 RFC822.SIZE 5 BODY[] {5}\r\nhello)\r\n");
    EXPECT_TRUE(check("assert flags uid 7 contain $chat", last, {"$chat"}, "7").ok);
    EXPECT_FALSE(check("assert flags uid 7 lack $Chat", last, {"$Chat"}, "7").ok);
    const auto none = check("assert flags uid 9 contain $Chat", last, {"$Chat"}, "9");
    EXPECT_FALSE(none.ok);
    EXPECT_EQ(none.seen, "FLAGS ()");
    EXPECT_TRUE(check("assert flags seq 2 lack \\Seen", last, {"\\Seen"}, "2").ok);
    const auto missing = check("assert flags uid 8 contain $Chat", last, {"$Chat"}, "8");
    EXPECT_EQ(missing.seen, "no FETCH FLAGS for UID 8 in the last responses of c1");
    EXPECT_TRUE(check("assert fetch uid 9 BODY[] equals x", last, {"hello"}, "9").ok);
    EXPECT_TRUE(check("assert fetch uid 9 RFC822.SIZE equals x", last, {"5"}, "9").ok);
    const auto differs = check("assert fetch uid 9 BODY[] equals x", last, {"help"}, "9");
    EXPECT_FALSE(differs.ok);
    EXPECT_EQ(differs.seen, "\"hello\"");
    const std::string big(100, 'h');
    EXPECT_EQ(check("assert fetch uid 9 BODY[] equals x", last, {big}, "9").seen,
              "5 octets, first difference at octet 1");
    AssertInput in;
    in.last = &last;
    in.selector = "seven";
    std::vector<std::string> no_caps;
    in.capabilities = &no_caps;
    in.args = {"$Chat"};
    EXPECT_FALSE(
        check_assertion(parse_assert("assert flags uid ${alice.login} contain $Chat"), in));
}

TEST(Assertions, ListAndSubscriptions) {
    const auto last = responses(
        "* LIST (\\HasNoChildren) \"/\" inbox\r\n"
        "* LIST (\\HasNoChildren \\Subscribed) \"/\" COI/Chats\r\n"
        "* LSUB () \"/\" COI/Contacts\r\n");
    EXPECT_TRUE(check("assert list INBOX", last, {"INBOX"}).ok);
    EXPECT_TRUE(
        check("assert list COI/Chats with \\Subscribed", last, {"COI/Chats", "\\subscribed"}).ok);
    EXPECT_FALSE(
        check("assert list coi/chats", last, {"coi/chats"}).ok);  // only INBOX ignores case
    EXPECT_FALSE(
        check("assert list COI/Chats with \\Noselect", last, {"COI/Chats", "\\Noselect"}).ok);
    EXPECT_TRUE(check("assert list COI/Old absent", last, {"COI/Old"}).ok);
    EXPECT_TRUE(check("assert subscribed COI/Chats", last, {"COI/Chats"}).ok);
    EXPECT_TRUE(check("assert subscribed COI/Contacts", last, {"COI/Contacts"}).ok);
    EXPECT_TRUE(check("assert not subscribed INBOX", last, {"INBOX"}).ok);
    const auto not_sub = check("assert subscribed INBOX", last, {"INBOX"});
    EXPECT_FALSE(not_sub.ok);
    EXPECT_NE(not_sub.seen.find("inbox (\\HasNoChildren)"), std::string::npos) << not_sub.seen;
}

TEST(Assertions, CapabilitiesAndValues) {
    const std::vector<WireView> none;
    EXPECT_TRUE(check("assert capability idle", none, {"idle"}).ok);
    EXPECT_TRUE(check("assert no capability LOGINDISABLED", none, {"LOGINDISABLED"}).ok);
    const auto missing = check("assert capability COI", none, {"COI"});
    EXPECT_FALSE(missing.ok);
    EXPECT_EQ(missing.seen, "IMAP4rev1 IDLE METADATA");
    EXPECT_TRUE(check("assert a equals b", none, {"x", "x"}).ok);
    EXPECT_FALSE(check("assert a equals b", none, {"x", "X"}).ok);
    EXPECT_TRUE(check("assert a differs b", none, {"x", "X"}).ok);
    EXPECT_TRUE(check("assert a matches re\"[a-z]+-\\d+\"", none, {"value-42"}).ok);
    EXPECT_FALSE(check("assert a matches re\"[a-z]+-\\d+\"", none, {"value-x"}).ok);
}

}  // namespace
}  // namespace coitest::script
