#pragma once
// Views over a RunResult that several writers share: the per-requirement table and which finding
// explains a test's verdict.
#include "model/results.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace coitest::reports {

// How one test judged one requirement. The worst of the test's findings for that requirement;
// with no finding of its own, the requirement takes the test's verdict when the test recorded
// no findings at all (or ended in error or not-applicable, which apply to everything it judges),
// and pass when the test gave its findings for other requirements only.
Verdict requirement_verdict(const TestResult& test, std::string_view requirement);

struct RequirementJudgement {
    std::string suite;
    const TestResult* test = nullptr;  // points into the RunResult the rollup was made from
    Verdict verdict = Verdict::pass;
};

struct RequirementRollup {
    RequirementRef ref;  // level, spec and section as the first test that names it gives them
    Verdict worst = Verdict::not_applicable;
    std::vector<RequirementJudgement> judged_by;
};

// Every requirement a test names or a finding cites, sorted by ID. The result points into `run`,
// which must outlive it.
std::vector<RequirementRollup> rollup_requirements(const RunResult& run);

// The finding behind a fail, warn or info verdict: the first finding with the test's verdict, or
// nullptr when there is none.
const Finding* headline_finding(const TestResult& test);

// Whether JUnit and the summaries count the test as failed: fail always, warn under --strict.
bool counts_as_failure(const TestResult& test, bool strict);

}  // namespace coitest::reports
