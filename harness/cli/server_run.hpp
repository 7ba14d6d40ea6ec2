#pragma once
// `coitest server`: target + suite -> runner -> verdicts -> reports, with DESIGN §3 exit codes.
// Kept free of CLI11 so it compiles fast and can be tested directly.
#include "model/results.hpp"
#include "reports/write.hpp"
#include "runner/registry.hpp"
#include "runner/target.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace coitest::cli {

struct ServerRunOptions {
    std::optional<std::filesystem::path> target_file;
    TargetFlags target_flags;
    Selection selection;
    int jobs = 1;
    double test_timeout_s = 60;
    double step_timeout_s = 10;
    bool strict = false;
    bool verbose = false;
    reports::ReportPaths reports;
};

// Returns the process exit code. Prints progress to stdout, one-line errors to stderr.
int run_server_suite(const ServerRunOptions& options);

}  // namespace coitest::cli
