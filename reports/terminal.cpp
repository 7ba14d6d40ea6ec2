#include "reports/terminal.hpp"

#include "reports/rollup.hpp"
#include "reports/text.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>

namespace coitest::reports {

namespace {

constexpr std::size_t kMaxValueBytes = 300;  // per expected/seen/reason on the terminal

std::string_view label(Verdict v) {
    switch (v) {
        case Verdict::pass:
            return "PASS ";
        case Verdict::fail:
            return "FAIL ";
        case Verdict::warn:
            return "WARN ";
        case Verdict::info:
            return "INFO ";
        case Verdict::not_applicable:
            return "N/A  ";
        case Verdict::error:
            return "ERROR";
    }
    return "?    ";
}

std::string_view ansi(Verdict v) {
    switch (v) {
        case Verdict::pass:
            return "\x1b[32m";
        case Verdict::fail:
            return "\x1b[1;31m";
        case Verdict::warn:
            return "\x1b[33m";
        case Verdict::info:
            return "\x1b[36m";
        case Verdict::not_applicable:
            return "\x1b[2m";
        case Verdict::error:
            return "\x1b[1;35m";
    }
    return "";
}

std::string clean(std::string_view s) {
    return text::printable(text::truncate(s, kMaxValueBytes));
}

}  // namespace

bool colour_wanted(int fd) {
    if (::isatty(fd) != 1) return false;
    const char* no_colour = std::getenv("NO_COLOR");
    return no_colour == nullptr || *no_colour == '\0';
}

TerminalView::TerminalView(std::ostream& out, bool colour, bool verbose)
    : out_(out), colour_(colour), verbose_(verbose) {}

std::string TerminalView::paint(std::string_view text, Verdict v) const {
    if (!colour_) return std::string(text);
    return fmt::format("{}{}\x1b[0m", ansi(v), text);
}

std::string TerminalView::dim(std::string_view text) const {
    if (!colour_) return std::string(text);
    return fmt::format("\x1b[2m{}\x1b[0m", text);
}

void TerminalView::on_run_start(std::size_t total_tests) {
    std::lock_guard lock(mutex_);
    total_ = total_tests;
    done_ = 0;
    out_ << fmt::format("running {} test{}\n", total_tests, total_tests == 1 ? "" : "s");
    out_.flush();
}

void TerminalView::on_test_done(const TestResult& t) {
    // Details first, outside the lock; the numbered line and the output under one lock, so lines
    // from concurrent tests never interleave and the counter reads in order.
    std::string details;
    const bool attention =
        t.verdict == Verdict::fail || t.verdict == Verdict::warn || t.verdict == Verdict::error;
    if (attention || t.verdict == Verdict::not_applicable || verbose_) {
        if (!t.reason.empty()) details += "      " + clean(t.reason) + "\n";
    }
    if (attention || verbose_) {
        for (const auto& f : t.findings) {
            if (f.verdict == Verdict::pass && !verbose_) continue;
            details += fmt::format("      {} {} {}{}\n", paint(to_string(f.verdict), f.verdict),
                                   clean(f.requirement), to_string(f.level),
                                   f.where.empty() ? "" : " at " + clean(f.where));
            details += "        expected: " + clean(f.expected) + "\n";
            details += "        seen:     " + clean(f.seen) + "\n";
        }
    }
    if (attention && verbose_) {
        for (const auto& line : text::transcript_lines(t.transcript))
            details += "      " + dim(line) + "\n";
    }
    std::lock_guard lock(mutex_);
    ++done_;
    const std::size_t total = std::max(total_, done_);
    const int width = static_cast<int>(fmt::formatted_size("{}", total));
    out_ << fmt::format("{} [{:>{}}/{}] {} {}\n", paint(label(t.verdict), t.verdict), done_, width,
                        total, clean(t.id), dim(fmt::format("({} s)", text::seconds(t.seconds))))
         << details;
    out_.flush();
}

void TerminalView::on_run_end(const RunResult& run, const ReportPaths& written) {
    const RunSummary s = run.summary();
    std::string line = fmt::format("{} test{}: ", s.total, s.total == 1 ? "" : "s");
    const std::pair<Verdict, int> parts[] = {{Verdict::pass, s.pass},
                                             {Verdict::fail, s.fail},
                                             {Verdict::warn, s.warn},
                                             {Verdict::info, s.info},
                                             {Verdict::not_applicable, s.not_applicable},
                                             {Verdict::error, s.error}};
    bool first = true;
    for (const auto& [v, n] : parts) {
        if (n == 0 && v != Verdict::pass && v != Verdict::fail) continue;
        const std::string part = fmt::format("{} {}", n, to_string(v));
        line += (first ? "" : ", ") + (n > 0 ? paint(part, v) : part);
        first = false;
    }
    line += fmt::format(" in {} s", text::seconds(run.seconds));
    if (run.strict && s.warn > 0) line += " (--strict: warnings fail)";
    if (run.interrupted) line += "; interrupted, tests not yet run are absent";
    std::string report_lines;
    const std::pair<std::string_view, const std::filesystem::path*> reports[] = {
        {"JUnit", &written.junit},
        {"JSON", &written.json},
        {"HTML", &written.html},
        {"Markdown", &written.markdown}};
    for (const auto& [kind, path] : reports)
        if (!path->empty())
            report_lines += fmt::format("{} report: {}\n", kind, text::printable(path->string()));
    std::lock_guard lock(mutex_);
    out_ << line << "\n" << report_lines;
    out_.flush();
}

}  // namespace coitest::reports
