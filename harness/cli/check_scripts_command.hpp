#pragma once
// `coitest check-scripts [PATH]` (DESIGN §11): validates .coi scripts without a target. main.cpp
// calls add_check_scripts_command once; the checking itself is harness/script/check.hpp.
namespace CLI {
class App;
}

namespace coitest::cli {

// Registers the subcommand; its callback sets `exit_code` (0 valid, 1 problems, 2 usage).
void add_check_scripts_command(CLI::App& app, int& exit_code);

}  // namespace coitest::cli
