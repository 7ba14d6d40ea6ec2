#include "reports/markdown.hpp"

#include "reports/rollup.hpp"
#include "reports/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coitest::reports {

namespace {

constexpr std::size_t kMaxValueBytes = 500;      // one expected/seen/reason value
constexpr std::size_t kMaxTranscriptLines = 40;  // per test: the end, where things went wrong
constexpr std::size_t kMaxDetailedTests = 50;    // tests shown with findings and transcript

std::size_t longest_backtick_run(std::string_view s) {
    std::size_t longest = 0, run = 0;
    for (char c : s) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

// Inline code that survives any content: a fence longer than any backtick run inside, padded
// when the content touches a backtick. (Not for table cells, where a pipe would end the cell.)
std::string code(std::string_view raw) {
    const std::string s = text::printable(text::truncate(raw, kMaxValueBytes));
    if (s.empty()) return "*(empty)*";
    const std::string fence(longest_backtick_run(s) + 1, '`');
    const bool pad = s.front() == '`' || s.back() == '`';
    return fence + (pad ? " " : "") + s + (pad ? " " : "") + fence;
}

// Plain text with the characters Markdown (and the HTML it allows) would act on escaped.
std::string plain(std::string_view raw) {
    std::string out;
    for (char c : text::printable(text::truncate(raw, kMaxValueBytes))) {
        if (std::string_view("\\`*_[]<>|~&#!").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

std::string_view icon(Verdict v) {
    switch (v) {
        case Verdict::pass:
            return "✅";
        case Verdict::fail:
            return "❌";
        case Verdict::warn:
            return "⚠️";
        case Verdict::info:
            return "ℹ️";
        case Verdict::not_applicable:
            return "⏭️";
        case Verdict::error:
            return "💥";
    }
    return "";
}

std::string headline(const RunResult& run) {
    const RunSummary s = run.summary();
    const int failed = s.fail + (run.strict ? s.warn : 0);
    std::string h;
    if (failed > 0)
        h = fmt::format("❌ {} of {} tests failed", failed, s.total);
    else if (s.error > 0)
        h = fmt::format("💥 {} of {} tests could not run (error)", s.error, s.total);
    else if (s.total == 0)
        h = "No tests ran";
    else
        h = fmt::format("✅ all {} tests passed", s.total);
    return "## coitest: " + h + (run.interrupted ? " (interrupted)" : "") + "\n\n";
}

void context(std::string& out, const RunResult& run) {
    std::vector<std::string> parts;
    if (!run.target.empty()) parts.push_back("target " + code(run.target));
    if (!run.profiles.empty()) {
        std::string p = "profiles";
        for (std::size_t i = 0; i < run.profiles.size(); ++i)
            p += (i ? ", " : " ") + code(run.profiles[i]);
        parts.push_back(p);
    }
    parts.push_back(fmt::format("{} s", text::seconds(run.seconds)));
    if (run.strict) parts.push_back("`--strict` (warnings fail)");
    if (!run.tool_version.empty()) parts.push_back("coitest " + plain(run.tool_version));
    if (!run.started_at.empty()) parts.push_back("started " + plain(run.started_at));
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " · " : "") + parts[i];
    out += "\n\n";
    if (run.interrupted)
        out += "> **Interrupted:** the run was stopped; tests that had not run yet are absent.\n\n";
}

void counts(std::string& out, const RunResult& run) {
    const RunSummary s = run.summary();
    out += "| verdict | tests |\n|---|---:|\n";
    const std::pair<Verdict, int> rows[] = {{Verdict::pass, s.pass},
                                            {Verdict::fail, s.fail},
                                            {Verdict::warn, s.warn},
                                            {Verdict::info, s.info},
                                            {Verdict::not_applicable, s.not_applicable},
                                            {Verdict::error, s.error}};
    for (const auto& [v, n] : rows)
        out += fmt::format("| {} {} | {} |\n", icon(v), to_string(v), n);
    out += fmt::format("| **total** | **{}** |\n\n", s.total);
}

void transcript(std::string& out, const TestResult& t) {
    const auto lines = text::transcript_lines(t.transcript);
    if (lines.empty()) return;
    const std::size_t first =
        lines.size() > kMaxTranscriptLines ? lines.size() - kMaxTranscriptLines : 0;
    std::size_t fence_len = 3;
    for (std::size_t i = first; i < lines.size(); ++i)
        fence_len = std::max(fence_len, longest_backtick_run(lines[i]) + 1);
    const std::string fence(fence_len, '`');
    out += fmt::format("<details><summary>Transcript ({} line{}{})</summary>\n\n", lines.size(),
                       lines.size() == 1 ? "" : "s",
                       first ? fmt::format(", the last {} shown", lines.size() - first) : "");
    out += fence + "text\n";
    for (std::size_t i = first; i < lines.size(); ++i) out += lines[i] + "\n";
    out += fence + "\n\n</details>\n\n";
}

void detailed(std::string& out, const SuiteResult& suite, const TestResult& t) {
    out += fmt::format("#### {} {} {} — {}\n\n", icon(t.verdict), to_string(t.verdict), code(t.id),
                       t.title.empty() ? plain(suite.name) : plain(t.title));
    if (!t.reason.empty()) out += plain(t.reason) + "\n\n";
    for (const auto& f : t.findings) {
        if (f.verdict == Verdict::pass) continue;
        out += fmt::format("- {} {} {}", icon(f.verdict), code(f.requirement), to_string(f.level));
        if (!f.where.empty()) out += " at " + code(f.where);
        out += "\n  - expected: " + code(f.expected) + "\n  - seen: " + code(f.seen) + "\n";
    }
    if (!t.findings.empty()) out += "\n";
    if (t.findings.empty() && !t.requirements.empty()) {
        out += "Requirements:";
        for (std::size_t i = 0; i < t.requirements.size(); ++i)
            out += (i ? ", " : " ") + code(t.requirements[i].id) + " " +
                   std::string(to_string(t.requirements[i].level));
        out += "\n\n";
    }
    transcript(out, t);
}

// One section per kind of problem, most serious first.
void section(std::string& out, const RunResult& run, Verdict verdict, std::string_view title,
             std::string_view note, std::size_t& detailed_so_far) {
    std::vector<std::pair<const SuiteResult*, const TestResult*>> tests;
    for (const auto& suite : run.suites)
        for (const auto& t : suite.tests)
            if (t.verdict == verdict) tests.emplace_back(&suite, &t);
    if (tests.empty()) return;
    out += fmt::format("### {} ({}){}\n\n", title, tests.size(), note);
    std::size_t listed_only = 0;
    for (const auto& [suite, t] : tests) {
        if (detailed_so_far < kMaxDetailedTests) {
            ++detailed_so_far;
            detailed(out, *suite, *t);
        } else {
            if (listed_only++ == 0)
                out +=
                    "Too many to show in full here; the JUnit and HTML reports have them all:\n\n";
            out += fmt::format("- {}: {}\n", code(t->id), plain(t->reason));
        }
    }
    if (listed_only) out += "\n";
}

}  // namespace

std::string render_markdown(const RunResult& run) {
    std::string out = headline(run);
    context(out, run);
    counts(out, run);
    std::size_t shown = 0;
    section(out, run, Verdict::fail, "Failures", "", shown);
    section(out, run, Verdict::error, "Errors", " — the environment or the harness broke", shown);
    section(out, run, Verdict::warn, "Warnings",
            run.strict ? " — failures, because the run is --strict"
                       : " — not failures unless the run is --strict",
            shown);

    std::vector<const TestResult*> na;
    for (const auto& suite : run.suites)
        for (const auto& t : suite.tests)
            if (t.verdict == Verdict::not_applicable) na.push_back(&t);
    if (!na.empty()) {
        out += fmt::format("<details><summary>Not applicable ({})</summary>\n\n", na.size());
        for (const auto* t : na) out += fmt::format("- {}: {}\n", code(t->id), plain(t->reason));
        out += "\n</details>\n";
    }
    return out;
}

}  // namespace coitest::reports
