// The parser: a complete script becomes the right tree; each kind of mistake is reported at the
// right file:line:col with what was expected.
#include "script/tests/memory_loader.hpp"

#include <gtest/gtest.h>

namespace coitest::script {
namespace {

using testing::all_errors;
using testing::header;
using testing::MemoryLoader;
using testing::parse_text;

template <class T>
const T& node(const Statement& s) {
    const T* t = std::get_if<T>(&s.node);
    EXPECT_NE(t, nullptr) << "statement at " << s.at.str();
    static const T empty{};
    return t ? *t : empty;
}

TEST(Parser, ACompleteScript) {
    const std::string text = header("tags: capability idle\ntimeout: 30s\n\n") +
                             "# comments and blank lines are ignored\n"
                             "connect c1 as alice\n"
                             "judge rfc3501.capability.imap4rev1\n"
                             "C: a CAPABILITY\n"
                             "S: * CAPABILITY ... IMAP4rev1 ...\n"
                             "S: a OK\n"
                             "judge rfc2177.idle.capability\n"
                             "assert capability IDLE\n"
                             "setup\n"
                             "set box unique coitest-box\n"
                             "C: b CREATE ${box}\n"
                             "S: b OK\n"
                             "cleanup\n"
                             "C: z DELETE ${box}\n";
    auto r = parse_text(text);
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const Script& s = *r.script;
    EXPECT_EQ(s.header.id, "imap-baseline.example.one");
    EXPECT_EQ(s.header.title, "An example");
    EXPECT_EQ(s.header.classname, "rfc3501.6.1.1");
    ASSERT_EQ(s.header.requirements.size(), 2u);
    EXPECT_EQ(s.header.requirements[1].level, Level::should);
    EXPECT_EQ(s.header.tags, (std::vector<std::string>{"capability", "idle"}));
    EXPECT_EQ(s.header.accounts, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(s.header.timeout, Millis(30000));
    ASSERT_EQ(s.sections.size(), 2u);
    EXPECT_TRUE(s.sections[0].stop_on_failure);   // MUST
    EXPECT_FALSE(s.sections[1].stop_on_failure);  // SHOULD goes on
    ASSERT_EQ(s.body.size(), 7u);                 // judge and setup are not statements
    EXPECT_EQ(node<Connect>(s.body[0]).account, std::size_t{0});
    EXPECT_EQ(node<Send>(s.body[1]).tag, "a");
    const auto& block = node<ExpectBlock>(s.body[2]);
    ASSERT_EQ(block.lines.size(), 2u);
    EXPECT_EQ(block.lines[0].section, 0);
    EXPECT_EQ(block.lines[0].at.str(), "t.coi:15:1");
    EXPECT_EQ(node<Assert>(s.body[3]).section, 1);
    EXPECT_EQ(node<Set>(s.body[4]).kind, Set::Kind::unique);
    EXPECT_EQ(node<Send>(s.body[5]).tag, "b");
    EXPECT_EQ(node<ExpectBlock>(s.body[6]).lines[0].section, kSetup);
    ASSERT_EQ(s.cleanup.size(), 1u);
}

TEST(Parser, JudgeLinesDoNotSplitABlock) {
    auto r = parse_text(header() +
                        "connect c1 as alice\n"
                        "judge rfc3501.capability.imap4rev1\n"
                        "C: a SELECT INBOX\n"
                        "S: * ${=n} EXISTS\n"
                        "judge rfc2177.idle.capability\n"
                        "S: * OK [UIDVALIDITY ${=v}]\n"
                        "S: a OK\n");
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const auto& block = node<ExpectBlock>(r.script->body[2]);
    ASSERT_EQ(block.lines.size(), 3u);
    EXPECT_EQ(block.lines[0].section, 0);
    EXPECT_EQ(block.lines[1].section, 1);
}

TEST(Parser, ConnectionsPrefixesAndWaits) {
    auto r = parse_text(header() +
                        "connect c1 as alice\n"
                        "connect c2 as bob\n"
                        "judge rfc3501.capability.imap4rev1\n"
                        "c1 C: i IDLE\n"
                        "c1 S: +\n"
                        "c2 C: a NOOP\n"
                        "c2 S: a OK\n"
                        "c1 S: * ${=n} EXISTS within 10s\n"
                        "c1 S!: * ... EXPUNGE during 2s\n"
                        "c1 C: DONE\n"
                        "judge rfc2177.idle.capability\n"
                        "c1 S: i OK\n");
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const auto& body = r.script->body;
    EXPECT_EQ(node<Send>(body[2]).conn, "c1");
    EXPECT_EQ(node<Send>(body[4]).conn, "c2");
    const auto& wait = node<ExpectBlock>(body[6]);
    ASSERT_EQ(wait.lines.size(), 2u);
    EXPECT_EQ(wait.lines[0].within, Millis(10000));
    EXPECT_EQ(wait.lines[1].during, Millis(2000));
    EXPECT_EQ(wait.lines[1].kind, Expect::Kind::forbidden);
}

TEST(Parser, RawLiteralsFoldIntoTheCommand) {
    auto r = parse_text(header() +
                        "connect c1 as alice\n"
                        "judge rfc3501.capability.imap4rev1\n"
                        "C: a SETMETADATA \"\" (/private/x {11}\n"
                        "C: line one\n"
                        "C: 2)\n"
                        "S: a OK\n"
                        "judge rfc2177.idle.capability\n"
                        "C: b APPEND INBOX {5+}\n"
                        "C: hello\n"
                        "S: b OK\n");
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const auto& send = node<Send>(r.script->body[1]);
    ASSERT_EQ(send.full.pieces.size(), 3u);
    EXPECT_EQ(send.full.pieces[0].text, "a SETMETADATA \"\" (/private/x ");
    EXPECT_EQ(send.full.pieces[1].kind, TemplatePiece::Kind::raw_literal);
    EXPECT_EQ(send.full.pieces[1].text, "line one\r\n2");
    EXPECT_EQ(send.full.pieces[2].text, ")");
    const auto& plus = node<Send>(r.script->body[3]);
    ASSERT_EQ(plus.full.pieces.size(), 2u);
    EXPECT_TRUE(plus.full.pieces[1].non_sync);
    EXPECT_EQ(plus.full.pieces[1].text, "hello");
}

TEST(Parser, BlocksIfRepeatInclude) {
    MemoryLoader loader;
    loader.files["lib/noop.coi"] = "C: . NOOP\nS: . OK\n";
    auto r = parse_text(header() +
                            "connect c1 as alice\n"
                            "judge rfc3501.capability.imap4rev1\n"
                            "set msg <<EOT\n"
                            "Subject: ${alice.address}\n"
                            "\n"
                            "body\n"
                            "EOT\n"
                            "if capability IDLE\n"
                            "  include lib/noop.coi\n"
                            "else\n"
                            "  repeat 3\n"
                            "    C: . NOOP\n"
                            "    S: . OK\n"
                            "  end\n"
                            "end\n"
                            "judge rfc2177.idle.capability\n"
                            "assert ${msg} matches re\"Subject: .*\"\n",
                        loader);
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const auto& body = r.script->body;
    const auto& set = node<Set>(body[1]);
    EXPECT_EQ(set.kind, Set::Kind::block);
    EXPECT_EQ(set.value.source(), "Subject: ${alice.address}\r\n\r\nbody");
    const auto& branch = node<If>(body[2]);
    ASSERT_EQ(branch.then_body->size(), 2u);  // from the snippet
    EXPECT_EQ(branch.then_body->front().at.file, "lib/noop.coi");
    ASSERT_EQ(branch.else_body->size(), 1u);
    EXPECT_EQ(node<Repeat>(branch.else_body->front()).count, 3u);
}

TEST(Parser, AssertionsAsConditionsAndDefined) {
    auto r = parse_text(header() +
                        "connect c1 as alice\n"
                        "judge rfc3501.capability.imap4rev1\n"
                        "C: a GETMETADATA \"\" (/private/x)\n"
                        "S?: * METADATA \"\" (/private/x ${=state})\n"
                        "S: a OK\n"
                        "require metadata \"\" /private/x present because \"no value\"\n"
                        "if not ${state} equals yes\n"
                        "  assert metadata \"\" /private/x present\n"
                        "end\n"
                        "if \"${state} and more\" matches re\"y.*\"\n"
                        "end\n"
                        "if list INBOX with \\Subscribed\n"
                        "end\n"
                        "if not subscribed INBOX\n"
                        "end\n"
                        "if flags uid 4 contain $Chat\n"
                        "end\n"
                        "judge rfc2177.idle.capability\n"
                        "if defined state\n"
                        "  assert ${state} differs no\n"
                        "end\n");
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const auto& body = r.script->body;
    const auto& req = node<Require>(body[3]);
    EXPECT_EQ(req.condition.kind, Condition::Kind::assertion);
    ASSERT_NE(req.condition.assertion, nullptr);
    EXPECT_EQ(req.condition.assertion->kind, Assert::Kind::metadata_present);
    EXPECT_EQ(req.condition.assertion->section, kSetup);  // a condition judges nothing
    EXPECT_EQ(req.because, "no value");
    const auto& negated = node<If>(body[4]).condition;
    EXPECT_TRUE(negated.negate);
    EXPECT_EQ(negated.assertion->kind, Assert::Kind::equals);
    EXPECT_EQ(node<Assert>(node<If>(body[4]).then_body->front()).kind,
              Assert::Kind::metadata_present);
    EXPECT_EQ(node<If>(body[5]).condition.assertion->kind, Assert::Kind::matches);
    EXPECT_EQ(node<If>(body[6]).condition.assertion->kind, Assert::Kind::list_present);
    EXPECT_EQ(node<If>(body[7]).condition.assertion->kind, Assert::Kind::subscribed);
    EXPECT_TRUE(node<If>(body[7]).condition.negate);
    EXPECT_EQ(node<If>(body[8]).condition.assertion->kind, Assert::Kind::flags_contain);
    const auto& defined = node<If>(body[9]).condition;
    EXPECT_EQ(defined.kind, Condition::Kind::defined);
    EXPECT_EQ(defined.names, (std::vector<std::string>{"state"}));
}

struct Bad {
    std::string body;     // after the standard header and "connect c1 as alice"
    std::string where;    // expected "line:col"
    std::string message;  // a part of the message
};

class ParserErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(ParserErrors, NamesLineAndColumn) {
    const Bad& b = GetParam();
    // The header is 7 lines, then "connect" on 8 and two judge lines: the body starts on 11.
    auto r = parse_text(header() + "connect c1 as alice\njudge rfc3501.capability.imap4rev1\n" +
                        "judge rfc2177.idle.capability\n" + b.body);
    ASSERT_FALSE(r.ok()) << b.body;
    const std::string first = r.errors.front().str();
    EXPECT_EQ(first.substr(0, 6 + b.where.size()), "t.coi:" + b.where) << all_errors(r);
    EXPECT_NE(first.find(b.message), std::string::npos) << all_errors(r);
}

INSTANTIATE_TEST_SUITE_P(
    Mistakes, ParserErrors,
    ::testing::Values(Bad{"C: a FETCH 1 (BODY[] ${nothing})\n", "11:22",
                          "unknown variable ${nothing}"},
                      Bad{"S: a FROB\n", "11:6", "not a status"},
                      Bad{"S: * LIST (\\Noselect \"/\" x\n", "11:11", "never closed"},
                      Bad{"c9 C: a NOOP\n", "11:1", "connection 'c9' is not open"},
                      Bad{"C: a APPEND INBOX {10}\nC: short\n", "11:19", "unterminated literal"},
                      Bad{"C: a APPEND INBOX {99999999999}\n", "11:19", "more than"},
                      Bad{"set x <<EOT\nnever ends\n", "11:7", "unterminated block"},
                      Bad{"judge rfc9999.nothing\n", "11:7", "not declared in the header"},
                      Bad{"if capability IDLE\nC: a NOOP\n", "11:1", "never closed with 'end'"},
                      Bad{"end\n", "11:1", "'end' without"},
                      Bad{"frobnicate now\n", "11:1", "not a statement"},
                      Bad{"S: * ${=n} EXISTS within forever\n", "11:26", "not a duration"},
                      Bad{"S: a OK within 5s\n", "11:4", "'within' waits for untagged"},
                      Bad{"S!: * 1 EXISTS within 5s\n", "11:16", "S!: takes 'during"},
                      Bad{"assert flags uid 4 hold \\Seen\n", "11:20", "'contain' or 'lack'"},
                      Bad{"assert x matches \"not a regex\"\n", "11:18", "needs re\""},
                      Bad{"assert x matches re\"(unclosed\"\n", "11:18", "regular expression"},
                      Bad{"deliver missing.eml to alice\n", "11:9", "not found"},
                      Bad{"deliver msg.eml to mallory\n", "11:20", "not an account"},
                      Bad{"repeat 0\nend\n", "11:8", "'repeat' needs a count"},
                      Bad{"include\n", "11:8", "needs a file name"},
                      Bad{"title: late\n", "11:1", "after the first statement"},
                      Bad{"cleanup\ncleanup\n", "12:1", "a second 'cleanup'"},
                      Bad{"if defined never_set\nend\n", "11:12", "no earlier line sets"},
                      Bad{"if defined ${x}\nend\n", "11:12", "takes a variable name"},
                      Bad{"if frobnicated\nend\n", "11:4", "expected a condition"},
                      Bad{"require metadata \"\" /x maybe\n", "11:24", "'present'"},
                      Bad{"if list\nend\n", "11:8", "incomplete assert"},
                      Bad{"assert metadata \"\" /x present now\n", "11:23", "'present'"}));

TEST(Parser, HeaderProblems) {
    auto r = parse_text("title: no id\nrequirement: rfc3501.capability.imap4rev1\nprofil: x\n");
    const std::string all = all_errors(r);
    EXPECT_NE(all.find("t.coi:2:42: requirement rfc3501.capability.imap4rev1 needs its level"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("t.coi:3:1: unknown header 'profil:'"), std::string::npos) << all;
    EXPECT_NE(all.find("t.coi:1:1: the header has no 'test: ID' line"), std::string::npos) << all;
    EXPECT_NE(all.find("no 'classname:'"), std::string::npos) << all;
}

TEST(Parser, DeclaredButNeverJudged) {
    auto r = parse_text(header() + "connect c1 as alice\njudge rfc3501.capability.imap4rev1\n");
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0].str(),
              "t.coi:6:14: requirement rfc2177.idle.capability is declared but no 'judge "
              "rfc2177.idle.capability' line judges it");
}

TEST(Parser, ErrorsInsideAnIncludeNameTheSnippet) {
    MemoryLoader loader;
    loader.files["lib/bad.coi"] = "C: a NOOP\nS: a MAYBE\n";
    auto r = parse_text(header() +
                            "connect c1 as alice\njudge rfc3501.capability.imap4rev1\n"
                            "judge rfc2177.idle.capability\ninclude lib/bad.coi\n",
                        loader);
    ASSERT_GE(r.errors.size(), 2u);
    EXPECT_EQ(r.errors[0].str().substr(0, 18), "lib/bad.coi:2:6: '") << all_errors(r);
    EXPECT_NE(r.errors[1].str().find("t.coi:11:9"), std::string::npos) << all_errors(r);
}

TEST(Parser, SnippetsParseAlone) {
    MemoryLoader loader;
    auto r = parse_text("use c1\nC: . ENABLE ${what}\nS: . OK\n", loader, {}, ParseMode::snippet);
    EXPECT_TRUE(r.ok()) << all_errors(r);
    auto h = parse_text("test: x\nC: . NOOP\n", loader, {}, ParseMode::snippet);
    EXPECT_FALSE(h.ok());
}

TEST(Parser, Durations) {
    EXPECT_EQ(parse_duration("250ms"), Millis(250));
    EXPECT_EQ(parse_duration("10s"), Millis(10000));
    EXPECT_EQ(parse_duration("2m"), Millis(120000));
    EXPECT_FALSE(parse_duration("10"));
    EXPECT_FALSE(parse_duration("s"));
    EXPECT_FALSE(parse_duration("1h"));
}

}  // namespace
}  // namespace coitest::script
