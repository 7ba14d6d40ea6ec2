#include "reports/terminal.hpp"

#include "sample_run.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>
#include <cstdlib>

#include <sstream>
#include <thread>

namespace coitest::reports {
namespace {

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

std::string run_view(const RunResult& run, bool colour, bool verbose,
                     const ReportPaths& paths = {}) {
    std::ostringstream out;
    TerminalView view(out, colour, verbose);
    std::size_t total = 0;
    for (const auto& s : run.suites) total += s.tests.size();
    view.on_run_start(total);
    for (const auto& s : run.suites)
        for (const auto& t : s.tests) view.on_test_done(t);
    view.on_run_end(run, paths);
    return out.str();
}

TEST(Terminal, OneLinePerTestWithDetailsForProblems) {
    const std::string out = run_view(testing::full_run(), false, false);
    EXPECT_TRUE(out.starts_with("running 7 tests\n"));
    EXPECT_TRUE(contains(out, "PASS  [1/7] rfc3501.capability.imap4rev1 (0.012 s)\n"));
    EXPECT_TRUE(
        contains(out,
                 "FAIL  [2/7] coi-server.capability.coi-after-login (0.500 s)\n"
                 "      COI missing from CAPABILITY after LOGIN\n"
                 "      fail coi-server.capability.coi-after-login MUST at CAPABILITY response\n"
                 "        expected: * CAPABILITY ... COI\n"
                 "        seen:     * CAPABILITY IMAP4rev1 <no COI> & \"more\"\n"));
    EXPECT_TRUE(contains(out, "WARN  [3/7] coi-server.metadata.should-validate"));
    EXPECT_TRUE(contains(out, "        expected: NO [BADVALUE]\n"));
    EXPECT_TRUE(contains(out, "INFO  [4/7] coi-server.filter.default (0.020 s)\nN/A  "));
    EXPECT_TRUE(contains(out,
                         "N/A   [5/7] webpush.capability.announced (0.000 s)\n"
                         "      target does not claim profile webpush-server\n"));
    EXPECT_TRUE(contains(out,
                         "ERROR [6/7] rfc3501.idle.notify (0.001 s)\n"
                         "      connection refused by 127.0.0.1:14143\n"));
    EXPECT_TRUE(contains(
        out, "7 tests: 2 pass, 1 fail, 1 warn, 1 info, 1 not-applicable, 1 error in 3.250 s\n"));
    EXPECT_FALSE(contains(out, "\x1b"));
    EXPECT_FALSE(contains(out, "LOGIN alice"));  // transcripts only when verbose
}

TEST(Terminal, VerboseAddsTranscriptsOfProblems) {
    const std::string out = run_view(testing::full_run(), false, true);
    EXPECT_TRUE(contains(out, "      [  0.012] c1 C: a001 LOGIN alice ***\n"));
    EXPECT_TRUE(contains(out, "      [  0.020] c1 S: <&>\"' \\x01\\x00\\x1B[31mred\\x07"));
    EXPECT_TRUE(contains(out, "        expected: none|active|seen\n"));  // info findings too
}

TEST(Terminal, HostileTextNeverReachesTheTerminalRaw) {
    RunResult run = testing::full_run();
    auto& t = run.suites[0].tests[1];
    t.id += "\x1b]0;owned\x07";
    t.reason = "\x1b[2J cleared";
    t.findings[0].seen = "\x9b\x31m \xc2\x9b\x31m";
    for (bool colour : {false, true}) {
        const std::string out = run_view(run, colour, true);
        EXPECT_FALSE(contains(out, "\x1b]")) << colour;
        EXPECT_FALSE(contains(out, "\x1b[2J"));
        EXPECT_FALSE(contains(out, "\x07"));
        EXPECT_FALSE(contains(out, "\xc2\x9b"));
        EXPECT_TRUE(contains(out, "\\x1B[2J cleared"));
        if (!colour) {
            for (char c : out) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\n');
        }
    }
}

TEST(Terminal, ColourOnlyWhenAsked) {
    const std::string out = run_view(testing::full_run(), true, false);
    EXPECT_TRUE(contains(out, "\x1b[1;31mFAIL \x1b[0m [2/7]"));
    EXPECT_TRUE(contains(out, "\x1b[32mPASS \x1b[0m"));
    EXPECT_TRUE(contains(out, "\x1b[1;31m1 fail\x1b[0m"));
}

TEST(Terminal, StrictAndInterruptedAndReportPaths) {
    RunResult run = testing::interrupted_run();
    run.strict = true;
    const std::string out =
        run_view(run, false, false, {"out/junit.xml", {}, "out/report.html", {}});
    EXPECT_TRUE(contains(
        out, "2 tests: 1 pass, 1 fail in 3.250 s; interrupted, tests not yet run are absent\n"));
    EXPECT_TRUE(contains(out, "JUnit report: out/junit.xml\nHTML report: out/report.html\n"));
    EXPECT_FALSE(contains(out, "JSON report"));
    const std::string empty = run_view(testing::empty_run(), false, false);
    EXPECT_EQ(empty, "running 0 tests\n0 tests: 0 pass, 0 fail in 0.000 s\n");
}

TEST(Terminal, ConcurrentTestsPrintWholeLinesInOrder) {
    std::ostringstream out;
    TerminalView view(out, false, false);
    constexpr int kThreads = 4, kEach = 50;
    view.on_run_start(kThreads * kEach);
    const TestResult fail = testing::full_run().suites[0].tests[1];
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&] {
            for (int k = 0; k < kEach; ++k) view.on_test_done(fail);
        });
    for (auto& t : threads) t.join();
    // Every test's block is whole: its numbered line followed by its four detail lines (reason,
    // finding, expected, seen).
    std::istringstream lines(out.str());
    std::string line;
    std::getline(lines, line);
    for (int n = 1; n <= kThreads * kEach; ++n) {
        ASSERT_TRUE(std::getline(lines, line));
        EXPECT_EQ(
            line,
            fmt::format("FAIL  [{:>3}/200] coi-server.capability.coi-after-login (0.500 s)", n));
        for (int d = 0; d < 4; ++d) {
            ASSERT_TRUE(std::getline(lines, line));
            EXPECT_TRUE(line.starts_with("      ")) << line;
        }
    }
    EXPECT_FALSE(std::getline(lines, line)) << "unexpected trailing line: " << line;
}

// NO_COLOR is process state: restore it after each test.
class ColourWanted : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* v = std::getenv("NO_COLOR")) saved_ = v;
    }
    void TearDown() override {
        if (saved_)
            ::setenv("NO_COLOR", saved_->c_str(), 1);
        else
            ::unsetenv("NO_COLOR");
    }
    std::optional<std::string> saved_;
};

TEST_F(ColourWanted, NeverOnAPipe) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::unsetenv("NO_COLOR");
    EXPECT_FALSE(colour_wanted(fds[1]));
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_F(ColourWanted, OnATerminalUnlessNoColorIsSet) {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0)
        GTEST_SKIP() << "no pseudo-terminals here";
    const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
    if (slave < 0) {
        ::close(master);
        GTEST_SKIP() << "cannot open the pseudo-terminal";
    }
    ::unsetenv("NO_COLOR");
    EXPECT_TRUE(colour_wanted(slave));
    ::setenv("NO_COLOR", "", 1);
    EXPECT_TRUE(colour_wanted(slave));  // empty counts as unset, as no-color.org says
    ::setenv("NO_COLOR", "1", 1);
    EXPECT_FALSE(colour_wanted(slave));
    ::close(slave);
    ::close(master);
}

}  // namespace
}  // namespace coitest::reports
