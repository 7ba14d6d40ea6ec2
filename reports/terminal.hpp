#pragma once
// The live terminal view of a run (DESIGN §10): one line per finished test, details under the
// ones that need attention, a summary at the end.
#include "model/results.hpp"
#include "reports/write.hpp"

#include <cstddef>
#include <mutex>
#include <ostream>

namespace coitest::reports {

// True only when `fd` is a terminal and NO_COLOR is unset or empty (https://no-color.org).
bool colour_wanted(int fd);

// Safe to call from several runner threads: each call prints whole lines under a lock. Text from
// the peer is made printable first, so a hostile server cannot send escape sequences to the
// user's terminal.
class TerminalView {
  public:
    // `verbose` adds findings of passing tests and the transcript of every fail, warn and error.
    TerminalView(std::ostream& out, bool colour, bool verbose);

    void on_run_start(std::size_t total_tests);
    // "FAIL  [ 3/12] TEST-ID (0.512 s)", then for fail/warn/error the reason and each finding's
    // expected/seen, indented.
    void on_test_done(const TestResult& test);
    // The summary line, and where the reports went (the non-empty paths of `written`).
    void on_run_end(const RunResult& run, const ReportPaths& written = {});

  private:
    std::string paint(std::string_view text, Verdict v) const;
    std::string dim(std::string_view text) const;

    std::ostream& out_;
    bool colour_;
    bool verbose_;
    std::size_t total_ = 0;
    std::size_t done_ = 0;
    std::mutex mutex_;
};

}  // namespace coitest::reports
