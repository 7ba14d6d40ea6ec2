#pragma once
// `coitest lint` and `coitest spec-lint` (DESIGN §11). main.cpp calls add_lint_commands once;
// this is the only other file that includes CLI11.
namespace CLI {
class App;
}

namespace coitest::cli {

// Registers the two subcommands; their callbacks set `exit_code` (DESIGN §3).
void add_lint_commands(CLI::App& app, int& exit_code);

}  // namespace coitest::cli
