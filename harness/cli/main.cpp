// The coitest executable: subcommands of DESIGN §11. Only this file sees CLI11 (slow to compile).
#include "cli/check_scripts_command.hpp"
#include "cli/lint_command.hpp"
#include "cli/list_run.hpp"
#include "cli/serve_command.hpp"
#include "cli/server_run.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

using namespace coitest;

void add_selection(CLI::App& cmd, Selection& s) {
    cmd.add_option("--filter", s.filters, "Run only tests whose ID matches this glob (repeatable)");
    cmd.add_option("--exclude", s.excludes, "Skip tests whose ID matches this glob (repeatable)");
    cmd.add_option("--tag", s.tags, "Run only tests carrying this tag (repeatable)");
}

void add_reports(CLI::App& cmd, reports::ReportPaths& p) {
    cmd.add_option("--junit", p.junit, "Write JUnit XML here");
    cmd.add_option("--json", p.json, "Write JSON results here (docs/results-json.md)");
    cmd.add_option("--html", p.html, "Write a self-contained HTML report here");
    cmd.add_option("--md", p.markdown, "Write a Markdown summary here");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "coitest — conformance and interoperability tests for COI (Chat-Over-IMAP) "
        "servers and clients"};
    app.set_version_flag("--version", std::string("coitest ") + COITEST_VERSION);
    app.require_subcommand(1);
    app.footer(
        "Exit codes: 0 no MUST failed; 1 a requirement failed (or a SHOULD with "
        "--strict); 2 usage or configuration error; 3 environment error.\nDocs: README.md, "
        "docs/target.md, docs/catalog.md, docs/results-json.md");
    int exit_code = 0;

    // coitest server
    cli::ServerRunOptions server;
    std::string target_file;
    auto* srv = app.add_subcommand(
        "server",
        "Run the server suite against a target (none given: the embedded reference peer)");
    srv->add_option("--target", target_file, "Target file (TOML, see docs/target.md)");
    srv->add_option("--imap", server.target_flags.imap,
                    "IMAP endpoint: imap://, imaps:// or imap+starttls://HOST:PORT");
    srv->add_option("--smtp", server.target_flags.smtp,
                    "Submission endpoint: smtp[s|+starttls]://");
    srv->add_option("--deliver", server.target_flags.deliver,
                    "How tests inject mail: lmtp://HOST:PORT, smtp://HOST:PORT or imap-append");
    srv->add_option("--account", server.target_flags.accounts,
                    "ADDRESS:PASSWORD_FILE or ADDRESS:env:VARIABLE (repeatable; replaces the "
                    "file's accounts)");
    srv->add_option("--profile", server.target_flags.profiles,
                    "Profile the target claims (repeatable): imap-baseline, coi-server, "
                    "webpush-server. Tests of unclaimed profiles still run as not-applicable; "
                    "select tests with --filter");
    srv->add_option("--ca-file", server.target_flags.ca_file, "Verify TLS against this CA bundle");
    srv->add_flag("--insecure", server.target_flags.insecure,
                  "Do not verify TLS certificates (prints a warning)");
    srv->add_option("-j,--jobs", server.jobs, "Tests run at once")->check(CLI::Range(1, 64));
    srv->add_option("--timeout", server.test_timeout_s, "Per-test time limit, seconds")
        ->check(CLI::Range(0.1, 3600.0));
    srv->add_option("--step-timeout", server.step_timeout_s,
                    "Time limit for one exchange with the server, seconds")
        ->check(CLI::Range(0.1, 600.0));
    srv->add_flag("--strict", server.strict, "Treat SHOULD failures (warn) as failures");
    srv->add_flag("-v,--verbose", server.verbose, "Show findings and transcripts in the terminal");
    add_selection(*srv, server.selection);
    add_reports(*srv, server.reports);
    srv->callback([&] {
        if (!target_file.empty()) server.target_file = target_file;
        exit_code = cli::run_server_suite(server);
    });

    // coitest list
    cli::ListOptions list;
    auto* lst = app.add_subcommand("list", "List the tests (or requirements) without running");
    lst->add_option("--format", list.format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    lst->add_flag("--requirements", list.requirements, "List the requirement catalog instead");
    lst->add_option("--profile", list.selection.profiles,
                    "Only tests of this profile (repeatable)");
    add_selection(*lst, list.selection);
    lst->callback([&] { exit_code = cli::run_list(list); });

    // coitest lint, coitest spec-lint
    cli::add_lint_commands(app, exit_code);
    // coitest serve
    cli::add_serve_command(app, exit_code);
    // coitest check-scripts
    cli::add_check_scripts_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "coitest: error: " << e.what() << " (see coitest --help)\n";
        return 2;
    }
    return exit_code;
}
