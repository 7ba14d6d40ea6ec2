#pragma once
// The .coi parser (sans-I/O): text in, a Script or precise diagnostics ("file:line:col: what was
// expected") out. Includes and fixtures come through a SourceLoader, so the parser never touches
// the file system itself and unit tests and the fuzzer feed it from memory.
//
// Every input is bounded (ScriptLimits): line length, file size, heredoc and literal sizes,
// include depth (and cycles), statement count, nesting, regular-expression size. Hostile input
// yields diagnostics, never a crash, a hang or unbounded memory.
#include "model/error.hpp"
#include "script/ast.hpp"
#include "script/diagnostic.hpp"
#include "script/pattern.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::script {

struct ScriptLimits {
    std::size_t max_file = 1024 * 1024;       // one script, snippet or fixture
    std::size_t max_total = 8 * 1024 * 1024;  // all files one script pulls in
    std::size_t max_line = 16 * 1024;         // one line
    std::size_t max_block = 1024 * 1024;      // one heredoc (set NAME <<END)
    std::size_t max_literal = 1024 * 1024;    // one raw {N} literal in client lines
    std::size_t max_include_depth = 8;
    std::size_t max_statements = 20'000;
    std::size_t max_nesting = 16;      // if / repeat
    std::size_t max_repeat = 100'000;  // repeat N
    std::size_t max_errors = 50;       // stop reporting after this many
    Millis max_duration{10 * 60 * 1000};
    PatternLimits pattern;
};

// A file as the loader hands it over.
struct SourceFile {
    std::string key;      // identity for cycle detection (a canonical path)
    std::string display;  // how diagnostics name it
    std::string text;
};

class SourceLoader {
  public:
    virtual ~SourceLoader() = default;
    // `name` as written in an include or deliver line of `from`. Errors are one sentence.
    virtual Result<SourceFile> load(std::string_view name, const SourceFile& from) = 0;
};

enum class ParseMode {
    test,     // a test script: header required
    snippet,  // a shared snippet (lib/): no header; connections and variables may come from
              // the including script
};

struct ParseResult {
    std::shared_ptr<const Script> script;  // also set when there are errors (partial header)
    std::vector<Diagnostic> errors;
    bool ok() const { return errors.empty(); }
};

ParseResult parse_script(const SourceFile& file, SourceLoader& loader,
                         const ScriptLimits& limits = {}, ParseMode mode = ParseMode::test);

// Durations as scripts write them: 250ms, 10s, 2m.
std::optional<Millis> parse_duration(std::string_view text);

}  // namespace coitest::script
