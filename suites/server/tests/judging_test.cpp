// Deliberately wrong servers: each imap-baseline check must fail (with a readable expected/seen
// and the transcript) on a broken answer, and pass on a correct one.
#include "runner/scheduler.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"
#include "suites/server/tests/fake_imap.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <thread>

namespace coitest::suites {
namespace {

namespace asio = boost::asio;
using coitest::testing::FakePeer;
using testing::Answer;
using testing::polite;
using testing::scripted_imap;

Catalog shipped_catalog() {
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    return Catalog::load(std::string(root ? root : ".") + "/suites/requirements").value();
}

// Runs the imap-baseline test `id` against a scripted server answering with `answer`.
TestResult run_against(const std::string& id, Answer answer) {
    asio::io_context peer_io;
    FakePeer peer(peer_io, scripted_imap("* OK fake ready\r\n", std::move(answer)));
    std::thread peer_thread([&] { peer_io.run(); });

    Registry registry;
    register_imap_baseline(registry);
    const Catalog catalog = shipped_catalog();
    Target target;
    target.name = "fake";
    target.profiles = {"imap-baseline"};
    target.imap =
        net::Endpoint{net::Protocol::imap, net::Security::plain, "127.0.0.1", peer.port()};
    target.accounts = {{"alice@example.org", "alice@example.org", "hunter2"}};
    RunOptions options;
    options.handle_signals = false;
    options.test_timeout = std::chrono::seconds(5);
    options.step_timeout = std::chrono::seconds(2);
    Scheduler scheduler(target, catalog, options, nullptr);
    Selection only{{id}, {}, {}, {}};
    RunObserver quiet;
    bool interrupted = false;
    auto suite = scheduler.run(registry.select(only), quiet, interrupted);
    peer_io.stop();
    peer_thread.join();
    EXPECT_EQ(suite.tests.size(), 1u);
    return suite.tests.empty() ? TestResult{} : suite.tests.front();
}

std::string transcript_text(const TestResult& r) {
    std::string all;
    for (const auto& e : r.transcript) all += e.data;
    return all;
}

TEST(Judging, MissingImap4rev1Fails) {
    auto broken = run_against("imap-baseline.capability.imap4rev1", [](auto& tag, auto& cmd) {
        return polite(tag, cmd, "IMAP4 AUTH=PLAIN");
    });
    EXPECT_EQ(broken.verdict, Verdict::fail) << broken.reason;
    EXPECT_NE(
        broken.reason.find(
            "expected S: * CAPABILITY ... IMAP4rev1 ... / seen * CAPABILITY IMAP4 AUTH=PLAIN"),
        std::string::npos)
        << broken.reason;
    EXPECT_NE(transcript_text(broken).find("* CAPABILITY IMAP4 AUTH=PLAIN"), std::string::npos);

    auto good = run_against("imap-baseline.capability.imap4rev1",
                            [](auto& tag, auto& cmd) { return polite(tag, cmd); });
    EXPECT_EQ(good.verdict, Verdict::pass) << good.reason;
}

TEST(Judging, LoginWithAWrongPasswordAcceptedFails) {
    auto broken = run_against("imap-baseline.login.invalid",
                              [](auto& tag, auto& cmd) { return polite(tag, cmd); });
    EXPECT_EQ(broken.verdict, Verdict::fail) << broken.reason;
    EXPECT_NE(broken.reason.find("rfc3501.login.invalid-credentials"), std::string::npos);

    auto good = run_against("imap-baseline.login.invalid", [](auto& tag, auto& cmd) -> std::string {
        if (cmd.rfind("LOGIN", 0) == 0) return tag + " NO [AUTHENTICATIONFAILED] nope\r\n";
        if (cmd.rfind("LIST", 0) == 0) return tag + " BAD not authenticated\r\n";
        return polite(tag, cmd);
    });
    EXPECT_EQ(good.verdict, Verdict::pass) << good.reason;
}

TEST(Judging, UnknownCommandAcceptedFails) {
    auto broken = run_against("imap-baseline.command.unknown-bad",
                              [](auto& tag, auto& cmd) { return polite(tag, cmd); });
    EXPECT_EQ(broken.verdict, Verdict::fail) << broken.reason;
    EXPECT_NE(broken.reason.find("expected S: a BAD / seen a OK"), std::string::npos)
        << broken.reason;

    auto good =
        run_against("imap-baseline.command.unknown-bad", [](auto& tag, auto& cmd) -> std::string {
            if (cmd.rfind("XCOITEST", 0) == 0) return tag + " BAD unknown command\r\n";
            return polite(tag, cmd);
        });
    EXPECT_EQ(good.verdict, Verdict::pass) << good.reason;
}

TEST(Judging, PasswordsNeverReachTheTranscript) {
    auto r = run_against("imap-baseline.login.valid",
                         [](auto& tag, auto& cmd) { return polite(tag, cmd); });
    EXPECT_EQ(r.verdict, Verdict::pass) << r.reason;
    const std::string all = transcript_text(r);
    EXPECT_NE(all.find("LOGIN"), std::string::npos);
    EXPECT_EQ(all.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace coitest::suites
