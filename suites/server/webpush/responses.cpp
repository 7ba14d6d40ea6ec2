// webpush-spec.md "Push Service Response Codes": what the server does when the push service
// answers 404/410 (the subscription is gone) or 429 with Retry-After (wait before trying again).
#include "suites/server/webpush/common.hpp"

#include <fmt/format.h>

namespace coitest::suites::webpush_suite {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

asio::awaitable<void> gone(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    const auto a = co_await subscribe_validated(ctx, run, s, 0, "all");
    const auto b = co_await subscribe_validated(ctx, run, s, 0, "all");
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);
    svc.set_reply(a.sub.id, pushservice::Reply::with_status(410));
    svc.set_reply(b.sub.id, pushservice::Reply::with_status(404));

    const auto m = webpush_message(ctx, 1, 0, false, "coitest to a gone endpoint");
    co_await deliver(ctx, m, 0);
    auto pa = co_await next_push(ctx, svc, a.sub.id);
    auto pb = co_await next_push(ctx, svc, b.sub.id);
    if (!pa && !pb)
        ctx.not_applicable(
            "neither subscription got a push for the delivered message (judged by "
            "webpush.push.new-message)");
    // The server acts on the answer after it got it: give it a moment, polling the listing.
    const auto until = std::min(Clock::now() + kQuietWindow, ctx.deadline());
    Listing listed;
    for (;;) {
        listed = co_await list_subscriptions(ctx, s);
        const bool settled = (!pa || !listed.find(a.id)) && (!pb || !listed.find(b.id));
        if (settled || Clock::now() >= until) break;
        co_await ctx.sleep(std::chrono::milliseconds(200));
    }
    if (pa) {
        const bool removed = listed.ok && !listed.find(a.id);
        ctx.check("webpush.response.gone", removed, "the subscription deleted after a 410 answer",
                  listed.ok ? "still listed" : listed.status, "GETMETADATA (DEPTH 1)");
        if (removed) run.removed(0, a.id);
    }
    if (pb) {
        const bool removed = listed.ok && !listed.find(b.id);
        ctx.check("webpush.response.gone", removed, "the subscription deleted after a 404 answer",
                  listed.ok ? "still listed" : listed.status, "GETMETADATA (DEPTH 1)");
        if (removed) run.removed(0, b.id);
    }
}

asio::awaitable<void> retry_after(TestContext& ctx, WebPushRun& run) {
    constexpr int kRetryAfter = 2;  // seconds
    auto s = co_await login_webpush(ctx, "c1", 0);
    const auto v = co_await subscribe_validated(ctx, run, s, 0, "all");
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);
    svc.set_reply(v.sub.id, pushservice::Reply::with_status(429, std::to_string(kRetryAfter)));

    const auto m = webpush_message(ctx, 1, 0, false, "coitest rate-limited");
    co_await deliver(ctx, m, 0);
    auto first = co_await next_push(ctx, svc, v.sub.id);
    if (!first)
        ctx.not_applicable(
            "no push arrived for the delivered message (judged by webpush.push.new-message)");
    svc.set_reply(v.sub.id, pushservice::Reply::created());
    auto again =
        co_await next_push(ctx, svc, v.sub.id, std::chrono::seconds(kRetryAfter) + kPushWindow);
    if (!again) {
        // Never retrying is allowed (the spec does not require a retry); too early is not.
        ctx.met("webpush.response.retry-after", "no retry after the 429");
        ctx.note("the server did not retry the push after 429");
        co_return;
    }
    const auto gap = again->received - first->received;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(gap).count();
    // 100 ms of slack: Retry-After counts whole seconds, our clock reads both arrivals.
    ctx.check("webpush.response.retry-after",
              gap >= std::chrono::milliseconds(kRetryAfter * 1000 - 100),
              fmt::format("the next push at least {} s after the 429 (Retry-After: {})",
                          kRetryAfter, kRetryAfter),
              fmt::format("the next push {} ms later", ms), "the push endpoint");
}

}  // namespace

void register_webpush_responses(Registry& r) {
    auto t =
        webpush_test("response.gone", "A subscription whose endpoint answers 404 or 410 is deleted",
                     "webpush-spec.Push-Service-Response-Codes", {"webpush.response.gone"},
                     {"push", "delivery"}, gone, 2);
    t.needs_delivery = true;
    r.add(std::move(t));
    t = webpush_test("response.retry-after",
                     "After 429 with Retry-After the server waits before pushing again",
                     "webpush-spec.Push-Service-Response-Codes", {"webpush.response.retry-after"},
                     {"push", "delivery"}, retry_after, 2);
    t.needs_delivery = true;
    r.add(std::move(t));
}

}  // namespace coitest::suites::webpush_suite
