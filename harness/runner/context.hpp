#pragma once
// What a test body sees: the target, its own accounts, connection settings bounded by the test's
// deadline, the transcript, and the calls that record what it judged.
#include "model/error.hpp"
#include "model/results.hpp"
#include "net/connection.hpp"
#include "net/transcript.hpp"
#include "runner/catalog.hpp"
#include "runner/target.hpp"
#include "runner/test_case.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace coitest {

// Thrown by TestContext::not_applicable: the target lacks a precondition the test needs.
class NotApplicable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ContextSettings {
    net::Clock::time_point deadline;
    net::Duration step_timeout;
    net::Duration connect_timeout;
    std::shared_ptr<boost::asio::ssl::context> tls;
};

class TestContext {
  public:
    TestContext(const TestCase& test, const Target& target, const Catalog& catalog,
                std::vector<const Account*> accounts, ContextSettings settings);

    const Target& target() const { return target_; }
    const TestCase& test() const { return test_; }
    // The i-th account reserved for this test (0-based; fewer than TestCase::accounts is a bug).
    const Account& account(std::size_t i) const;
    net::Transcript& transcript() { return transcript_; }
    net::ConnectOptions connect_options(std::string name) const;
    net::Clock::time_point deadline() const { return settings_.deadline; }
    net::Duration step_timeout() const { return settings_.step_timeout; }
    // Unique per call and per run: for Message-IDs, mailbox names, metadata values.
    std::string unique(std::string_view prefix = "coitest");

    // --- judging: every call names a requirement the test declared ---
    // Records that `requirement` was met (where: what was looked at).
    void met(std::string_view requirement, std::string where = {});
    // Records that `requirement` was not met; the verdict follows its catalog level.
    void unmet(std::string_view requirement, std::string expected, std::string seen,
               std::string where = {});
    // met() if ok, else unmet(); returns ok so a test can stop or go on.
    bool check(std::string_view requirement, bool ok, std::string expected, std::string seen,
               std::string where = {});
    // For MAY requirements: records which behaviour was chosen (verdict info).
    void observed(std::string_view requirement, std::string seen, std::string where = {});
    [[noreturn]] void not_applicable(std::string reason);
    // Ends the test with an `error` verdict: the environment, not the implementation, is at
    // fault (a fixture could not be delivered, the target refused a test account).
    [[noreturn]] void environment_error(std::string message);
    void note(std::string_view text);

    // Unwraps a protocol-boundary result or ends the test with an `error` verdict.
    template <class T>
    T need(Result<T> r, std::string_view doing) {
        if (!r) fail_environment(r.error(), doing);
        if constexpr (!std::is_void_v<T>) return std::move(*r);
    }

    // Sleeps, but never past the test's deadline.
    boost::asio::awaitable<void> sleep(net::Duration d);

    std::vector<Finding> take_findings() { return std::move(findings_); }

  private:
    [[noreturn]] void fail_environment(const Error& e, std::string_view doing);
    const Requirement& requirement(std::string_view id) const;

    const TestCase& test_;
    const Target& target_;
    const Catalog& catalog_;
    std::vector<const Account*> accounts_;
    ContextSettings settings_;
    net::Transcript transcript_;
    std::vector<Finding> findings_;
    std::string run_token_;
    unsigned counter_ = 0;
};

}  // namespace coitest
