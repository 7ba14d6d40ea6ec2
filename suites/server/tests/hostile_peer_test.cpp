// Hostile and broken servers: every one must end as an `error` verdict within the test's time
// limit, with bounded memory and reports that still validate. Never a crash or a hang.
#include "reports/junit.hpp"
#include "runner/scheduler.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"
#include "suites/server/tests/fake_imap.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <fstream>
#include <thread>

namespace coitest::suites {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using coitest::testing::FakePeer;
using coitest::testing::PeerScript;
using coitest::testing::PeerSocket;

constexpr auto kTestTimeout = 4s;

long max_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

struct Outcome {
    TestResult result;
    double seconds = 0;
    long rss_growth_kb = 0;
};

Outcome run_against(PeerScript script, net::Security security = net::Security::plain,
                    bool implicit_tls_peer = false) {
    asio::io_context peer_io;
    FakePeer peer(peer_io, std::move(script), implicit_tls_peer);
    std::thread peer_thread([&] { peer_io.run(); });

    Registry registry;
    register_imap_baseline(registry);
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    const Catalog catalog =
        Catalog::load(std::string(root ? root : ".") + "/suites/requirements").value();
    Target target;
    target.profiles = {"imap-baseline"};
    target.imap = net::Endpoint{net::Protocol::imap, security, "127.0.0.1", peer.port()};
    target.accounts = {{"alice@example.org", "alice@example.org", "hunter2"}};
    net::TlsOptions tls_options{FakePeer::fixture_path("ca.pem"), false};
    RunOptions options;
    options.handle_signals = false;
    options.test_timeout = kTestTimeout;
    options.step_timeout = 1500ms;
    options.connect_timeout = 1500ms;
    Scheduler scheduler(target, catalog, options,
                        net::make_client_tls_context(tls_options).value());
    Selection only{{"imap-baseline.login.valid"}, {}, {}, {}};
    RunObserver quiet;
    bool interrupted = false;
    const long rss_before = max_rss_kb();
    const auto start = std::chrono::steady_clock::now();
    auto suite = scheduler.run(registry.select(only), quiet, interrupted);
    Outcome out;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.rss_growth_kb = max_rss_kb() - rss_before;
    peer_io.stop();
    peer_thread.join();
    EXPECT_EQ(suite.tests.size(), 1u);
    if (!suite.tests.empty()) out.result = suite.tests.front();
    return out;
}

// The JUnit report of `result` validates against the schema (xmllint, as CI consumers would).
void expect_valid_junit(const TestResult& result, const std::string& name) {
    RunResult run;
    run.tool_version = "test";
    run.suites.push_back({"server", {result}});
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    const std::string path = ::testing::TempDir() + "hostile-" + name + ".xml";
    std::ofstream(path, std::ios::binary) << reports::render_junit(run);
    const std::string cmd = "xmllint --noout --schema " + std::string(root ? root : ".") +
                            "/reports/schemas/junit-10.xsd " + path + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0)
        << "JUnit for " << name << " does not validate: " << path;
}

void expect_error_in_time(const Outcome& o, const std::string& name, std::string_view reason_part) {
    EXPECT_EQ(o.result.verdict, Verdict::error) << name << ": " << o.result.reason;
    EXPECT_NE(o.result.reason.find(reason_part), std::string::npos)
        << name << ": " << o.result.reason;
    // Not a performance assertion: it tells "ended by a deadline" from "hung until the watchdog".
    EXPECT_LT(o.seconds, std::chrono::duration<double>(kTestTimeout).count() + 1.0) << name;
    EXPECT_LT(o.rss_growth_kb, 64 * 1024)
        << name << " grew memory by " << o.rss_growth_kb << " KiB";
    expect_valid_junit(o.result, name);
}

TEST(HostilePeer, EndlessLine) {
    auto o = run_against([](PeerSocket& p) -> asio::awaitable<void> {
        if (!co_await p.send("* OK ")) co_return;
        const std::string chunk(16 * 1024, 'x');
        while (co_await p.send(chunk)) {
        }
    });
    expect_error_in_time(o, "endless-line", "line");
}

TEST(HostilePeer, HugeLiteralAnnouncement) {
    auto o = run_against(testing::scripted_imap("* OK hi\r\n", [](auto& tag, auto&) {
        return "* CAPABILITY {99999999999}\r\n" + tag + " OK\r\n";
    }));
    expect_error_in_time(o, "huge-literal", "literal");
}

TEST(HostilePeer, SlowDrip) {
    auto o = run_against([](PeerSocket& p) -> asio::awaitable<void> {
        // One byte every 300 ms: every read succeeds, the greeting never ends.
        for (const char c : std::string("* OK slowly, ever so slowly, the server speaks\r\n")) {
            if (!co_await p.send(std::string(1, c))) co_return;
            co_await p.sleep(300ms);
        }
    });
    expect_error_in_time(o, "slow-drip", "");
}

TEST(HostilePeer, CloseMidLiteral) {
    auto o = run_against([](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK hi\r\n");
        (void)co_await p.read_until("\r\n");
        co_await p.send("* CAPABILITY {100}\r\nIMAP4rev1 AUTH");
        p.close();
    });
    expect_error_in_time(o, "close-mid-literal", "closed");
}

TEST(HostilePeer, TlsHandshakeFailure) {
    // The target says imaps://, the peer answers in plain text.
    auto o = run_against(
        [](PeerSocket& p) -> asio::awaitable<void> {
            co_await p.send("* OK this is not TLS at all\r\n");
            co_await p.sleep(2000ms);
        },
        net::Security::tls);
    expect_error_in_time(o, "tls-handshake", "TLS");
}

TEST(HostilePeer, InvalidUtf8) {
    auto o = run_against(testing::scripted_imap(
        "* OK h\xff\xfe\xc3(llo \x1b[31mred\r\n", [](auto& tag, auto& cmd) -> std::string {
            if (cmd.rfind("LOGIN", 0) == 0) return tag + " OK \xc0\xaf\xed\xa0\x80 fine\r\n";
            return testing::polite(tag, cmd);
        }));
    // Text a server puts in human-readable places is not judged: the verdict is about meaning.
    EXPECT_NE(o.result.verdict, Verdict::error) << o.result.reason;
    expect_valid_junit(o.result, "invalid-utf8");
}

TEST(HostilePeer, ResponseFlood) {
    auto o = run_against([](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK hi\r\n");
        (void)co_await p.read_until("\r\n");
        std::string burst;
        for (int i = 0; i < 1000; ++i) burst += "* OK [ALERT] flood\r\n";
        while (co_await p.send(burst)) {
        }
    });
    expect_error_in_time(o, "flood", "");
}

TEST(HostilePeer, GarbageResponse) {
    auto o = run_against(testing::scripted_imap(
        "* OK hi\r\n", [](auto& tag, auto&) { return tag + " MAYBE (((\r\n"; }));
    expect_error_in_time(o, "garbage", "");
}

}  // namespace
}  // namespace coitest::suites
