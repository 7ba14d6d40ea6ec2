// coitest lint end to end through run_lint: inputs of every kind, profile recognition, bad input,
// cross-message rules and exit codes.
#include "messages/lint.hpp"
#include "tests/test_support.hpp"

#include <unistd.h>

#include <filesystem>

namespace coitest::messages {
namespace {

using testing::lookup;
using testing::source_dir;
namespace fs = std::filesystem;

std::string fixture(const std::string& rel) {
    return (source_dir() / "fixtures/messages" / rel).string();
}

LintRun lint(std::vector<std::string> inputs, std::string profile = {},
             std::string stdin_text = {}) {
    LintOptions o;
    o.inputs = std::move(inputs);
    o.profile = std::move(profile);
    std::istringstream in(stdin_text);
    auto r = run_lint(o, lookup(), in);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? std::move(*r) : LintRun{};
}

TEST(Lint, RecognisesEachDialect) {
    auto run = lint({fixture("chatmail/group.eml"), fixture("coi/text.eml"),
                     fixture("autocrypt/example-simple-autocrypt.eml"),
                     fixture("chatmail/encrypted-group.outer-only.eml")});
    const auto& tests = run.run.suites.at(0).tests;
    ASSERT_EQ(tests.size(), 4u);
    EXPECT_EQ(tests[0].profile, "chatmail-client");
    EXPECT_EQ(tests[1].profile, "coi-client");
    EXPECT_EQ(tests[2].profile, "autocrypt");
    EXPECT_EQ(tests[3].profile, "chatmail-client");  // recognised from the outer policy alone
    EXPECT_EQ(tests[0].id, "lint:" + fixture("chatmail/group.eml"));
    EXPECT_FALSE(tests[0].transcript.empty());  // says which profile and why
    EXPECT_EQ(exit_code_for(run.run), ExitCode::ok);
}

TEST(Lint, FailingMessageSetsExitCodeAndStrictCountsWarnings) {
    auto fail = lint({fixture("coi/text.broken-msgid.eml")}, "coi-client");
    EXPECT_EQ(exit_code_for(fail.run), ExitCode::failed);
    EXPECT_EQ(fail.run.suites[0].tests[0].verdict, Verdict::fail);
    EXPECT_NE(fail.run.suites[0].tests[0].reason.find("coi-client.header.message-id"),
              std::string::npos);
    LintOptions o;
    o.inputs = {fixture("coi/text.broken-flowed.eml")};
    o.strict = true;
    std::istringstream in;
    auto warn = run_lint(o, lookup(), in);
    ASSERT_TRUE(warn);
    EXPECT_EQ(warn->run.suites[0].tests[0].verdict, Verdict::warn);
    EXPECT_EQ(exit_code_for(warn->run), ExitCode::failed);
    warn->run.strict = false;
    EXPECT_EQ(exit_code_for(warn->run), ExitCode::ok);
}

TEST(Lint, BadInputIsAClearErrorNeverACrash) {
    auto dir = fs::temp_directory_path() / ("coitest-lint-" + std::to_string(::getpid()));
    fs::create_directories(dir / "notmaildir");
    std::string garbage(4096, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i)
        garbage[i] = static_cast<char>((i * 131 + 7) & 0xFF);
    std::ofstream(dir / "garbage.bin", std::ios::binary) << garbage;
    auto run = lint({(dir / "missing.eml").string(), (dir / "notmaildir").string(),
                     (dir / "garbage.bin").string(), "-"});
    fs::remove_all(dir);
    const auto& tests = run.run.suites.at(0).tests;
    ASSERT_EQ(tests.size(), 4u);
    for (const auto& t : tests) {
        EXPECT_EQ(t.verdict, Verdict::error) << t.id;
        EXPECT_FALSE(t.reason.empty());
        EXPECT_EQ(t.reason.find('\n'), std::string::npos) << "one line: " << t.reason;
    }
    EXPECT_TRUE(run.usage_error);  // missing path, not a Maildir, empty stdin
    EXPECT_EQ(run.input_errors.size(), 3u);
}

TEST(Lint, FiftyMegabyteMessageIsRefusedWithAFinding) {
    auto path = fs::temp_directory_path() / ("coitest-big-" + std::to_string(::getpid()) + ".eml");
    {
        std::ofstream out(path, std::ios::binary);
        out << "From: a@b.example\nSubject: big\n\n";
        std::string line(76, 'A');
        line += '\n';
        for (int i = 0; i < 50 * 1000 * 1000 / 77; ++i) out << line;
    }
    auto run = lint({path.string()});
    fs::remove(path);
    ASSERT_EQ(run.run.suites[0].tests.size(), 1u);
    const auto& t = run.run.suites[0].tests[0];
    EXPECT_EQ(t.verdict, Verdict::error);
    EXPECT_NE(t.reason.find("above the lint limit"), std::string::npos) << t.reason;
}

TEST(Lint, MboxOnStdinAndCrossMessageRules) {
    std::string a = testing::read_file(fixture("chatmail/text.eml"));
    std::string b = testing::read_file(
        fixture("chatmail/text.broken-subject.eml"));  // same Message-ID, other text
    std::string mbox =
        "From x Mon Jan 1 00:00:00 2024\n" + a + "\nFrom y Mon Jan 1 00:00:00 2024\n" + b;
    auto run = lint({"-"}, "chatmail-client", mbox);
    const auto& tests = run.run.suites.at(0).tests;
    ASSERT_EQ(tests.size(), 2u);
    EXPECT_EQ(tests[0].id, "lint:<stdin>#1");
    bool duplicate = false;
    for (const auto& f : tests[1].findings)
        if (f.requirement == "rfc5322.msg-id.unique" && f.verdict == Verdict::fail)
            duplicate = true;
    EXPECT_TRUE(duplicate) << "two different messages share a Message-ID";
    for (const auto& f : tests[0].findings) EXPECT_NE(f.requirement, "rfc5322.msg-id.unique");
}

TEST(Lint, KeyFileProblemsAreUsageErrors) {
    LintOptions o;
    o.inputs = {fixture("coi/text.eml")};
    o.key_files = {fixture("keys/alice@autocrypt.example.pub.asc")};  // public only
    std::istringstream in;
    auto r = run_lint(o, lookup(), in);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::usage);
    o.key_files = {};
    o.profile = "no-such-profile";
    auto p = run_lint(o, lookup(), in);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("unknown profile"), std::string::npos);
}

TEST(Lint, EncryptedWithoutKeySaysWhyRulesAreNotJudged) {
    auto run = lint({fixture("chatmail/encrypted-group.outer-only.eml")});
    const auto& t = run.run.suites.at(0).tests.at(0);
    std::size_t na = 0;
    for (const auto& f : t.findings)
        if (f.verdict == Verdict::not_applicable) {
            ++na;
            EXPECT_FALSE(f.seen.empty()) << f.requirement << " without a reason";
        }
    EXPECT_GT(na, 20u);
    EXPECT_NE(t.verdict, Verdict::not_applicable);  // the outer rules were judged
}

}  // namespace
}  // namespace coitest::messages

static ::testing::Environment* const kGMimeLint =
    ::testing::AddGlobalTestEnvironment(new coitest::messages::testing::GMimeEnvironment);
