#pragma once
// .coi scripts as registered tests: each script becomes a TestCase whose header gives its
// identity and whose body runs the interpreter. A malformed script still becomes a test, whose
// run is an `error` verdict naming file:line:col, so a broken script is reported, never dropped
// and never a crash of the run.
#include "model/error.hpp"
#include "runner/registry.hpp"
#include "script/interpreter.hpp"
#include "script/parser.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace coitest::script {

// Where the suite's scripts are: $COITEST_SCRIPTS, else next to an installed executable
// (<prefix>/share/coitest/scripts), else suites/server/scripts of the source tree.
std::filesystem::path default_scripts_dir();

// The TestCase of a parsed script (`parsed.ok()`), or of a malformed one (an error verdict
// carrying the diagnostics). `hooks` outlives the test (it is shared).
TestCase script_test_case(const ParseResult& parsed, std::shared_ptr<const ScriptHooks> hooks);

}  // namespace coitest::script

namespace coitest {

// Registers every test script below `dir` (snippets in lib/ folders are not tests). `errors`
// receives what could not become a test at all: a missing folder, or a script so broken that
// not even one requirement ID can be read from it (the registry refuses tests that judge
// nothing). Test IDs already registered (C++ tests, other scripts) make the later script a
// malformed one with a derived ID.
void register_script_suites(Registry& registry, const std::filesystem::path& dir,
                            std::vector<Error>& errors);
// The same, with the hooks scripts need at run time (delivery).
void register_script_suites(Registry& registry, const std::filesystem::path& dir,
                            std::vector<Error>& errors, script::ScriptHooks hooks);

}  // namespace coitest
