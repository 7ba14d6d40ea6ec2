#include "runner/scheduler.hpp"

#include "runner/context.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <optional>

namespace coitest {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// After the deadline every network step has already failed; this grace only catches a test body
// that waits on something without a deadline (a bug), so the run never hangs.
constexpr auto kWatchdogGrace = std::chrono::seconds(2);

struct Slot {
    const TestCase* test = nullptr;
    std::optional<TestResult> result;
    std::vector<std::size_t> accounts;  // indices into target.accounts while running
    bool started = false;
    bool finished = false;
    Clock::time_point start;
};

}  // namespace

TestResult describe(const TestCase& test, const Catalog& catalog) {
    TestResult r;
    r.id = test.id;
    r.title = test.title;
    r.classname = test.classname;
    r.profile = test.profile;
    r.tags = test.tags;
    for (const auto& id : test.requirements) {
        RequirementRef ref{id, Level::must, {}, {}};
        if (const auto* req = catalog.find(id)) {
            ref.level = req->level;
            ref.spec = req->spec;
            ref.section = req->section;
        }
        r.requirements.push_back(std::move(ref));
    }
    return r;
}

Verdict verdict_from_findings(const std::vector<Finding>& findings) {
    Verdict v = Verdict::not_applicable;
    for (const auto& f : findings) v = worst(v, f.verdict);
    return v;
}

Scheduler::Scheduler(const Target& target, const Catalog& catalog, RunOptions options,
                     std::shared_ptr<asio::ssl::context> tls)
    : target_(target), catalog_(catalog), options_(options), tls_(std::move(tls)) {}

SuiteResult Scheduler::run(const std::vector<const TestCase*>& tests, RunObserver& observer,
                           bool& interrupted) {
    asio::io_context io;
    std::vector<Slot> slots(tests.size());
    for (std::size_t i = 0; i < tests.size(); ++i) slots[i].test = tests[i];
    std::vector<bool> account_busy(target_.accounts.size(), false);
    asio::steady_timer wake(io, Clock::time_point::max());
    std::size_t next = 0, running = 0, done = 0;

    auto finish = [&](Slot& slot, TestResult result) {
        if (slot.finished) return;  // the watchdog or the body got there first
        slot.finished = true;
        result.seconds = std::chrono::duration<double>(Clock::now() - slot.start).count();
        for (auto a : slot.accounts) account_busy[a] = false;
        slot.result = std::move(result);
        --running;
        ++done;
        observer.on_test_done(*slot.result);
        wake.cancel();
    };

    // Settles tests that cannot run, without a connection: not claimed, too few accounts.
    auto precheck = [&](const TestCase& t) -> std::optional<TestResult> {
        TestResult r = describe(t, catalog_);
        if (!target_.claims(t.profile)) {
            r.verdict = Verdict::not_applicable;
            r.reason = fmt::format("the target does not claim profile {}", t.profile);
            return r;
        }
        if (static_cast<std::size_t>(t.accounts) > target_.accounts.size()) {
            r.verdict = Verdict::error;
            r.reason = fmt::format("the test needs {} accounts; the target has {}", t.accounts,
                                   target_.accounts.size());
            return r;
        }
        return std::nullopt;
    };

    auto reserve = [&](Slot& slot) {
        std::vector<std::size_t> free;
        for (std::size_t a = 0;
             a < account_busy.size() && free.size() < std::size_t(slot.test->accounts); ++a)
            if (!account_busy[a]) free.push_back(a);
        if (free.size() < std::size_t(slot.test->accounts)) return false;
        for (auto a : free) account_busy[a] = true;
        slot.accounts = std::move(free);
        return true;
    };

    auto run_one = [&](Slot& slot) -> asio::awaitable<void> {
        const TestCase& t = *slot.test;
        const auto timeout = t.timeout.value_or(options_.test_timeout);
        std::vector<const Account*> accounts;
        for (auto a : slot.accounts) accounts.push_back(&target_.accounts[a]);
        ContextSettings settings{slot.start + timeout, options_.step_timeout,
                                 options_.connect_timeout, tls_};
        TestContext ctx(t, target_, catalog_, std::move(accounts), settings);
        TestResult result = describe(t, catalog_);
        try {
            co_await t.body(ctx);
            result.findings = ctx.take_findings();
            result.verdict = verdict_from_findings(result.findings);
            if (result.findings.empty()) {
                result.verdict = Verdict::error;
                result.reason = "the test finished without judging any requirement";
            }
        } catch (const NotApplicable& e) {
            result.findings = ctx.take_findings();
            result.verdict = Verdict::not_applicable;
            result.reason = e.what();
        } catch (const ErrorException& e) {
            result.findings = ctx.take_findings();
            result.verdict = Verdict::error;
            result.reason = e.error().message;
        } catch (const std::exception& e) {
            result.findings = ctx.take_findings();
            result.verdict = Verdict::error;
            result.reason = fmt::format("internal error in the test: {}", e.what());
        }
        if (result.verdict == Verdict::fail || result.verdict == Verdict::warn) {
            for (const auto& f : result.findings) {
                if (f.verdict == result.verdict) {
                    result.reason = fmt::format("{} {}: expected {} / seen {}", to_string(f.level),
                                                f.requirement, f.expected, f.seen);
                    break;
                }
            }
        }
        ctx.transcript().note("runner", fmt::format("verdict: {}", to_string(result.verdict)));
        result.transcript = ctx.transcript().take();
        finish(slot, std::move(result));
    };

    auto watchdog = [&](Slot& slot) -> asio::awaitable<void> {
        const auto timeout = slot.test->timeout.value_or(options_.test_timeout);
        asio::steady_timer timer(io, slot.start + timeout + kWatchdogGrace);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (slot.finished) co_return;
        TestResult r = describe(*slot.test, catalog_);
        r.verdict = Verdict::error;
        r.reason = fmt::format("the test did not finish within its time limit of {:.1f} s",
                               std::chrono::duration<double>(timeout).count());
        finish(slot, std::move(r));
    };

    bool stop = false;
    asio::signal_set signals(io);
    if (options_.handle_signals) {
        signals.add(SIGINT);
        signals.add(SIGTERM);
        signals.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            stop = true;
            interrupted = true;
            wake.cancel();
        });
    }

    auto drive = [&]() -> asio::awaitable<void> {
        const int jobs = std::max(1, options_.jobs);
        while (!stop && done < slots.size()) {
            // Launch in order; a test that waits for accounts keeps its place.
            while (!stop && next < slots.size() && running < std::size_t(jobs)) {
                Slot& slot = slots[next];
                if (auto settled = precheck(*slot.test)) {
                    slot.started = slot.finished = true;
                    slot.result = std::move(*settled);
                    ++done;
                    observer.on_test_done(*slot.result);
                    ++next;
                    continue;
                }
                if (!reserve(slot)) break;
                slot.started = true;
                slot.start = Clock::now();
                ++running;
                ++next;
                asio::co_spawn(io, run_one(slot), asio::detached);
                asio::co_spawn(io, watchdog(slot), asio::detached);
            }
            if (stop || done == slots.size()) break;
            wake.expires_at(Clock::time_point::max());
            co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        signals.cancel();
        io.stop();
    };
    asio::co_spawn(io, drive(), asio::detached);
    io.run();

    SuiteResult suite;
    suite.name = "server";
    for (auto& slot : slots) {
        if (slot.result) {
            suite.tests.push_back(std::move(*slot.result));
        } else if (slot.started) {
            TestResult r = describe(*slot.test, catalog_);
            r.verdict = Verdict::error;
            r.reason = "interrupted before the test finished";
            suite.tests.push_back(std::move(r));
        }
    }
    return suite;
}

}  // namespace coitest
