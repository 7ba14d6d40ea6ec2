// Writes the sample reports of sample_run.hpp, so ctest can check them with outside tools
// (xmllint against the JUnit schema, a JSON Schema validator).
//   write_sample_reports JUNIT.xml [--variant full|strict|empty|interrupted] [--json FILE]
//                        [--html FILE] [--md FILE]
#include "reports/write.hpp"
#include "sample_run.hpp"

#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
    using namespace coitest::reports;
    ReportPaths paths;
    std::string_view variant = "full";
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--variant" && has_value)
            variant = argv[++i];
        else if (arg == "--json" && has_value)
            paths.json = argv[++i];
        else if (arg == "--html" && has_value)
            paths.html = argv[++i];
        else if (arg == "--md" && has_value)
            paths.markdown = argv[++i];
        else if (!arg.starts_with("--") && paths.junit.empty())
            paths.junit = arg;
        else {
            std::cerr << "usage: write_sample_reports JUNIT.xml [--variant full|strict|empty|"
                         "interrupted] [--json FILE] [--html FILE] [--md FILE]\n";
            return 2;
        }
    }
    coitest::RunResult run;
    if (variant == "full")
        run = testing::full_run(false);
    else if (variant == "strict")
        run = testing::full_run(true);
    else if (variant == "empty")
        run = testing::empty_run();
    else if (variant == "interrupted")
        run = testing::interrupted_run();
    else {
        std::cerr << "unknown variant " << variant << "\n";
        return 2;
    }
    if (auto r = write_reports(run, paths); !r) {
        std::cerr << r.error().message << "\n";
        return 1;
    }
    return 0;
}
