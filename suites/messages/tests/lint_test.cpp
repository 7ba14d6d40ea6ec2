// coitest lint end to end through run_lint: inputs of every kind, profile recognition, bad input,
// cross-message rules and exit codes.
#include "messages/lint.hpp"
#include "tests/test_support.hpp"

#include <map>
#include <set>

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

// Rules that need a sender's earlier message: judged when lint reads several messages at once,
// each failing on a repeated or recipient-dependent header and passing on its twin.
TEST(Lint, LaterMessageRules) {
    auto second_findings = [](std::string a, std::string b) {
        // Another Message-ID for the second message, so only the rule under test differs.
        std::string id = "Mr.x7Hq2kLm9Wz.a1@", id2 = "Mr.x7Hq2kLm9Wz.b9@";
        if (auto at = b.find(id); at != std::string::npos) b.replace(at, id.size(), id2);
        if (auto at = b.find("Gr.Pq7Rt2Vx9Zb.k2Jd8sLq@"); at != std::string::npos)
            b.replace(at, 24, "Gr.Pq7Rt2Vx9Zb.z9Yx8wVu@");
        std::string mbox =
            "From x Mon Jan 1 00:00:00 2024\n" + a + "\nFrom y Mon Jan 1 00:00:00 2024\n" + b;
        auto run = lint({"-"}, "chatmail-client", mbox);
        std::set<std::string> out;
        const auto& tests = run.run.suites.at(0).tests;
        EXPECT_EQ(tests.size(), 2u);
        if (tests.size() == 2)
            for (const auto& f : tests[1].findings)
                if (f.verdict == Verdict::warn || f.verdict == Verdict::fail)
                    out.insert(f.requirement);
        return out;
    };
    auto read = [](const char* rel) { return testing::read_file(fixture(rel)); };

    std::string avatar = read("chatmail/user-avatar.eml");
    EXPECT_TRUE(second_findings(avatar, avatar).count("chatmail.avatar.only-on-change"));
    EXPECT_FALSE(second_findings(avatar, read("chatmail/user-avatar.broken-gif.eml"))
                     .count("chatmail.avatar.only-on-change"));

    std::string group = read("chatmail/group-avatar.eml");
    EXPECT_TRUE(second_findings(group, group).count("chatmail.group.avatar-only-on-change"));
    EXPECT_FALSE(second_findings(group, read("chatmail/group-avatar.broken-wrong-name.eml"))
                     .count("chatmail.group.avatar-only-on-change"));

    std::string text = read("chatmail/text.eml");
    std::string to_carol = text;
    to_carol.replace(to_carol.find("To: Bob <bob@"), 13, "To: Carol <carol@");
    EXPECT_FALSE(second_findings(text, to_carol).count("autocrypt.header.not-per-recipient"));
    std::string other_header = to_carol;
    other_header.replace(other_header.find(" prefer-encrypt=mutual;"), 23, "");
    EXPECT_TRUE(second_findings(text, other_header).count("autocrypt.header.not-per-recipient"));
}

// COI rules across messages: a second edit of the same message names the first edit, and a
// group message with other members carries a groupinfo part.
TEST(Lint, CoiLaterMessageRules) {
    auto second_findings = [](const std::string& a, const std::string& b) {
        std::string mbox =
            "From x Mon Jan 1 00:00:00 2024\n" + a + "\nFrom y Mon Jan 1 00:00:00 2024\n" + b;
        auto run = lint({"-"}, "coi-client", mbox);
        std::set<std::string> out;
        const auto& tests = run.run.suites.at(0).tests;
        EXPECT_EQ(tests.size(), 2u);
        if (tests.size() == 2)
            for (const auto& f : tests[1].findings)
                if (f.verdict == Verdict::warn || f.verdict == Verdict::fail)
                    out.insert(f.requirement);
        return out;
    };
    auto replace = [](std::string s, const std::string& from, const std::string& to) {
        auto at = s.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        if (at != std::string::npos) s.replace(at, from.size(), to);
        return s;
    };
    std::string edit = testing::read_file(fixture("coi/edit.eml"));
    std::string again = replace(edit, "<chat$S2571BC.2878a8@", "<chat$S2571BC.3999b9@");
    EXPECT_TRUE(second_findings(edit, again).count("coi-client.edit.reference-last"))
        << "the second edit names the original again";
    std::string chained = replace(replace(again, "In-Reply-To: <chat$434571BC.89A707D2@",
                                          "In-Reply-To: <chat$S2571BC.2878a8@"),
                                  "References: <chat$434571BC.89A707D2@autocrypt.example>",
                                  "References: <chat$434571BC.89A707D2@autocrypt.example>\n"
                                  " <chat$S2571BC.2878a8@autocrypt.example>");
    EXPECT_FALSE(second_findings(edit, chained).count("coi-client.edit.reference-last"));

    std::string group = testing::read_file(fixture("coi/group.eml"));
    std::string next = replace(group, "S2571BC.2878a8@", "S2571BC.4000c0@");
    EXPECT_FALSE(second_findings(group, next).count("coi-client.group.groupinfo-on-change"));
    std::string more = replace(next, "To: bob@autocrypt.example, carol@autocrypt.example",
                               "To: bob@autocrypt.example, carol@autocrypt.example,\n"
                               " dave@autocrypt.example");
    EXPECT_TRUE(second_findings(group, more).count("coi-client.group.groupinfo-on-change"));
    std::string with_info =
        replace(more, "Content-Type: text/plain; charset=UTF-8; format=\"flowed\"\n\n",
                "Content-Type: multipart/mixed; boundary=\"gi\"\n\n--gi\n"
                "Content-Type: text/plain; charset=UTF-8\n\n");
    with_info +=
        "--gi\nContent-Type: text/html; charset=UTF-8\nChat-Content: groupinfo\n\n"
        "<div class=\"h-group\">My Crew</div>\n--gi--\n";
    EXPECT_FALSE(second_findings(group, with_info).count("coi-client.group.groupinfo-on-change"));
}

// The Setup Message payload: without a code, or with a wrong one, the secret-key rules are
// not-applicable with the reason; the spec's own code opens it and they pass.
TEST(Lint, SetupMessagePayloadNeedsTheSetupCode) {
    auto verdicts = [](std::vector<std::string> codes) {
        LintOptions options;
        options.setup_codes = std::move(codes);
        auto linter = Linter::create(lookup(), options);
        EXPECT_TRUE(linter);
        TestResult t = (*linter)->lint(
            "setup", testing::read_file(fixture("autocrypt/setup-message-opened.eml")));
        std::map<std::string, std::pair<Verdict, std::string>> out;
        for (const auto& f : t.findings)
            if (f.requirement.rfind("autocrypt.setup.p", 0) == 0 &&
                f.requirement.find("passphrase") == std::string::npos)
                out[f.requirement] = {f.verdict, f.seen};
        return out;
    };
    auto none = verdicts({});
    ASSERT_EQ(none.size(), 2u);
    for (const auto& [id, v] : none) {
        EXPECT_EQ(v.first, Verdict::not_applicable) << id;
        EXPECT_NE(v.second.find("--setup-code"), std::string::npos) << id;
    }
    auto wrong = verdicts({"1111-1111-1111-1111-1111-1111-1111-1111-1111"});
    for (const auto& [id, v] : wrong) {
        EXPECT_EQ(v.first, Verdict::not_applicable) << id;
        EXPECT_NE(v.second.find("opens"), std::string::npos) << id;
    }
    auto right = verdicts({"0000", "1742-0185-6197-1303-7016-8412-3581-4441-0597"});
    ASSERT_EQ(right.size(), 2u);
    for (const auto& [id, v] : right) EXPECT_EQ(v.first, Verdict::pass) << id;
}

}  // namespace
}  // namespace coitest::messages

static ::testing::Environment* const kGMimeLint =
    ::testing::AddGlobalTestEnvironment(new coitest::messages::testing::GMimeEnvironment);
