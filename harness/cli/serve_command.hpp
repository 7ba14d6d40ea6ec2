#pragma once
// `coitest serve`: runs the reference peer (harness/peer) until SIGINT/SIGTERM. The only file
// besides main.cpp that sees CLI11; main.cpp calls add_serve_command(app, exit_code).
namespace CLI {
class App;
}

namespace coitest::cli {

// Adds the `serve` subcommand; its callback runs the server and sets `exit_code` (0 on a clean
// stop, 2 usage error, 3 environment error such as a port in use).
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace coitest::cli
