#include "reports/html.hpp"

#include "reports/text.hpp"
#include "sample_run.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace coitest::reports {
namespace {

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

std::size_t count(const std::string& s, std::string_view part) {
    std::size_t n = 0;
    for (auto pos = s.find(part); pos != std::string::npos; pos = s.find(part, pos + 1)) ++n;
    return n;
}

TEST(Html, SelfContained) {
    const std::string page = render_html(testing::full_run());
    EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
    EXPECT_FALSE(contains(page, "<link"));
    EXPECT_FALSE(contains(page, " src="));
    EXPECT_FALSE(contains(page, "@import"));
    EXPECT_FALSE(contains(page, "url("));
    EXPECT_FALSE(contains(page, "http://"));
    EXPECT_FALSE(contains(page, "https://"));
    EXPECT_TRUE(contains(page, "Content-Security-Policy\" content=\"default-src 'none'"));
    EXPECT_EQ(count(page, "<script>"), 1u);
    EXPECT_EQ(count(page, "<style>"), 1u);
}

TEST(Html, SummaryCounts) {
    const std::string page = render_html(testing::full_run());
    EXPECT_TRUE(
        contains(page, "<tr><th><span class=\"badge v-fail\">fail</span></th><td>1</td></tr>"));
    EXPECT_TRUE(
        contains(page, "<tr><th><span class=\"badge v-pass\">pass</span></th><td>2</td></tr>"));
    EXPECT_TRUE(contains(page, "<tr><th>total</th><td>7</td></tr>"));
    EXPECT_TRUE(contains(page, "exit code 1"));
}

TEST(Html, FailureExpectedAndSeenEscaped) {
    const std::string page = render_html(testing::full_run());
    EXPECT_TRUE(contains(page, "<pre>* CAPABILITY ... COI</pre>"));
    EXPECT_TRUE(
        contains(page, "<pre>* CAPABILITY IMAP4rev1 &lt;no COI&gt; &amp; &quot;more&quot;</pre>"));
}

TEST(Html, ContentCannotInjectMarkup) {
    RunResult run = testing::full_run();
    run.suites[0].tests[1].title = "<script>alert(1)</script>";
    run.suites[0].tests[1].id = "x\"><img onerror=alert(1)>";
    const std::string page = render_html(run);
    EXPECT_EQ(count(page, "<script>"), 1u);  // only our own
    EXPECT_FALSE(contains(page, "<img"));
    EXPECT_TRUE(contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    EXPECT_TRUE(text::valid_utf8(page));
    for (char c : page) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\n');
}

TEST(Html, RequirementTableWithWorstVerdict) {
    const std::string page = render_html(testing::full_run());
    EXPECT_TRUE(contains(page, "<h2>Requirements (7)</h2>"));
    EXPECT_TRUE(std::regex_search(
        page, std::regex("<tr class=\"f-fail\"><td><span class=\"badge v-fail\">fail</span></td>"
                         "<td><code>coi-server.capability.coi-after-login</code></td><td>MUST</td>"
                         "<td>coi/coi-server-spec.md §3.1</td><td><a href=\"#t2\">")));
    // Judged by two tests, both listed with their verdict.
    const auto row = page.find("<code>rfc3501.capability.imap4rev1</code></td><td>MUST</td>");
    ASSERT_NE(row, std::string::npos);
    const std::string rest = page.substr(row, page.find("</tr>", row) - row);
    EXPECT_TRUE(contains(rest, "href=\"#t1\""));
    EXPECT_TRUE(contains(rest, "href=\"#t7\""));
}

TEST(Html, TestTableWithCollapsibleTranscripts) {
    const std::string page = render_html(testing::full_run());
    EXPECT_TRUE(contains(page, "<h2>Tests (7)</h2>"));
    // Tests with a transcript: pass (x2), fail, error.
    EXPECT_EQ(count(page, "<details><summary>Transcript"), 4u);
    EXPECT_TRUE(contains(page, "[  0.012] c1 C: a001 LOGIN alice ***\n"));
    EXPECT_TRUE(contains(page, "c1 S: &lt;&amp;&gt;&quot;&#39; \\x01\\x00\\x1B[31mred\\x07 \\xFF"));
    EXPECT_TRUE(contains(
        page, "<tbody class=\"f-not-applicable\" id=\"t5\" data-verdict=\"not-applicable\">"));
    EXPECT_TRUE(contains(page, "target does not claim profile webpush-server"));
}

TEST(Html, FilterByVerdictWorksWithoutScript) {
    const std::string page = render_html(testing::full_run());
    for (std::string v : {"pass", "fail", "warn", "info", "not-applicable", "error"}) {
        EXPECT_TRUE(contains(
            page, "<input type=\"checkbox\" class=\"filter\" id=\"show-" + v + "\" checked>"));
        EXPECT_TRUE(
            contains(page, "#show-" + v + ":not(:checked)~main .f-" + v + "{display:none}"));
    }
    // The inputs are siblings before <main>, or the ~ selector would match nothing.
    EXPECT_LT(page.find("id=\"show-error\""), page.find("<main>"));
    EXPECT_TRUE(contains(page, "<span id=\"js-buttons\" hidden>"));
}

TEST(Html, EmptyAndInterruptedRuns) {
    const std::string empty = render_html(testing::empty_run());
    EXPECT_TRUE(contains(empty, "No test ran."));
    EXPECT_TRUE(contains(empty, "No test judged a requirement."));
    const std::string interrupted = render_html(testing::interrupted_run());
    EXPECT_TRUE(contains(interrupted, "The run was interrupted"));
    EXPECT_FALSE(contains(render_html(testing::full_run()), "The run was interrupted"));
}

}  // namespace
}  // namespace coitest::reports
