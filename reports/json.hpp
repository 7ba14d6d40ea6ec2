#pragma once
// The JSON results file: versioned (docs/results-json.md, reports/results.schema.json), read back
// by `coitest coverage` and `coitest matrix`.
#include "model/error.hpp"
#include "model/results.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace coitest::reports {

// Largest results file parse_json accepts, and deepest nesting (the format needs 5 levels).
inline constexpr std::size_t kMaxJsonBytes = 256u * 1024 * 1024;
inline constexpr std::size_t kMaxJsonDepth = 32;

// Pretty-printed, "schema_version": RunResult::kSchemaVersion. A transcript chunk that is not
// valid UTF-8 is stored as "data_base64" so it round-trips byte for byte; in every other string
// invalid UTF-8 becomes U+FFFD.
std::string render_json(const RunResult& run);
// The same text in pieces, one test at a time (memory: one test, not the run).
void write_json(const RunResult& run, const std::function<void(std::string_view)>& out);

// Reads what render_json wrote (this version or older). Unknown fields are ignored; a missing
// required field, a wrong type or an unknown verdict/level is an error naming its place, e.g.
// `suites[0].tests[2].verdict: unknown verdict "passed"`.
Result<RunResult> parse_json(std::string_view text);

}  // namespace coitest::reports
