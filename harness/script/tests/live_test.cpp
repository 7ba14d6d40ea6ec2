// The suite's .coi scripts against the private Dovecot (ctest fixture `dovecot`): every
// imap-baseline script passes there and every coi-server script is not-applicable (no COI); a
// deliberately failing script yields a JUnit failure naming file:line with expected vs seen; a
// malformed one is an `error` naming file:line:col; waits and silence keep the connection; and the
// interpreter's cost per exchange, measured against the raw round trip.
#include "imap/session.hpp"
#include "reports/junit.hpp"
#include "runner/scheduler.hpp"
#include "script/loader.hpp"
#include "script/register.hpp"
#include "suites/server/common/sessions.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace coitest::script {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path source_root() {
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    return root ? fs::path(root) : fs::current_path();
}

const Catalog& catalog() {
    static const Catalog c = Catalog::load(source_root() / "suites/requirements").value();
    return c;
}

Target dovecot() {
    const char* dir = std::getenv("COITEST_DOVECOT_DIR");
    if (!dir) throw std::runtime_error("COITEST_DOVECOT_DIR is not set (run through ctest)");
    auto t = load_target(fs::path(dir) / "target.toml", {});
    if (!t) throw std::runtime_error(t.error().message);
    return *t;
}

ScriptHooks delivery_hooks() {
    ScriptHooks hooks;
    hooks.deliver = [](TestContext& ctx, const std::string& bytes, const std::string& id,
                       std::size_t to) -> asio::awaitable<void> {
        const suites::TestMessage m{id, bytes};
        co_await suites::deliver(ctx, m, to);
    };
    return hooks;
}

SuiteResult run(const Registry& registry, const Selection& selection, int jobs = 3,
                const std::vector<std::string>& claims = {}) {
    Target target = dovecot();
    target.profiles.insert(target.profiles.end(), claims.begin(), claims.end());
    RunOptions options;
    options.jobs = jobs;
    options.handle_signals = false;
    options.test_timeout = std::chrono::seconds(60);
    options.step_timeout = std::chrono::seconds(10);
    auto tls = net::make_client_tls_context(target.tls);
    if (!tls) throw std::runtime_error(tls.error().message);
    Scheduler scheduler(target, catalog(), options, *tls);
    RunObserver quiet;
    bool interrupted = false;
    return scheduler.run(registry.select(selection), quiet, interrupted);
}

std::string describe(const TestResult& r) {
    std::string s = fmt::format("{} {}: {}\n", r.id, to_string(r.verdict), r.reason);
    for (const auto& f : r.findings)
        s += fmt::format("  {} {} at {}: expected {} / seen {}\n", f.requirement,
                         to_string(f.verdict), f.where, f.expected, f.seen);
    return s;
}

std::string transcript(const TestResult& r) {
    std::string all;
    for (const auto& e : r.transcript) all += e.data;
    return all;
}

TEST(LiveScripts, EveryImapBaselineScriptPassesOnDovecot) {
    Registry registry;
    std::vector<Error> errors;
    register_script_suites(registry, source_root() / "suites/server/scripts", errors,
                           delivery_hooks());
    ASSERT_TRUE(errors.empty()) << errors.front().message;
    ASSERT_TRUE(registry.validate(catalog())) << registry.validate(catalog()).error().message;
    Selection baseline;
    baseline.profiles = {"imap-baseline"};
    ASSERT_GE(registry.select(baseline).size(), 12u);
    const auto suite = run(registry, baseline);
    ASSERT_EQ(suite.tests.size(), registry.select(baseline).size());
    for (const auto& t : suite.tests) {
        EXPECT_EQ(t.verdict, Verdict::pass) << describe(t);
        EXPECT_FALSE(t.findings.empty()) << t.id;
        // No password ever reaches a transcript.
        EXPECT_EQ(transcript(t).find("AUTHENTICATE PLAIN\r\nAGFsaWNl"), std::string::npos);
    }
}

// Dovecot has no COI: even when the target is said to claim coi-server, every coi-server script
// ends not-applicable, with a reason and without a finding (never a pass, never a failure).
TEST(LiveScripts, CoiServerScriptsAreNotApplicableOnDovecot) {
    Registry registry;
    std::vector<Error> errors;
    register_script_suites(registry, source_root() / "suites/server/scripts", errors,
                           delivery_hooks());
    ASSERT_TRUE(errors.empty()) << errors.front().message;
    Selection coi;
    coi.profiles = {"coi-server"};
    ASSERT_GE(registry.select(coi).size(), 15u);
    const auto suite = run(registry, coi, 3, {"coi-server"});
    ASSERT_EQ(suite.tests.size(), registry.select(coi).size());
    for (const auto& t : suite.tests) {
        EXPECT_EQ(t.verdict, Verdict::not_applicable) << describe(t);
        EXPECT_TRUE(t.findings.empty()) << describe(t);
        EXPECT_NE(t.reason.find("COI"), std::string::npos) << describe(t);
        EXPECT_EQ(t.reason.find("does not claim"), std::string::npos) << describe(t);
    }
}

// A script in a scratch folder, parsed and registered like the suite's.
struct Scratch {
    fs::path dir;
    explicit Scratch(const std::string& name)
        : dir(fs::path(::testing::TempDir()) / ("coitest-live-" + name)) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void write(const std::string& file, const std::string& text) const {
        std::ofstream(dir / file, std::ios::binary) << text;
    }
    SuiteResult run_all() const {
        Registry registry;
        std::vector<Error> errors;
        register_script_suites(registry, dir, errors, delivery_hooks());
        EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front().message);
        return run(registry, {});
    }
};

TEST(LiveScripts, FailingScriptGivesJUnitFailureWithFileLineExpectedSeen) {
    Scratch s("failing");
    // Dovecot answers an unknown command with BAD; this script wrongly expects NO, on line 11.
    s.write("failing.coi",
            "test: imap-baseline.live.deliberately-failing\n"
            "title: A script that expects the wrong status\n"
            "classname: rfc3501.7.1.3\n"
            "profile: imap-baseline\n"
            "requirement: rfc3501.command.unknown-bad MUST\n"
            "accounts: alice\n"
            "\n"
            "connect c1 as alice\n"
            "judge rfc3501.command.unknown-bad\n"
            "C: a XCOITEST-NO-SUCH-COMMAND\n"
            "S: a NO\n");
    const auto suite = s.run_all();
    ASSERT_EQ(suite.tests.size(), 1u);
    const TestResult& t = suite.tests[0];
    EXPECT_EQ(t.verdict, Verdict::fail) << describe(t);
    ASSERT_EQ(t.findings.size(), 1u) << describe(t);
    const Finding& f = t.findings[0];
    EXPECT_TRUE(f.where.ends_with("failing.coi:11")) << f.where;
    EXPECT_EQ(f.expected, "S: a NO");
    EXPECT_TRUE(f.seen.starts_with("a BAD ")) << f.seen;
    EXPECT_TRUE(
        t.reason.starts_with("MUST rfc3501.command.unknown-bad: expected S: a NO / seen "
                             "a BAD"))
        << t.reason;

    RunResult all;
    all.tool_version = "test";
    all.suites.push_back(suite);
    const std::string junit = reports::render_junit(all);
    EXPECT_NE(junit.find("<failure message=\"expected S: a NO / seen a BAD"), std::string::npos)
        << junit;
    EXPECT_NE(junit.find("failing.coi:11: expected S: a NO / seen a BAD"), std::string::npos)
        << junit;
    // The report validates against the strict schema, as CI consumers read it.
    const fs::path path = s.dir / "junit.xml";
    std::ofstream(path, std::ios::binary) << junit;
    const std::string cmd = "xmllint --noout --schema " +
                            (source_root() / "reports/schemas/junit-10.xsd").string() + " " +
                            path.string() + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << "JUnit does not validate: " << path;
    std::cout << "JUnit failure of the deliberately failing script:\n"
              << junit.substr(junit.find("<testcase"), 700) << "\n";
}

TEST(LiveScripts, MalformedScriptIsAnErrorNamingFileLineColumn) {
    Scratch s("malformed");
    s.write("malformed.coi",
            "test: imap-baseline.live.malformed\n"
            "title: A script with a typo\n"
            "classname: rfc3501.7.1.3\n"
            "profile: imap-baseline\n"
            "requirement: rfc3501.command.unknown-bad MUST\n"
            "accounts: alice\n"
            "connect c1 as alice\n"
            "judge rfc3501.command.unknown-bad\n"
            "C: a NOOP\n"
            "S: a OKAY\n");
    const auto suite = s.run_all();
    ASSERT_EQ(suite.tests.size(), 1u);
    EXPECT_EQ(suite.tests[0].verdict, Verdict::error);
    EXPECT_NE(suite.tests[0].reason.find("malformed.coi:10:6: 'OKAY' is not a status"),
              std::string::npos)
        << suite.tests[0].reason;
}

TEST(LiveScripts, SilenceAndWaitsKeepTheConnection) {
    Scratch s("silence");
    s.write("silence.coi",
            "test: imap-baseline.live.silence\n"
            "title: Nothing arrives in IDLE without a delivery, then EXISTS after one\n"
            "classname: rfc2177.3\n"
            "profile: imap-baseline\n"
            "requirement: rfc2177.idle.continuation MUST\n"
            "requirement: rfc3501.updates.exists MUST\n"
            "accounts: alice bob\n"
            "connect c1 as alice\n"
            "C: s SELECT INBOX\n"
            "S: s OK\n"
            "judge rfc2177.idle.continuation\n"
            "C: i IDLE\n"
            "S: +\n"
            "judge rfc3501.updates.exists\n"
            "# A delivery to another account must not show up here.\n"
            "deliver fixtures/plain.eml to bob from alice\n"
            "S!: * ... during 1500ms\n"
            "deliver fixtures/plain.eml to alice from bob as mid\n"
            "S: * ${=n} EXISTS within 10s\n"
            "judge rfc2177.idle.continuation\n"
            "C: DONE\n"
            "S: i OK\n"
            "C: f UID SEARCH HEADER Message-ID ${mid:quoted}\n"
            "S: * SEARCH ${=uid}\n"
            "S: f OK\n"
            "cleanup\n"
            "C: z UID STORE ${uid} +FLAGS.SILENT (\\Deleted)\n"
            "S: z OK\n"
            "C: y EXPUNGE\n"
            "S: y OK\n");
    fs::create_directories(s.dir / "fixtures");
    fs::copy_file(source_root() / "suites/server/scripts/fixtures/plain.eml",
                  s.dir / "fixtures/plain.eml");
    const auto suite = s.run_all();
    ASSERT_EQ(suite.tests.size(), 1u);
    EXPECT_EQ(suite.tests[0].verdict, Verdict::pass) << describe(suite.tests[0]);
}

// --- the interpreter's overhead per exchange ------------------------------------------------
// The same NOOP exchange three ways: a .coi loop, imap::Session::noop(), and the raw round trip
// (send_raw + read_response). Wall time depends on the server and on a machine shared with other
// builds, so each is run several times, interleaved, and the median is reported, together with
// this process's CPU time per exchange (the interpreter's own cost, whatever the server does).

constexpr int kExchanges = 1000;
constexpr int kRounds = 5;

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Sample {
    double wall_us = 0, cpu_us = 0;
};

struct DirectSamples {
    Sample session, raw;
};

asio::awaitable<void> direct_noops(TestContext& ctx, DirectSamples& out) {
    auto s = co_await suites::login_imap(ctx, "bench", 0);
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    for (int i = 0; i < kExchanges; ++i) {
        auto r = co_await s.noop();
        if (!r || !r->ok()) throw std::runtime_error("NOOP failed");
    }
    const auto t1 = Clock::now();
    const double c1 = cpu_seconds();
    for (int i = 0; i < kExchanges; ++i) {
        const std::string tag = s.next_tag();
        const std::string line = tag + " NOOP\r\n";
        auto sent = co_await s.send_raw(line);
        if (!sent) throw std::runtime_error(sent.error().message);
        for (;;) {
            auto r = co_await s.read_response(Clock::now() + std::chrono::seconds(10));
            if (!r) throw std::runtime_error(r.error().message);
            const auto* t = r->get<imap::Tagged>();
            if (t && t->tag == tag) break;
        }
    }
    const auto t2 = Clock::now();
    const double c2 = cpu_seconds();
    out.session = {std::chrono::duration<double>(t1 - t0).count() / kExchanges * 1e6,
                   (c1 - c0) / kExchanges * 1e6};
    out.raw = {std::chrono::duration<double>(t2 - t1).count() / kExchanges * 1e6,
               (c2 - c1) / kExchanges * 1e6};
    ctx.met("rfc3501.command.unknown-bad");
}

std::string bench_script(int n) {
    return fmt::format(
        "test: imap-baseline.live.bench\n"
        "title: NOOP x {0}\n"
        "classname: rfc3501.6.1.2\n"
        "profile: imap-baseline\n"
        "requirement: rfc3501.command.unknown-bad MUST\n"
        "accounts: alice\n"
        "connect c1 as alice\n"
        "judge rfc3501.command.unknown-bad\n"
        "repeat {0}\n"
        "  C: . NOOP\n"
        "  S: . OK\n"
        "end\n",
        n);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

TEST(LiveScripts, OverheadPerExchange) {
    Scratch one("bench-one"), many("bench-many");
    one.write("bench.coi", bench_script(1));
    many.write("bench.coi", bench_script(kExchanges));
    // What connecting, logging in and one NOOP cost in CPU, to subtract from the long run.
    const double c_one0 = cpu_seconds();
    const auto baseline = one.run_all();
    const double setup_cpu = cpu_seconds() - c_one0;
    ASSERT_EQ(baseline.tests.at(0).verdict, Verdict::pass) << describe(baseline.tests.at(0));

    std::vector<double> script_wall, script_cpu, session_wall, session_cpu, raw_wall, raw_cpu;
    for (int round = 0; round < kRounds; ++round) {
        const double c0 = cpu_seconds();
        const auto scripted = many.run_all();
        const double cpu = cpu_seconds() - c0 - setup_cpu;
        ASSERT_EQ(scripted.tests.size(), 1u);
        ASSERT_EQ(scripted.tests[0].verdict, Verdict::pass) << describe(scripted.tests[0]);
        // Wall time of the loop alone: from the first NOOP sent to the last response.
        double first = -1, last = 0;
        for (const auto& e : scripted.tests[0].transcript) {
            if (first < 0 && e.direction == Direction::client &&
                e.data.find(" NOOP") != std::string::npos)
                first = e.offset_seconds;
            if (e.direction == Direction::server) last = e.offset_seconds;
        }
        script_wall.push_back((last - first) / kExchanges * 1e6);
        script_cpu.push_back(cpu / (kExchanges - 1) * 1e6);

        DirectSamples d;
        Registry registry;
        TestCase direct;
        direct.id = "imap-baseline.live.bench-direct";
        direct.title = "NOOP through imap::Session";
        direct.classname = "rfc3501.6.1.2";
        direct.profile = "imap-baseline";
        direct.requirements = {"rfc3501.command.unknown-bad"};
        direct.accounts = 1;
        direct.body = [&d](TestContext& ctx) { return direct_noops(ctx, d); };
        registry.add(direct);
        const auto plain = run(registry, {});
        ASSERT_EQ(plain.tests.size(), 1u);
        ASSERT_EQ(plain.tests[0].verdict, Verdict::pass) << describe(plain.tests[0]);
        session_wall.push_back(d.session.wall_us);
        session_cpu.push_back(d.session.cpu_us);
        raw_wall.push_back(d.raw.wall_us);
        raw_cpu.push_back(d.raw.cpu_us);
    }
    const std::string report = fmt::format(
        "NOOP x {} (median of {} rounds), per exchange: .coi script {:.0f} us wall / {:.0f} us "
        "CPU; imap::Session::noop {:.0f} us / {:.0f} us CPU; raw send_raw+read_response {:.0f} us "
        "/ {:.0f} us CPU. Script vs raw: {:+.0f} us wall, {:+.0f} us CPU",
        kExchanges, kRounds, median(script_wall), median(script_cpu), median(session_wall),
        median(session_cpu), median(raw_wall), median(raw_cpu),
        median(script_wall) - median(raw_wall), median(script_cpu) - median(raw_cpu));
    std::cout << report << "\n";
    RecordProperty("overhead", report);
    // Not a timing assertion: only that everything was measured.
    EXPECT_GT(median(script_wall), 0);
    EXPECT_GT(median(raw_wall), 0);
}

}  // namespace
}  // namespace coitest::script
