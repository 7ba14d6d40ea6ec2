#pragma once
// The report a person reads: one self-contained HTML file (no external CSS, JS, fonts or images;
// a Content-Security-Policy forbids loading any).
#include "model/results.hpp"

#include <string>

namespace coitest::reports {

// Summary counts, a table per requirement (the tests that judged it, its worst verdict) and per
// test (findings with expected/seen, the transcript in a collapsed <details>). The verdict filter
// is pure CSS (checkboxes), so it works without JavaScript; a few lines of inline script add
// "only problems"/"all" buttons and reveal a filtered-out test a link points to.
std::string render_html(const RunResult& run);

}  // namespace coitest::reports
