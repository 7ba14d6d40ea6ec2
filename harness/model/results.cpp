#include "model/results.hpp"

namespace coitest {

RunSummary RunResult::summary() const {
    RunSummary s;
    for (const auto& suite : suites) {
        for (const auto& t : suite.tests) {
            ++s.total;
            switch (t.verdict) {
                case Verdict::pass:
                    ++s.pass;
                    break;
                case Verdict::fail:
                    ++s.fail;
                    break;
                case Verdict::warn:
                    ++s.warn;
                    break;
                case Verdict::info:
                    ++s.info;
                    break;
                case Verdict::not_applicable:
                    ++s.not_applicable;
                    break;
                case Verdict::error:
                    ++s.error;
                    break;
            }
        }
    }
    return s;
}

ExitCode exit_code_for(const RunResult& run) {
    const RunSummary s = run.summary();
    if (s.fail > 0 || (run.strict && s.warn > 0)) return ExitCode::failed;
    // A test that could not be judged because the environment broke must not read as green.
    if (s.error > 0) return ExitCode::environment;
    return ExitCode::ok;
}

}  // namespace coitest
