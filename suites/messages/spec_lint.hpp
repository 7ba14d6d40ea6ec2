#pragma once
// `coitest spec-lint`: the standards editor's view. Extracts the example messages from a
// specification's code blocks (Markdown fenced and indented blocks, reStructuredText literal
// blocks and literalinclude files) and judges each against that specification's own rules,
// reporting the example's file:line and the rule's file:line.
#include "message/check.hpp"
#include "model/error.hpp"
#include "model/results.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::messages {

struct SpecExample {
    std::string file;  // where the text is: the spec, or an included file
    int line = 0;      // first line of the example in `file`
    std::string text;  // the example with the block indentation removed
    // json: a code block holding a JSON document (judged where the spec has JSON rules).
    enum class Kind { message, fragment, exchange, payload, json } kind = Kind::message;
};

// Sans-I/O: the code blocks of one spec text that look like messages or C:/S: exchanges.
// `include` reads a literalinclude target (relative to the spec); it may return nullopt.
using IncludeReader = std::function<std::optional<std::string>(const std::string& relative_path)>;
std::vector<SpecExample> extract_examples(std::string_view spec_text, const std::string& spec_name,
                                          const IncludeReader& include);

// The catalog spec name and profile of a spec file ("…/coi/coi-client-spec.md" →
// coi/coi-client-spec.md, coi-client). Empty profile for an unknown spec.
struct SpecIdentity {
    std::string spec;
    std::string profile;
    bool adopts_rfcs = false;  // the spec makes RFC 5322/MIME conformance its own rule
};
SpecIdentity identify_spec(std::string_view path);

using TestCallback = std::function<void(const TestResult&)>;

// One test per example: id "spec-lint:<spec>:<line>", findings restricted to the spec's own rules.
Result<RunResult> run_spec_lint(const std::vector<std::string>& spec_paths,
                                const std::vector<std::string>& key_files,
                                message::RequirementLookup lookup,
                                const TestCallback& on_test = {});

}  // namespace coitest::messages
