#pragma once
// Runs selected tests, up to `jobs` at once on one I/O thread (tests are I/O-bound), each with
// its own accounts and deadline, and turns each outcome into a verdict.
#include "model/results.hpp"
#include "runner/catalog.hpp"
#include "runner/target.hpp"
#include "runner/test_case.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace coitest {

struct RunOptions {
    int jobs = 1;
    std::chrono::milliseconds test_timeout{60'000};
    std::chrono::milliseconds step_timeout{10'000};
    std::chrono::milliseconds connect_timeout{5'000};
    bool handle_signals = true;  // SIGINT/SIGTERM end the run with what is done
};

class RunObserver {
  public:
    virtual ~RunObserver() = default;
    virtual void on_test_done(const TestResult&) {}
};

// The result of one test, from its findings; exposed for unit tests.
Verdict verdict_from_findings(const std::vector<Finding>& findings);

class Scheduler {
  public:
    Scheduler(const Target& target, const Catalog& catalog, RunOptions options,
              std::shared_ptr<boost::asio::ssl::context> tls);

    // Blocks until every test has a result or a signal arrives. Results come in the order of
    // `tests`; with interrupted set, tests not run are absent and running ones are `error`.
    SuiteResult run(const std::vector<const TestCase*>& tests, RunObserver& observer,
                    bool& interrupted);

  private:
    const Target& target_;
    const Catalog& catalog_;
    RunOptions options_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

// The TestResult skeleton of a test: identity and requirements, before any verdict.
TestResult describe(const TestCase& test, const Catalog& catalog);

}  // namespace coitest
