#pragma once
// `coitest check-scripts [PATH]` without CLI11: validates every .coi script (and shared snippet)
// below PATH without a target: syntax, includes, fixtures, variables, and the requirement IDs and
// levels against the catalog. Problems are "file:line:col: message" lines.
#include "runner/catalog.hpp"
#include "script/diagnostic.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace coitest::script {

struct CheckReport {
    std::size_t scripts = 0;
    std::size_t snippets = 0;
    std::vector<Diagnostic> problems;
};

// `catalog` may be null (then requirement IDs are not looked up). `root`: the folder includes and
// fixtures may come from (default: PATH when it is a folder, else the file's folder).
Result<CheckReport> check_scripts(const std::filesystem::path& path, const Catalog* catalog,
                                  const std::optional<std::filesystem::path>& root = {});

struct CheckScriptsOptions {
    std::string path;     // empty: default_scripts_dir()
    std::string catalog;  // empty: default_catalog_dir()
};

// Prints problems to `out`, a summary line to `err`; returns the exit code: 0 all valid, 1 a
// script has problems, 2 the path or the catalog cannot be read.
int run_check_scripts(const CheckScriptsOptions& options, std::ostream& out, std::ostream& err);

// The profiles DESIGN §4 names.
const std::vector<std::string>& known_profiles();

}  // namespace coitest::script
