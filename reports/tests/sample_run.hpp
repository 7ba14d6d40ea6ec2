#pragma once
// RunResults the report tests (and write_sample_reports) feed every writer: every verdict, hostile
// transcript bytes, an empty run and an interrupted one.
#include "model/results.hpp"

#include <string_view>

namespace coitest::reports::testing {

using namespace std::string_view_literals;

// Bytes a hostile peer might send: markup characters, control bytes (NUL, ESC with a colour
// sequence, BEL), invalid UTF-8, a UTF-8 non-character XML forbids, and a C1 control.
inline constexpr std::string_view kHostile =
    "<&>\"' \x01\x00\x1b[31mred\x07 \xff\xfe \xc3\x28 \xef\xbf\xbe \xc2\x9b end"
    "\xe2\x82"sv;  // a truncated multi-byte sequence at the very end

// Two suites; server has one test of each verdict (pass, fail, warn, info, not-applicable,
// error), lint one pass. The fail test's finding expects "* CAPABILITY ... COI" and saw
// "* CAPABILITY IMAP4rev1 <no COI> & \"more\"".
RunResult full_run(bool strict = false);
RunResult empty_run();
RunResult interrupted_run();  // two tests finished, then SIGINT

}  // namespace coitest::reports::testing
