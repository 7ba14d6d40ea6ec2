#pragma once
// `assert` statements judged on parsed responses (sans-I/O): METADATA values, FETCH flags and
// items, LIST/LSUB mailboxes and attributes, capabilities, and plain value comparisons. The
// interpreter expands the statement's values and hands over what the connection's last block
// received; this file decides and words "expected" and "seen".
#include "model/error.hpp"
#include "script/ast.hpp"
#include "script/pattern.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coitest::script {

struct AssertInput {
    std::string connection;                       // its name, for messages
    const std::vector<WireView>* last = nullptr;  // what its last block received
    const std::vector<std::string>* capabilities = nullptr;
    std::vector<std::string> args;        // Assert::args, expanded
    std::optional<std::string> selector;  // Assert::uid or ::seq, expanded
};

struct AssertOutcome {
    bool ok = false;
    std::string expected, seen;
};

// Errors: a selector that is not a number.
Result<AssertOutcome> check_assertion(const Assert& a, const AssertInput& in);

}  // namespace coitest::script
