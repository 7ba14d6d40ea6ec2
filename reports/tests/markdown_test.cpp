#include "reports/markdown.hpp"

#include "reports/text.hpp"
#include "sample_run.hpp"

#include <gtest/gtest.h>

namespace coitest::reports {
namespace {

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

TEST(Markdown, HeadlineAndCounts) {
    const std::string md = render_markdown(testing::full_run());
    EXPECT_TRUE(md.starts_with("## coitest: ❌ 1 of 7 tests failed\n")) << md.substr(0, 80);
    EXPECT_TRUE(contains(md, "| ✅ pass | 2 |"));
    EXPECT_TRUE(contains(md, "| ❌ fail | 1 |"));
    EXPECT_TRUE(contains(md, "| ⏭️ not-applicable | 1 |"));
    EXPECT_TRUE(contains(md, "| **total** | **7** |"));
    EXPECT_TRUE(contains(md, "target `imap+starttls://127.0.0.1:14143`"));
}

TEST(Markdown, FailureShowsExpectedAndSeen) {
    const std::string md = render_markdown(testing::full_run());
    EXPECT_TRUE(contains(md, "### Failures (1)"));
    EXPECT_TRUE(contains(
        md, "#### ❌ fail `coi-server.capability.coi-after-login` — COI is announced after LOGIN"));
    EXPECT_TRUE(
        contains(md, "- ❌ `coi-server.capability.coi-after-login` MUST at `CAPABILITY response`"));
    EXPECT_TRUE(contains(md, "  - expected: `* CAPABILITY ... COI`"));
    EXPECT_TRUE(contains(md, "  - seen: `* CAPABILITY IMAP4rev1 <no COI> & \"more\"`"));
    EXPECT_TRUE(contains(md, "### Errors (1)"));
    EXPECT_TRUE(contains(md, "connection refused by 127.0.0.1:14143"));
    EXPECT_TRUE(contains(md, "### Warnings (1) — not failures unless the run is --strict\n"));
    EXPECT_TRUE(
        contains(render_markdown(testing::full_run(true)), "## coitest: ❌ 2 of 7 tests failed"));
}

TEST(Markdown, TranscriptCollapsedAndSanitised) {
    const std::string md = render_markdown(testing::full_run());
    EXPECT_TRUE(contains(md, "<details><summary>Transcript (3 lines)</summary>\n\n```text\n"));
    EXPECT_TRUE(contains(md, "[  0.020] c1 S: <&>\"' \\x01\\x00\\x1B[31mred"));
    EXPECT_TRUE(text::valid_utf8(md));
    for (char c : md) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\n');
}

TEST(Markdown, MarkupInPlainTextIsEscaped) {
    RunResult run = testing::full_run();
    run.suites[0].tests[1].title = "<img src=x> *bold* [link](http://x)";
    run.suites[0].tests[1].findings[0].seen = "a `tick` and ``two``";
    const std::string md = render_markdown(run);
    EXPECT_TRUE(contains(md, "\\<img src=x\\> \\*bold\\* \\[link\\](http://x)"));
    for (auto pos = md.find("<img"); pos != std::string::npos; pos = md.find("<img", pos + 1))
        EXPECT_TRUE(pos > 0 && md[pos - 1] == '\\') << "unescaped <img at " << pos;
    // The fence is longer than any backtick run inside; padded because the value ends in one.
    EXPECT_TRUE(contains(md, "  - seen: ``` a `tick` and ``two`` ```\n"));
}

TEST(Markdown, LongTranscriptShowsItsEnd) {
    RunResult run = testing::full_run();
    auto& t = run.suites[0].tests[1].transcript;
    for (int i = 0; i < 100; ++i)
        t.push_back({"c1", Direction::server, 1, "* line " + std::to_string(i)});
    const std::string md = render_markdown(run);
    EXPECT_TRUE(contains(md, "Transcript (103 lines, the last 40 shown)"));
    EXPECT_TRUE(contains(md, "* line 99\n"));
    EXPECT_FALSE(contains(md, "* line 59\n"));
    EXPECT_TRUE(contains(md, "* line 60\n"));
}

TEST(Markdown, ManyFailuresAreListedNotDetailed) {
    RunResult run = testing::empty_run();
    run.suites = {{"server", {}}};
    for (int i = 0; i < 60; ++i) {
        TestResult t = testing::full_run().suites[0].tests[1];
        t.id = "fail." + std::to_string(i);
        run.suites[0].tests.push_back(t);
    }
    const std::string md = render_markdown(run);
    EXPECT_TRUE(contains(md, "#### ❌ fail `fail.49`"));
    EXPECT_FALSE(contains(md, "#### ❌ fail `fail.50`"));
    EXPECT_TRUE(contains(md, "- `fail.50`: COI missing"));
    EXPECT_LT(md.size(), 1024u * 1024u);
}

TEST(Markdown, EmptyAndInterruptedRuns) {
    const std::string empty = render_markdown(testing::empty_run());
    EXPECT_TRUE(empty.starts_with("## coitest: No tests ran\n"));
    EXPECT_TRUE(contains(empty, "| **total** | **0** |"));
    const std::string interrupted = render_markdown(testing::interrupted_run());
    EXPECT_TRUE(contains(interrupted, "(interrupted)"));
    EXPECT_TRUE(contains(interrupted, "> **Interrupted:**"));
}

}  // namespace
}  // namespace coitest::reports
