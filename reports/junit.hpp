#pragma once
// JUnit XML as DESIGN §10 describes it, valid against the junit-10.xsd schema (Jenkins xUnit's),
// which is stricter than what GitLab and GitHub reporters read.
#include "model/results.hpp"

#include <string>

namespace coitest::reports {

// One <testsuite> per SuiteResult (one empty "coitest" suite when there is none, so the run's
// properties have a home). The schema allows no <properties> inside <testcase>: each test's
// requirements, profile, tags and real verdict are suite properties named "TEST-ID.requirement"
// and so on, and are repeated at the top of the test's <system-out>.
std::string render_junit(const RunResult& run);

}  // namespace coitest::reports
