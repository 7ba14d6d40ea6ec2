#pragma once
// A Markdown summary for CI step summaries (GitHub's $GITHUB_STEP_SUMMARY, GitLab notes).
#include "model/results.hpp"

#include <string>

namespace coitest::reports {

// The outcome, a table of counts, then every fail, error and warn with its reason, each
// finding's expected/seen and the end of its transcript (collapsed). Sized for step summaries
// (GitHub allows 1 MiB): long values, transcripts and very long failure lists are cut, and the
// text says where the full report is.
std::string render_markdown(const RunResult& run);

}  // namespace coitest::reports
