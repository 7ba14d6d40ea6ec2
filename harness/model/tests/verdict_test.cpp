#include "model/verdict.hpp"
#include "model/results.hpp"

#include <gtest/gtest.h>

namespace coitest {
namespace {

TEST(Verdict, LevelsMapToVerdictsAsDesignSection3) {
    EXPECT_EQ(verdict_when_unmet(Level::must), Verdict::fail);
    EXPECT_EQ(verdict_when_unmet(Level::must_not), Verdict::fail);
    EXPECT_EQ(verdict_when_unmet(Level::should), Verdict::warn);
    EXPECT_EQ(verdict_when_unmet(Level::should_not), Verdict::warn);
    EXPECT_EQ(verdict_when_unmet(Level::may), Verdict::info);
}

TEST(Verdict, RoundTripsThroughText) {
    for (auto v : {Verdict::pass, Verdict::fail, Verdict::warn, Verdict::info,
                   Verdict::not_applicable, Verdict::error})
        EXPECT_EQ(parse_verdict(to_string(v)), v);
    EXPECT_EQ(parse_level("MUST NOT"), Level::must_not);
    EXPECT_FALSE(parse_level("must"));  // catalog levels are upper case, as RFC 2119 writes them
}

TEST(Verdict, WorstOrdersErrorFailWarnInfoPassNotApplicable) {
    EXPECT_EQ(worst(Verdict::pass, Verdict::fail), Verdict::fail);
    EXPECT_EQ(worst(Verdict::error, Verdict::fail), Verdict::error);
    EXPECT_EQ(worst(Verdict::warn, Verdict::info), Verdict::warn);
    EXPECT_EQ(worst(Verdict::not_applicable, Verdict::pass), Verdict::pass);
}

RunResult run_with(std::initializer_list<Verdict> verdicts, bool strict = false) {
    RunResult run;
    run.strict = strict;
    SuiteResult suite{"server", {}};
    for (auto v : verdicts) {
        TestResult t;
        t.verdict = v;
        suite.tests.push_back(t);
    }
    run.suites.push_back(suite);
    return run;
}

TEST(ExitCode, FollowsDesignSection3) {
    EXPECT_EQ(exit_code_for(run_with({Verdict::pass, Verdict::info})), ExitCode::ok);
    EXPECT_EQ(exit_code_for(run_with({Verdict::pass, Verdict::warn})), ExitCode::ok);
    EXPECT_EQ(exit_code_for(run_with({Verdict::pass, Verdict::warn}, true)), ExitCode::failed);
    EXPECT_EQ(exit_code_for(run_with({Verdict::fail, Verdict::error})), ExitCode::failed);
    EXPECT_EQ(exit_code_for(run_with({Verdict::error, Verdict::not_applicable})),
              ExitCode::environment);
    EXPECT_EQ(exit_code_for(run_with({Verdict::pass, Verdict::error})), ExitCode::environment);
    // not-applicable is never a pass, but it is no failure either
    EXPECT_EQ(exit_code_for(run_with({Verdict::not_applicable})), ExitCode::ok);
}

}  // namespace
}  // namespace coitest
