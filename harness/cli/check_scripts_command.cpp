// `coitest check-scripts [PATH]`: option parsing only; script/check.hpp does the work.
#include "cli/check_scripts_command.hpp"

#include "script/check.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace coitest::cli {

void add_check_scripts_command(CLI::App& app, int& exit_code) {
    // CLI11 binds options to variables that must live until parsing ends: the callback owns them.
    auto options = std::make_shared<script::CheckScriptsOptions>();
    auto* cmd = app.add_subcommand(
        "check-scripts",
        "Validate .coi scripts without a target: syntax, includes, fixtures, variables, and the "
        "requirement IDs and levels against the catalog");
    cmd->add_option("path", options->path,
                    "A .coi file or a folder of them (default: the suite's scripts, "
                    "$COITEST_SCRIPTS or suites/server/scripts)");
    cmd->add_option("--catalog", options->catalog,
                    "Requirement catalog folder (default: $COITEST_CATALOG or "
                    "suites/requirements)");
    cmd->footer(
        "Prints one 'file:line:col: error: message' line per problem. Exit codes: 0 all "
        "scripts valid; 1 problems found; 2 the path or the catalog cannot be read.");
    cmd->callback([options, &exit_code] {
        exit_code = script::run_check_scripts(*options, std::cout, std::cerr);
    });
}

}  // namespace coitest::cli
