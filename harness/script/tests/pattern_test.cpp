// Patterns against real response bytes: each rule of docs/coi-language.md "Matching", with a
// response that must match and one that must not.
#include "script/pattern.hpp"
#include "imap/response_reader.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace coitest::script {
namespace {

WireView response(std::string_view bytes) {
    imap::ResponseReader reader;
    reader.feed(bytes);
    auto r = reader.next();
    auto* resp = std::get_if<imap::Response>(&r);
    EXPECT_NE(resp, nullptr) << bytes;
    return WireView(resp ? std::move(*resp) : imap::Response{});
}

struct Matching {
    std::map<std::string, std::string, std::less<>> vars;
    Captures captures;
    bool exhausted = false;

    bool operator()(std::string_view pattern, std::string_view bytes, std::string_view tag = "a") {
        auto p = parse_pattern(pattern);
        EXPECT_TRUE(p) << pattern << ": " << (p ? "" : p.error().message);
        if (!p) return false;
        const Lookup look = [this](std::string_view n) -> const std::string* {
            auto it = vars.find(n);
            return it == vars.end() ? nullptr : &it->second;
        };
        MatchBudget budget;
        const bool ok = match(*p, response(bytes), tag, look, captures, budget);
        exhausted = budget.exhausted;
        return ok;
    }
    std::string captured(std::string_view name) const {
        for (const auto& [k, v] : captures)
            if (k == name) return v;
        return "<unbound>";
    }
};

TEST(Pattern, TaggedStatusIgnoresHumanText) {
    Matching m;
    EXPECT_TRUE(m("a OK", "a OK Logged in, welcome\r\n"));
    EXPECT_TRUE(m("a OK Authentication successful.", "a OK [CAPABILITY IMAP4rev1] Done\r\n"));
    EXPECT_TRUE(m("a ok", "a OK done\r\n"));  // status words are atoms: any case
    EXPECT_FALSE(m("a OK", "a NO [AUTHENTICATIONFAILED] nope\r\n"));
    EXPECT_FALSE(m("a OK", "b OK done\r\n"));               // another tag
    EXPECT_FALSE(m("a OK", "* OK [UIDVALIDITY 1] x\r\n"));  // untagged
    EXPECT_TRUE(m(". OK", "x007 OK done\r\n", "x007"));     // "." = the tag given
}

TEST(Pattern, ResponseCodeMatchedApartFromText) {
    Matching m;
    EXPECT_TRUE(m("a NO [CANNOT] unable to set the root", "a NO [CANNOT] something else\r\n"));
    EXPECT_FALSE(m("a NO [CANNOT]", "a NO [TRYCREATE] no mailbox\r\n"));
    EXPECT_FALSE(m("a NO [CANNOT]", "a NO no code at all\r\n"));
    EXPECT_TRUE(m("a OK [APPENDUID ${=validity} ${=uid}]", "a OK [APPENDUID 38505 3955] done\r\n"));
    EXPECT_EQ(m.captured("validity"), "38505");
    EXPECT_EQ(m.captured("uid"), "3955");
    EXPECT_TRUE(m("* OK [PERMANENTFLAGS (... \\* ...)]",
                  "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Flags permitted.\r\n"));
    EXPECT_FALSE(m("* OK [PERMANENTFLAGS (... \\* ...)]",
                   "* OK [PERMANENTFLAGS (\\Deleted \\Seen)] Flags permitted.\r\n"));
    EXPECT_TRUE(m("a re\"NO|BAD\"", "a BAD not now\r\n"));
    EXPECT_FALSE(m("a re\"NO|BAD\"", "a OK sure\r\n"));
}

TEST(Pattern, WordsCompareAsASet) {
    Matching m;
    const std::string caps = "* CAPABILITY IMAP4rev1 SASL-IR IDLE AUTH=PLAIN\r\n";
    EXPECT_TRUE(m("* CAPABILITY ... IMAP4rev1 ...", caps));
    EXPECT_TRUE(m("* CAPABILITY ... idle auth=plain ...", caps));  // any order, any case
    EXPECT_FALSE(m("* CAPABILITY ... IMAP4rev2 ...", caps));
    EXPECT_FALSE(m("* CAPABILITY IMAP4rev1", caps));  // without "...", nothing else may appear
    EXPECT_TRUE(m("* CAPABILITY IMAP4rev1 IDLE SASL-IR AUTH=PLAIN", caps));
    EXPECT_TRUE(m("* SEARCH", "* SEARCH\r\n"));
    EXPECT_FALSE(m("* SEARCH", "* SEARCH 4\r\n"));
}

TEST(Pattern, SequencesWithGapsAndCaptures) {
    Matching m;
    const std::string list = "* LIST (\\HasNoChildren) \"/\" INBOX\r\n";
    EXPECT_TRUE(m("* LIST (...) ${=sep} inbox", list));
    EXPECT_EQ(m.captured("sep"), "/");
    EXPECT_TRUE(m("* LIST (\\HasNoChildren) \"/\" INBOX", list));
    EXPECT_FALSE(m("* LIST () \"/\" INBOX", list));
    EXPECT_FALSE(m("* LIST (...) \".\" INBOX", list));
    EXPECT_TRUE(m("* ... INBOX", list));
    const std::string fetch = "* 12 FETCH (UID 44 FLAGS (\\Seen $Chat) RFC822.SIZE 310)\r\n";
    EXPECT_TRUE(m("* ${=seq} FETCH (... FLAGS (... $Chat ...) ...)", fetch));
    EXPECT_EQ(m.captured("seq"), "12");
    EXPECT_FALSE(m("* ${=seq} FETCH (... FLAGS (... $Junk ...) ...)", fetch));
    EXPECT_TRUE(m("* ${=n} EXISTS", "* 3 EXISTS\r\n"));
    EXPECT_FALSE(m("* ${=n} EXISTS", "* 3 RECENT\r\n"));
}

TEST(Pattern, QuotedStringsAreExactWhateverTheWireForm) {
    Matching m;
    // The same value as an atom, a quoted string and a literal.
    // (RFC 5464 values are strings: an atom would not be valid here.)
    for (std::string_view wire : {"* METADATA \"\" (/private/x \"yes\")\r\n",
                                  "* METADATA \"\" (/private/x {3}\r\nyes)\r\n"}) {
        EXPECT_TRUE(m("* METADATA \"\" (/private/x \"yes\")", wire)) << wire;
        EXPECT_FALSE(m("* METADATA \"\" (/private/x \"YES\")", wire)) << wire;
        EXPECT_FALSE(m("* METADATA \"\" (/private/x NIL)", wire)) << wire;
    }
    EXPECT_TRUE(m("* METADATA \"\" (/private/x NIL)", "* METADATA \"\" (/private/x NIL)\r\n"));
    EXPECT_FALSE(m("* METADATA \"\" (/private/x \"NIL\")", "* METADATA \"\" (/private/x NIL)\r\n"));
    // A literal value with CRLF inside is captured whole.
    EXPECT_TRUE(m("* METADATA \"\" (/private/x ${=v})",
                  "* METADATA \"\" (/private/x {10}\r\nline\r\nnext)\r\n"));
    EXPECT_EQ(m.captured("v"), "line\r\nnext");
}

TEST(Pattern, VariablesCompareExactly) {
    Matching m;
    m.vars["v"] = "3857529045";
    m.vars["mbox"] = "COI";
    EXPECT_TRUE(m("* OK [UIDVALIDITY ${v}]", "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"));
    EXPECT_FALSE(m("* OK [UIDVALIDITY ${v}]", "* OK [UIDVALIDITY 1] UIDs valid\r\n"));
    EXPECT_TRUE(m("* LIST (...) \"/\" ${mbox}/Chats", "* LIST () \"/\" COI/Chats\r\n"));
    EXPECT_FALSE(m("* LIST (...) \"/\" ${mbox}/Chats", "* LIST () \"/\" coi/Chats\r\n"));
    EXPECT_TRUE(m("* LIST (...) \"/\" \"${mbox}/Chats\"", "* LIST () \"/\" \"COI/Chats\"\r\n"));
    m.vars["body"] = "hello";
    EXPECT_TRUE(m("* 1 FETCH (RFC822.SIZE ${body:length})", "* 1 FETCH (RFC822.SIZE 5)\r\n"));
}

TEST(Pattern, ContinuationAndUntaggedStatus) {
    Matching m;
    EXPECT_TRUE(m("+", "+ idling\r\n"));
    EXPECT_TRUE(m("+ anything at all", "+ Ready for literal data\r\n"));
    EXPECT_FALSE(m("+", "* OK still here\r\n"));
    EXPECT_TRUE(m("* BYE ...", "* BYE Logging out\r\n"));
    EXPECT_FALSE(m("* OK", "* 3 EXISTS\r\n"));
}

TEST(Pattern, ParseErrorsNameTheColumn) {
    struct Case {
        std::string_view text;
        int col;
        std::string_view says;
    };
    for (const Case& c : std::vector<Case>{
             {"a FOO", 3, "not a status"},
             {"* LIST (\\HasNoChildren \"/\" INBOX", 8, "never closed"},
             {"* LIST ) x", 8, "closes nothing"},
             {"* METADATA \"\" (/x \"yes)", 19, "unterminated"},
             {"* 1 FETCH (BODY[] {5})", 19, "literal"},
             {"* ${=a} ${=a} X", 9, "twice"},
             {"* ${=a} ${a} X", 9, "same line"},
             {"* re\"(\" X", 3, "regular expression"},
             {"* x${=a}", 3, "whole token"},
             {"* ${a:literal}", 3, "client lines"},
             {"a ${=s", 3, "closing"},
         }) {
        auto p = parse_pattern(c.text);
        ASSERT_FALSE(p) << c.text;
        EXPECT_EQ(p.error().col, c.col) << c.text << ": " << p.error().message;
        EXPECT_NE(p.error().message.find(c.says), std::string::npos)
            << c.text << ": " << p.error().message;
    }
}

TEST(Pattern, PathologicalPatternsStopAtTheBudget) {
    // The wildcard algorithm's worst case: after "...", a long run that almost matches at every
    // position (O(n*m) element comparisons). The budget ends it.
    std::string pattern = "* SEARCH ${=first} ...";
    for (int i = 0; i < 300; ++i) pattern += " 1";
    pattern += " 2";
    std::string wire = "* SEARCH";
    for (int i = 0; i < 5000; ++i) wire += " 1";
    wire += "\r\n";
    Matching m;
    EXPECT_FALSE(m(pattern, wire));
    EXPECT_TRUE(m.exhausted);
    // The same shape that can match does, well within the budget.
    std::string shorter = "* SEARCH";
    for (int i = 0; i < 400; ++i) shorter += " 1";
    shorter += " 2\r\n";
    Matching ok;
    EXPECT_TRUE(ok(pattern, shorter));
    EXPECT_FALSE(ok.exhausted);
}

}  // namespace
}  // namespace coitest::script
