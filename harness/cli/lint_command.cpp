// `coitest lint FILE…` and `coitest spec-lint SPEC…`: option parsing, the terminal view of the
// findings, report files and exit codes. The judging itself is suites/messages (lint.hpp,
// spec_lint.hpp).
#include "cli/lint_command.hpp"

#include "messages/lint.hpp"
#include "messages/spec_lint.hpp"
#include "reports/terminal.hpp"
#include "reports/write.hpp"
#include "runner/catalog.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <memory>

namespace coitest::cli {

namespace {

struct LintCli {
    messages::LintOptions lint;
    reports::ReportPaths reports;
    std::size_t max_size_mib = 32;
    int verbose = 0;
    bool quiet = false;
};

struct SpecLintCli {
    std::vector<std::string> specs;
    std::vector<std::string> key_files;
    reports::ReportPaths reports;
    int verbose = 0;
};

void add_report_options(CLI::App& cmd, reports::ReportPaths& p) {
    cmd.add_option("--junit", p.junit, "Write JUnit XML here");
    cmd.add_option("--json", p.json, "Write JSON results here (docs/results-json.md)");
    cmd.add_option("--html", p.html, "Write a self-contained HTML report here");
    cmd.add_option("--md", p.markdown, "Write a Markdown summary here");
}

class Printer {
  public:
    Printer(std::ostream& out, bool colour, int verbose)
        : out_(out), colour_(colour), verbose_(verbose) {}

    // One line per message, then its fail/warn findings (and info with -v), and a count of the
    // requirements that could not be judged, with the reason.
    void test(const TestResult& t) {
        out_ << paint(label(t.verdict), t.verdict) << " " << printable(t.title) << "  ["
             << t.profile << "]\n";
        if (t.verdict == Verdict::error) {
            out_ << "      " << printable(t.reason) << "\n";
            return;
        }
        std::map<std::string, int> not_judged;
        for (const auto& f : t.findings) {
            if (f.verdict == Verdict::not_applicable) {
                ++not_judged[f.seen];
                continue;
            }
            bool show = f.verdict == Verdict::fail || f.verdict == Verdict::warn ||
                        f.verdict == Verdict::error || (verbose_ && f.verdict != Verdict::pass) ||
                        (verbose_ > 1);
            if (!show) continue;
            out_ << "      " << paint(std::string(to_string(f.verdict)), f.verdict) << " "
                 << f.requirement << " (" << to_string(f.level) << ") at " << printable(f.where)
                 << "\n";
            if (!f.expected.empty()) out_ << "        expected: " << printable(f.expected) << "\n";
            if (!f.seen.empty()) out_ << "        seen:     " << printable(f.seen) << "\n";
        }
        for (const auto& [reason, n] : not_judged)
            out_ << "      " << paint("not-applicable", Verdict::not_applicable) << " " << n
                 << " requirement" << (n == 1 ? "" : "s") << ": " << printable(reason) << "\n";
        if (verbose_)
            for (const auto& e : t.transcript) out_ << "      note: " << printable(e.data) << "\n";
    }

    void summary(const RunResult& run, const reports::ReportPaths& paths) {
        auto s = run.summary();
        out_ << s.total << " message" << (s.total == 1 ? "" : "s") << ": " << s.pass << " pass, "
             << s.fail << " fail, " << s.warn << " warn, " << s.not_applicable
             << " not-applicable, " << s.error << " error";
        if (run.strict && s.warn > 0) out_ << " (--strict: warnings fail)";
        out_ << "\n";
        for (const auto& p : {paths.junit, paths.json, paths.html, paths.markdown})
            if (!p.empty()) out_ << "report: " << p.string() << "\n";
    }

  private:
    static std::string label(Verdict v) {
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
    std::string paint(const std::string& text, Verdict v) const {
        if (!colour_) return text;
        const char* code = v == Verdict::pass    ? "\x1b[32m"
                           : v == Verdict::fail  ? "\x1b[1;31m"
                           : v == Verdict::warn  ? "\x1b[33m"
                           : v == Verdict::info  ? "\x1b[36m"
                           : v == Verdict::error ? "\x1b[1;35m"
                                                 : "\x1b[2m";
        return std::string(code) + text + "\x1b[0m";
    }
    // Message content is untrusted: no escape sequences reach the terminal.
    static std::string printable(std::string_view s) {
        std::string out;
        for (char c : s) {
            auto u = static_cast<unsigned char>(c);
            out += (u < 0x20 || u == 0x7F) ? '?' : c;
            if (out.size() > 400) {
                out += "…";
                break;
            }
        }
        return out;
    }

    std::ostream& out_;
    bool colour_;
    int verbose_;
};

Result<Catalog> load_catalog() {
    auto dir = default_catalog_dir();
    auto catalog = Catalog::load(dir);
    if (!catalog)
        return make_error(ErrorKind::config,
                          "requirement catalog " + dir.string() + ": " + catalog.error().message);
    return catalog;
}

int finish(const RunResult& run, const reports::ReportPaths& paths, Printer& printer,
           bool usage_error) {
    auto written = reports::write_reports(run, paths);
    if (!written) std::cerr << "coitest: error: " << written.error().message << "\n";
    printer.summary(run, paths);
    if (usage_error) return static_cast<int>(ExitCode::usage);
    if (!written) return static_cast<int>(ExitCode::environment);
    return static_cast<int>(exit_code_for(run));
}

int run_lint_command(LintCli& cli) {
    if (cli.lint.inputs.empty()) {
        std::cerr << "coitest: error: lint needs at least one FILE, Maildir folder, or - for "
                     "standard input\n";
        return static_cast<int>(ExitCode::usage);
    }
    auto catalog = load_catalog();
    if (!catalog) {
        std::cerr << "coitest: error: " << catalog.error().message << "\n";
        return static_cast<int>(ExitCode::usage);
    }
    cli.lint.input_limits.max_message_bytes = cli.max_size_mib << 20;
    // Per-requirement reports need every finding; the terminal alone needs only the non-passing.
    cli.lint.keep_passing_findings = !cli.reports.json.empty() || !cli.reports.html.empty() ||
                                     !cli.reports.junit.empty() || !cli.reports.markdown.empty() ||
                                     cli.verbose > 1;
    Printer printer(std::cout, reports::colour_wanted(1), cli.verbose);
    auto lookup = [&](std::string_view id) { return catalog->find(id); };
    auto run = messages::run_lint(cli.lint, lookup, std::cin, [&](const TestResult& t) {
        if (!cli.quiet || (t.verdict != Verdict::pass && t.verdict != Verdict::info))
            printer.test(t);
    });
    if (!run) {
        std::cerr << "coitest: error: " << run.error().message << "\n";
        return static_cast<int>(run.error().kind == ErrorKind::usage ? ExitCode::usage
                                                                     : ExitCode::environment);
    }
    for (const auto& e : run->input_errors) std::cerr << "coitest: " << e << "\n";
    return finish(run->run, cli.reports, printer, run->usage_error);
}

int run_spec_lint_command(SpecLintCli& cli) {
    auto catalog = load_catalog();
    if (!catalog) {
        std::cerr << "coitest: error: " << catalog.error().message << "\n";
        return static_cast<int>(ExitCode::usage);
    }
    Printer printer(std::cout, reports::colour_wanted(1), cli.verbose);
    auto run = messages::run_spec_lint(
        cli.specs, cli.key_files, [&](std::string_view id) { return catalog->find(id); },
        [&](const TestResult& t) { printer.test(t); });
    if (!run) {
        std::cerr << "coitest: error: " << run.error().message << "\n";
        return static_cast<int>(ExitCode::usage);
    }
    return finish(*run, cli.reports, printer, false);
}

}  // namespace

void add_lint_commands(CLI::App& app, int& exit_code) {
    auto lint = std::make_shared<LintCli>();
    auto* cmd = app.add_subcommand(
        "lint", "Judge messages a client wrote (.eml, mbox, Maildir, - for stdin)");
    cmd->add_option("files", lint->lint.inputs,
                    "Message files, mbox files, Maildir folders, or - for stdin");
    cmd->add_option(
        "--profile", lint->lint.profile,
        "Judge against this profile instead of recognising it: coi-client, chatmail-client, "
        "autocrypt, email");
    cmd->add_option(
           "--key", lint->lint.key_files,
           "Secret key file (armored or binary) to decrypt encrypted messages (repeatable)")
        ->allow_extra_args(false);  // one value per --key: the files after it stay inputs
    cmd->add_option(
           "--setup-code", lint->lint.setup_codes,
           "Setup Code (e.g. 1742-0185-...) that opens Autocrypt Setup Messages, so the secret key "
           "inside is judged too (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--max-size", lint->max_size_mib, "Largest message judged, MiB")
        ->check(CLI::Range(1, 1024));
    cmd->add_flag("--strict", lint->lint.strict, "Treat SHOULD failures (warn) as failures");
    cmd->add_flag("-v,--verbose", lint->verbose,
                  "Also show info findings and notes (-vv: every finding, passes included)");
    cmd->add_flag("-q,--quiet", lint->quiet, "Show only messages that did not pass");
    add_report_options(*cmd, lint->reports);
    cmd->callback([lint, &exit_code] { exit_code = run_lint_command(*lint); });

    auto spec = std::make_shared<SpecLintCli>();
    auto* sl = app.add_subcommand(
        "spec-lint",
        "Judge the example messages inside a specification against that specification's rules");
    sl->add_option("specs", spec->specs,
                   "Specification files (coi-client-spec.md, chatmail spec.md, level1.rst)")
        ->required();
    sl->add_option(
          "--key", spec->key_files,
          "Secret key file to decrypt encrypted examples (e.g. the Autocrypt appendix keys)")
        ->allow_extra_args(false);
    sl->add_flag("-v,--verbose", spec->verbose, "Also show info findings");
    add_report_options(*sl, spec->reports);
    sl->callback([spec, &exit_code] { exit_code = run_spec_lint_command(*spec); });
}

}  // namespace coitest::cli
