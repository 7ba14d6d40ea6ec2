// RFC 2177 §3 (IDLE) and RFC 3501 §5.2 (mailbox size updates while a command runs).
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"

#include <fmt/format.h>

namespace coitest::suites {

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// How long a delivered message may take to show up in IDLE. Dovecot batches notifications for
// about 0.5 s; a COI client user would call anything beyond a few seconds broken.
constexpr auto kArrivalWindow = 10s;

asio::awaitable<void> idle_exists_on_delivery(TestContext& ctx) {
    auto s = co_await login_imap(ctx, "c1", 0);
    auto caps = co_await s.capability();
    ctx.need(std::move(caps), "CAPABILITY");
    if (!ctx.check("rfc2177.idle.capability", s.has_capability("IDLE"),
                   "IDLE in the capability list", "not advertised", "CAPABILITY"))
        co_return;
    auto sel = co_await s.select("INBOX");
    auto selected = ctx.need(std::move(sel), "SELECT INBOX");
    if (!selected.result.ok())
        ctx.environment_error(
            fmt::format("SELECT INBOX answered {}", describe_status(selected.result)));
    const std::uint32_t before = selected.value.exists.value_or(0);

    auto start = co_await s.idle_start();
    auto idle = ctx.need(std::move(start), "IDLE");
    if (!ctx.check("rfc2177.idle.continuation", idle.accepted, "a continuation request (+)",
                   idle.accepted ? "+" : describe_status(idle.result), "IDLE"))
        co_return;

    const auto m = make_message(ctx, 0, 0, "coitest idle", "does IDLE see me?");
    co_await deliver(ctx, m, 0);
    const auto delivered_at = net::Clock::now();
    auto waited = co_await s.wait_for(
        [before](const imap::Response& r) {
            const auto* e = r.get<imap::Exists>();
            return e && e->count > before;
        },
        delivered_at + kArrivalWindow);
    auto exists = ctx.need(std::move(waited), "waiting for EXISTS in IDLE");
    const double after = std::chrono::duration<double>(net::Clock::now() - delivered_at).count();
    if (!ctx.check("rfc3501.updates.exists", exists.has_value(),
                   fmt::format("untagged EXISTS above {} within {} s of delivery", before,
                               kArrivalWindow.count()),
                   "nothing", "IDLE"))
        co_return;  // the connection timed out waiting: DONE cannot be sent any more
    ctx.note(fmt::format("EXISTS arrived {:.3f} s after delivery", after));
    auto done = co_await s.idle_done();
    auto completion = ctx.need(std::move(done), "DONE");
    ctx.check("rfc2177.idle.continuation", completion.ok(), "tagged OK after DONE",
              describe_status(completion), "DONE");
}

}  // namespace

void register_baseline_idle(Registry& r) {
    auto t = baseline_test(
        "idle.exists-on-delivery", "IDLE reports EXISTS when a message is delivered", "rfc2177.3",
        {"rfc2177.idle.capability", "rfc2177.idle.continuation", "rfc3501.updates.exists"},
        {"idle", "delivery"}, idle_exists_on_delivery);
    t.needs_delivery = true;
    r.add(std::move(t));
}

}  // namespace coitest::suites
