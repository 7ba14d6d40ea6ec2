#pragma once
// Writing the report files a run asked for.
#include "model/error.hpp"
#include "model/results.hpp"

#include <filesystem>
#include <string_view>

namespace coitest::reports {

// Where each report goes; an empty path means that report is not wanted.
struct ReportPaths {
    std::filesystem::path junit, json, html, markdown;
};

// Writes every wanted report. Each file appears whole or not at all (written to a temporary file
// beside it, then renamed over it), so a reader never sees half a report; missing parent folders
// are created. One report failing does not stop the others: the error lists every failure.
Result<void> write_reports(const RunResult& run, const ReportPaths& paths);

// The same for one file with given contents (also used by `coitest coverage` and `matrix`).
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace coitest::reports
