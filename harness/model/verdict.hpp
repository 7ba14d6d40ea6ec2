#pragma once
// The verdict model of DESIGN §3: requirement levels and the six verdicts.
#include <optional>
#include <string>
#include <string_view>

namespace coitest {

enum class Level { must, must_not, should, should_not, may };
enum class Verdict { pass, fail, warn, info, not_applicable, error };

std::string_view to_string(Level level);      // "MUST", "MUST NOT", ...
std::string_view to_string(Verdict verdict);  // "pass", "not-applicable", ...
std::optional<Level> parse_level(std::string_view text);
std::optional<Verdict> parse_verdict(std::string_view text);

// The verdict a requirement of this level gets when the implementation does not meet it.
Verdict verdict_when_unmet(Level level);

// Combining verdicts of one test: error beats fail beats warn beats info beats pass;
// not-applicable only survives when nothing was judged.
Verdict worst(Verdict a, Verdict b);

}  // namespace coitest
