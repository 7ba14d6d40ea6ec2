#include "cli/server_run.hpp"

#include "peer/server.hpp"
#include "pushservice/ca.hpp"
#include "reports/terminal.hpp"
#include "runner/catalog.hpp"
#include "runner/preflight.hpp"
#include "runner/scheduler.hpp"
#include "suites/server/register.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <stdlib.h>
#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <iostream>

namespace coitest::cli {

namespace {

std::string now_rfc3339() {
    return fmt::format(
        "{:%Y-%m-%dT%H:%M:%SZ}",
        fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

int usage_error(const Error& e) {
    std::cerr << "coitest: error: " << e.message << "\n";
    return static_cast<int>(ExitCode::usage);
}

// A private folder for the run's push-service CA, removed with everything in it at the end.
class TempDir {
  public:
    TempDir() = default;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    }
    Result<std::filesystem::path> create() {
        const auto base = std::filesystem::temp_directory_path() / "coitest-run-XXXXXX";
        std::string name = base.string();
        if (!::mkdtemp(name.data()))
            return make_error(ErrorKind::io, fmt::format("cannot create a folder in {}",
                                                         base.parent_path().string()));
        path_ = name;
        return path_;
    }

  private:
    std::filesystem::path path_;
};

// The reference peer on free loopback ports, as a target that claims what the peer implements.
// Its pushes go to coitest's push endpoint, whose CA (made for this run, in `scratch`) it trusts.
Result<Target> embedded_target(std::unique_ptr<peer::Server>& server, const TargetFlags& flags,
                               TempDir& scratch) {
    auto dir = scratch.create();
    if (!dir) return dir.error();
    const auto cert = *dir / "push-ca.pem";
    const auto key = *dir / "push-ca.key";
    bool created = false;
    if (auto ca = pushservice::load_or_create_ca(cert, key, created); !ca) return ca.error();
    peer::ServerOptions options;
    options.webpush.push_ca = cert;
    auto started = peer::Server::start(options);
    if (!started)
        return make_error(
            ErrorKind::internal,
            fmt::format("cannot start the embedded reference peer: {}", started.error().message));
    server = std::move(*started);
    Target t;
    t.name = "coitest reference peer (embedded)";
    t.profiles = {"imap-baseline", "coi-server", "webpush-server"};
    if (!flags.profiles.empty()) t.profiles = flags.profiles;
    t.imap = server->endpoints().imap;
    t.smtp = server->endpoints().submission;
    t.delivery = {DeliveryKind::lmtp, server->endpoints().lmtp};
    t.tls.ca_file = server->ca_file().string();
    t.webpush = WebPushEndpoint{cert, key, "127.0.0.1", ""};
    for (const auto& u : server->accounts())
        t.accounts.push_back({u.address, u.address, u.password});
    return t;
}

class ViewObserver : public RunObserver {
  public:
    explicit ViewObserver(reports::TerminalView& view) : view_(view) {}
    void on_test_done(const TestResult& r) override { view_.on_test_done(r); }

  private:
    reports::TerminalView& view_;
};

}  // namespace

int run_server_suite(const ServerRunOptions& options) {
    auto catalog = Catalog::load(default_catalog_dir());
    if (!catalog) return usage_error(catalog.error());
    Registry registry;
    std::vector<Error> unloadable;
    suites::register_server_suites(registry, unloadable);
    if (auto v = registry.validate(*catalog); !v) return usage_error(v.error());
    // The other tests still run; the run cannot end clean (exit 3 unless something failed).
    for (const auto& e : unloadable) std::cerr << "coitest: error: " << e.message << "\n";

    // With no target, the reference peer (DESIGN §7) runs in-process for the whole run.
    TempDir scratch;  // declared before the peer: the peer stops before its CA folder goes
    std::unique_ptr<peer::Server> embedded;
    Result<Target> target = make_error(ErrorKind::internal, "no target");
    if (!options.target_file && options.target_flags.imap.empty()) {
        auto started = embedded_target(embedded, options.target_flags, scratch);
        if (!started) return usage_error(started.error());
        target = std::move(*started);
    } else {
        target = load_target(options.target_file, options.target_flags);
    }
    if (!target) return usage_error(target.error());
    if (target->tls.insecure)
        std::cerr << "coitest: warning: --insecure: TLS certificates and host names are NOT "
                     "verified; a verdict over TLS proves nothing about who answered\n";
    auto tls = net::make_client_tls_context(target->tls);
    if (!tls) return usage_error(tls.error());

    const auto tests = registry.select(options.selection);
    if (tests.empty())
        return usage_error(make_error(ErrorKind::usage,
                                      "no test matches the selection (see "
                                      "`coitest list`)"));

    RunResult run;
    run.tool_version = COITEST_VERSION;
    run.started_at = now_rfc3339();
    run.target = fmt::format("{} ({})", target->name, target->describe());
    run.profiles = target->profiles;
    run.strict = options.strict;
    const auto started = std::chrono::steady_clock::now();

    reports::TerminalView view(std::cout, reports::colour_wanted(STDOUT_FILENO), options.verbose);
    view.on_run_start(tests.size());
    const auto to_ms = [](double s) {
        return std::chrono::milliseconds(static_cast<long long>(s * 1000));
    };

    int code = -1;
    if (auto pre = preflight(*target, *tls, std::min(to_ms(options.step_timeout_s), to_ms(5)));
        !pre) {
        // Nothing can run: every selected test is an error with this one reason.
        SuiteResult suite{"server", {}};
        for (const auto* t : tests) {
            TestResult r = describe(*t, *catalog);
            r.verdict = Verdict::error;
            r.reason = pre.error().message;
            suite.tests.push_back(std::move(r));
        }
        run.suites.push_back(std::move(suite));
        run.interrupted = pre.error().kind == ErrorKind::interrupted;
        std::cerr << "coitest: error: " << pre.error().message << "\n";
        code = static_cast<int>(ExitCode::environment);
    } else {
        RunOptions ro;
        ro.jobs = options.jobs;
        ro.test_timeout = to_ms(options.test_timeout_s);
        ro.step_timeout = to_ms(options.step_timeout_s);
        Scheduler scheduler(*target, *catalog, ro, *tls);
        ViewObserver observer(view);
        bool interrupted = false;
        run.suites.push_back(scheduler.run(tests, observer, interrupted));
        run.interrupted = interrupted;
        code = static_cast<int>(exit_code_for(run));
        if (!unloadable.empty() && code == 0) code = static_cast<int>(ExitCode::environment);
        if (interrupted) {
            std::cerr << "coitest: interrupted; reports hold the tests that finished\n";
            if (code == 0) code = static_cast<int>(ExitCode::environment);
        }
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (auto w = reports::write_reports(run, options.reports); !w) {
        std::cerr << "coitest: error: " << w.error().message << "\n";
        if (code == 0) code = static_cast<int>(ExitCode::environment);
    }
    view.on_run_end(run, options.reports);
    return code;
}

}  // namespace coitest::cli
