#include "runner/scheduler.hpp"
#include "runner/context.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>

namespace coitest {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Catalog catalog() {
    return Catalog::parse(R"(
spec = "RFC 0000"
[[requirement]]
id = "r.must"
level = "MUST"
summary = "m"
[[requirement]]
id = "r.should"
level = "SHOULD"
summary = "s"
[[requirement]]
id = "r.may"
level = "MAY"
summary = "y"
)",
                          "c")
        .value();
}

Target target(int accounts = 3) {
    Target t;
    t.name = "unit";
    t.profiles = {"imap-baseline"};
    for (int i = 0; i < accounts; ++i)
        t.accounts.push_back(
            {"u" + std::to_string(i) + "@x", "u" + std::to_string(i), "pw" + std::to_string(i)});
    return t;
}

TestCase make(std::string id, TestBody body, std::string profile = "imap-baseline") {
    TestCase t;
    t.id = std::move(id);
    t.classname = "rfc0000.1";
    t.profile = std::move(profile);
    t.requirements = {"r.must", "r.should", "r.may"};
    t.body = std::move(body);
    return t;
}

struct Collect : RunObserver {
    std::vector<std::string> done;
    void on_test_done(const TestResult& r) override { done.push_back(r.id); }
};

std::map<std::string, TestResult> run(const std::vector<TestCase>& tests, RunOptions o = {},
                                      const Target& t = target()) {
    const Catalog c = catalog();
    o.handle_signals = false;
    Scheduler s(t, c, o, nullptr);
    std::vector<const TestCase*> ptrs;
    for (const auto& x : tests) ptrs.push_back(&x);
    Collect obs;
    bool interrupted = false;
    auto suite = s.run(ptrs, obs, interrupted);
    EXPECT_EQ(obs.done.size(), tests.size());
    std::map<std::string, TestResult> out;
    for (auto& r : suite.tests) out[r.id] = r;
    return out;
}

TEST(Scheduler, VerdictsFollowLevelsAndOutcomes) {
    std::vector<TestCase> tests = {
        make("pass",
             [](TestContext& c) -> asio::awaitable<void> {
                 c.check("r.must", true, "x", "x");
                 co_return;
             }),
        make("fail",
             [](TestContext& c) -> asio::awaitable<void> {
                 c.check("r.should", false, "a", "b");
                 c.check("r.must", false, "OK", "NO");
                 co_return;
             }),
        make("warn",
             [](TestContext& c) -> asio::awaitable<void> {
                 c.check("r.must", true, "", "");
                 c.check("r.should", false, "a", "b");
                 co_return;
             }),
        make("info",
             [](TestContext& c) -> asio::awaitable<void> {
                 c.observed("r.may", "chose B");
                 co_return;
             }),
        make("na",
             [](TestContext& c) -> asio::awaitable<void> {
                 c.not_applicable("no METADATA");
                 co_return;
             }),
        make("error",
             [](TestContext& c) -> asio::awaitable<void> {
                 c.need(Result<int>(make_error(ErrorKind::network, "refused")), "connecting");
                 co_return;
             }),
        make("judged-nothing", [](TestContext&) -> asio::awaitable<void> { co_return; }),
        make("undeclared",
             [](TestContext& c) -> asio::awaitable<void> {
                 c.met("r.other");
                 co_return;
             }),
        make(
            "other-profile",
            [](TestContext& c) -> asio::awaitable<void> {
                c.met("r.must");
                co_return;
            },
            "coi-server"),
    };
    auto r = run(tests);
    EXPECT_EQ(r["pass"].verdict, Verdict::pass);
    EXPECT_EQ(r["fail"].verdict, Verdict::fail);
    EXPECT_NE(r["fail"].reason.find("expected OK / seen NO"), std::string::npos)
        << r["fail"].reason;
    EXPECT_EQ(r["warn"].verdict, Verdict::warn);
    EXPECT_EQ(r["info"].verdict, Verdict::info);
    EXPECT_EQ(r["na"].verdict, Verdict::not_applicable);
    EXPECT_EQ(r["na"].reason, "no METADATA");
    EXPECT_EQ(r["error"].verdict, Verdict::error);
    EXPECT_EQ(r["error"].reason, "connecting: refused");
    EXPECT_EQ(r["judged-nothing"].verdict, Verdict::error);
    EXPECT_EQ(r["undeclared"].verdict, Verdict::error);
    EXPECT_EQ(r["other-profile"].verdict, Verdict::not_applicable);
    EXPECT_NE(r["other-profile"].reason.find("coi-server"), std::string::npos);
    EXPECT_FALSE(r["fail"].transcript.empty());  // the judge's note and the verdict are recorded
}

TEST(Scheduler, RunsTestsConcurrentlyWithExclusiveAccounts) {
    int running = 0, peak = 0;
    std::map<std::string, int> holders;  // account address -> tests holding it now
    bool overlap = false;
    auto body = [&](TestContext& c) -> asio::awaitable<void> {
        ++running;
        peak = std::max(peak, running);
        const std::string a = c.account(0).address;
        if (++holders[a] > 1) overlap = true;
        co_await c.sleep(50ms);
        --holders[a];
        --running;
        c.met("r.must");
    };
    std::vector<TestCase> tests;
    for (int i = 0; i < 8; ++i) tests.push_back(make("t" + std::to_string(i), body));
    RunOptions o;
    o.jobs = 4;
    auto r = run(tests, o, target(3));  // 3 accounts cap concurrency at 3
    EXPECT_EQ(r.size(), 8u);
    for (auto& [id, res] : r) EXPECT_EQ(res.verdict, Verdict::pass) << id << res.reason;
    EXPECT_EQ(peak, 3);
    EXPECT_FALSE(overlap);

    peak = 0;
    o.jobs = 1;
    run(tests, o, target(3));
    EXPECT_EQ(peak, 1);
}

TEST(Scheduler, TooFewAccountsIsAnError) {
    auto t = make("two", [](TestContext& c) -> asio::awaitable<void> {
        c.met("r.must");
        co_return;
    });
    t.accounts = 2;
    auto r = run({t}, {}, target(1));
    EXPECT_EQ(r["two"].verdict, Verdict::error);
    EXPECT_NE(r["two"].reason.find("needs 2 accounts"), std::string::npos);
}

TEST(Scheduler, AHungTestBodyIsStoppedByTheWatchdog) {
    auto t = make("hang", [](TestContext& c) -> asio::awaitable<void> {
        // A deadline-less wait: exactly the bug the watchdog exists for.
        asio::steady_timer forever(co_await asio::this_coro::executor, std::chrono::hours(1));
        co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
        c.met("r.must");
    });
    t.timeout = 100ms;
    auto r = run({t});
    EXPECT_EQ(r["hang"].verdict, Verdict::error);
    EXPECT_NE(r["hang"].reason.find("time limit"), std::string::npos);
}

TEST(Scheduler, PasswordsNeverReachTheTranscript) {
    auto t = make("leak", [](TestContext& c) -> asio::awaitable<void> {
        c.note("sending " + c.account(0).password);
        c.met("r.must");
        co_return;
    });
    auto r = run({t});
    for (const auto& e : r["leak"].transcript)
        EXPECT_EQ(e.data.find("pw0"), std::string::npos) << e.data;
}

}  // namespace
}  // namespace coitest
