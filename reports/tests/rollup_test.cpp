#include "reports/rollup.hpp"

#include "sample_run.hpp"

#include <gtest/gtest.h>

namespace coitest::reports {
namespace {

TestResult test_with(Verdict v, std::vector<Finding> findings) {
    TestResult t;
    t.id = "t";
    t.verdict = v;
    t.requirements = {{"a", Level::must, "", ""}, {"b", Level::must, "", ""}};
    t.findings = std::move(findings);
    return t;
}

TEST(RequirementVerdict, OwnFindingsDecide) {
    const auto t = test_with(Verdict::fail, {{"a", Level::must, Verdict::fail, "", "x", "y"},
                                             {"a", Level::must, Verdict::pass, "", "", ""}});
    EXPECT_EQ(requirement_verdict(t, "a"), Verdict::fail);
    EXPECT_EQ(requirement_verdict(t, "b"), Verdict::pass);  // the test gave findings, none for b
}

TEST(RequirementVerdict, WithoutFindingsTheTestVerdictApplies) {
    EXPECT_EQ(requirement_verdict(test_with(Verdict::fail, {}), "b"), Verdict::fail);
    EXPECT_EQ(requirement_verdict(test_with(Verdict::pass, {}), "b"), Verdict::pass);
}

TEST(RequirementVerdict, ErrorAndNotApplicableApplyToAll) {
    const auto t = test_with(Verdict::error, {{"a", Level::must, Verdict::pass, "", "", ""}});
    EXPECT_EQ(requirement_verdict(t, "a"), Verdict::error);
    EXPECT_EQ(requirement_verdict(test_with(Verdict::not_applicable, {}), "a"),
              Verdict::not_applicable);
}

TEST(Rollup, WorstVerdictAcrossTestsSortedById) {
    const RunResult run = testing::full_run();
    const auto rollup = rollup_requirements(run);
    ASSERT_FALSE(rollup.empty());
    for (std::size_t i = 1; i < rollup.size(); ++i)
        EXPECT_LT(rollup[i - 1].ref.id, rollup[i].ref.id);
    const auto find = [&](std::string_view id) -> const RequirementRollup& {
        for (const auto& r : rollup)
            if (r.ref.id == id) return r;
        ADD_FAILURE() << "no rollup for " << id;
        return rollup.front();
    };
    // imap4rev1 is judged by two passing tests (server and lint suites).
    EXPECT_EQ(find("rfc3501.capability.imap4rev1").judged_by.size(), 2u);
    EXPECT_EQ(find("rfc3501.capability.imap4rev1").worst, Verdict::pass);
    EXPECT_EQ(find("coi-server.capability.coi-after-login").worst, Verdict::fail);
    EXPECT_EQ(find("coi-server.capability.once").worst, Verdict::pass);
    EXPECT_EQ(find("coi-server.metadata.should-validate").worst, Verdict::warn);
    EXPECT_EQ(find("webpush.capability.announced").worst, Verdict::not_applicable);
    EXPECT_EQ(find("rfc2177.idle.exists").worst, Verdict::error);
}

TEST(Rollup, FindingOnlyRequirementsAppear) {
    RunResult run;
    TestResult t = test_with(Verdict::warn, {{"c", Level::should, Verdict::warn, "", "", ""}});
    run.suites = {{"s", {t}}};
    const auto rollup = rollup_requirements(run);
    ASSERT_EQ(rollup.size(), 3u);
    EXPECT_EQ(rollup[2].ref.id, "c");
    EXPECT_EQ(rollup[2].ref.level, Level::should);
    EXPECT_EQ(rollup[2].worst, Verdict::warn);
}

TEST(HeadlineFinding, FirstWithTheTestsVerdict) {
    const auto t = test_with(Verdict::fail, {{"a", Level::should, Verdict::warn, "", "", ""},
                                             {"b", Level::must, Verdict::fail, "", "", ""}});
    ASSERT_NE(headline_finding(t), nullptr);
    EXPECT_EQ(headline_finding(t)->requirement, "b");
    EXPECT_EQ(headline_finding(test_with(Verdict::fail, {})), nullptr);
}

TEST(CountsAsFailure, WarnOnlyUnderStrict) {
    EXPECT_TRUE(counts_as_failure(test_with(Verdict::fail, {}), false));
    EXPECT_FALSE(counts_as_failure(test_with(Verdict::warn, {}), false));
    EXPECT_TRUE(counts_as_failure(test_with(Verdict::warn, {}), true));
    EXPECT_FALSE(counts_as_failure(test_with(Verdict::error, {}), true));
}

}  // namespace
}  // namespace coitest::reports
