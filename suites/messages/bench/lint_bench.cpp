// Lint throughput (Google Benchmark): a Maildir of 10,000 realistic messages - one-to-one chat
// text, group messages, encrypted messages judged on their outer layer (no key) - linted on one
// core with the real catalog. Reports messages/s, MB/s and the process's peak resident memory.
//
//   ./lint_bench --benchmark_counters_tabular=true
#include "message/gmime.hpp"
#include "messages/lint.hpp"
#include "runner/catalog.hpp"

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

fs::path source_dir() {
    const char* env = std::getenv("COITEST_SOURCE_DIR");
    return env ? fs::path(env) : fs::path(COITEST_SOURCE_DIR_FALLBACK);
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes `count` messages into dir/cur, cycling through the templates and giving each its own
// Message-ID so the cross-message rules see distinct messages. Returns the total bytes.
std::size_t make_maildir(const fs::path& dir, std::size_t count) {
    fs::create_directories(dir / "cur");
    fs::create_directories(dir / "new");
    fs::create_directories(dir / "tmp");
    const fs::path fx = source_dir() / "fixtures/messages";
    const std::vector<std::string> templates = {
        read(fx / "chatmail/text.eml"), read(fx / "chatmail/group.eml"),
        read(fx / "chatmail/encrypted-group.outer-only.eml"),
        read(fx / "chatmail/member-added.eml"), read(fx / "coi/text.eml")};
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::string m = templates[i % templates.size()];
        // A unique Message-ID that keeps each template's form (Gr.<id>.…, chat$…): suffix the left
        // part.
        auto at = m.find("Message-ID: <");
        auto sign = at == std::string::npos ? at : m.find('@', at);
        if (sign != std::string::npos) {
            std::string tag =
                ".n";  // built step by step: g++ 12 -O3 warns (-Wrestrict) on "." + to_string
            tag += std::to_string(i);
            m.insert(sign, tag);
        }
        bytes += m.size();
        std::ofstream(dir / "cur" / (std::to_string(1700000000 + i) + ".bench:2,S"),
                      std::ios::binary)
            << m;
    }
    return bytes;
}

void BM_LintMaildir(benchmark::State& state) {
    const std::size_t count = static_cast<std::size_t>(state.range(0));
    fs::path dir = fs::temp_directory_path() / ("coitest-bench-" + std::to_string(::getpid()));
    std::size_t bytes = make_maildir(dir, count);
    auto catalog = coitest::Catalog::load(source_dir() / "suites/requirements");
    if (!catalog) {
        state.SkipWithError(catalog.error().message.c_str());
        return;
    }
    coitest::messages::LintOptions options;
    options.inputs = {dir.string()};
    options.keep_passing_findings = state.range(1) != 0;
    std::istringstream no_stdin;
    std::size_t linted = 0;
    for (auto _ : state) {
        auto run = coitest::messages::run_lint(
            options, [&](std::string_view id) { return catalog->find(id); }, no_stdin);
        if (!run) {
            state.SkipWithError(run.error().message.c_str());
            break;
        }
        linted += run->run.suites.at(0).tests.size();
        benchmark::DoNotOptimize(run->run);
    }
    fs::remove_all(dir);
    state.counters["messages/s"] =
        benchmark::Counter(static_cast<double>(linted), benchmark::Counter::kIsRate);
    state.counters["MB/s"] = benchmark::Counter(
        static_cast<double>(bytes) * static_cast<double>(state.iterations()) / 1e6,
        benchmark::Counter::kIsRate);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    state.counters["peak_MB"] =
        static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}
// Second argument: 1 keeps every passing finding (what --json/--html need), 0 keeps only the rest.
// Peak memory is the process's, so the run with passes goes last.
BENCHMARK(BM_LintMaildir)
    ->Args({10000, 0})
    ->Args({10000, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
    // One GMime reference for the whole program: GMime must not be shut down and re-initialised.
    coitest::message::GMimeLibrary gmime;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
