// webpush-spec.md "Subscribe", "Unsubscribe" and "List Existing Subscriptions": what the server
// accepts and how it stores and lists subscriptions. Pushes are not needed here (the endpoint
// runs, but the server need not trust it).
#include "suites/server/webpush/common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <regex>

namespace coitest::suites::webpush_suite {

namespace {

namespace asio = boost::asio;
using json = nlohmann::json;

// RFC 3339 date-time (ISO 8601 profile): 2019-10-16T16:14:17+00:00, with optional fraction,
// Z or a numeric offset.
bool is_rfc3339(const std::string& s) {
    static const std::regex re(
        R"(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))");
    return std::regex_match(s, re);
}

struct Attempt {
    std::string id;
    std::string why;  // what is wrong with it (for refused IDs) or "valid"
};

// Stores a subscription under `id` and returns the answer; an accepted one is tracked for cleanup.
asio::awaitable<imap::CommandResult> try_subscribe(TestContext& ctx, WebPushRun& run,
                                                   imap::Session& s, const std::string& id,
                                                   const std::string& value) {
    auto r = co_await set_entry(ctx, s, subscription_entry(id), value);
    if (r.ok()) run.created(0, id);
    co_return r;
}

asio::awaitable<void> id_rules(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, false);
    const std::string base = new_registration_id();  // 20 characters
    const std::vector<Attempt> refused{
        {base.substr(0, 9), "9 characters (fewer than 10)"},
        {base + base.substr(0, 17), "37 characters (more than 36)"},
        {base.substr(0, 12) + ".x", "a '.'"},
        {base.substr(0, 12) + "!x", "a '!'"},
        {base.substr(0, 12) + "+x", "a '+'"},
    };
    const std::vector<Attempt> accepted{
        {base.substr(0, 10), "10 characters"},
        {(base + base).substr(0, 34) + "_-", "36 characters with _ and -"},
    };
    for (const auto& a : refused) {
        auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
        const std::string value = subscription_json(sub, "chat");
        auto r = co_await try_subscribe(ctx, run, s, a.id, value);
        ctx.check("webpush.subscribe.id-rules", !r.ok(),
                  fmt::format("NO for a registration ID with {}", a.why), describe_status(r),
                  fmt::format("SETMETADATA .../subscriptions/{}", a.id));
    }
    for (const auto& a : accepted) {
        auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
        const std::string value = subscription_json(sub, "chat");
        auto r = co_await try_subscribe(ctx, run, s, a.id, value);
        ctx.check("webpush.subscribe.supported", r.ok(),
                  fmt::format("OK for a valid registration ID of {}", a.why), describe_status(r),
                  fmt::format("SETMETADATA .../subscriptions/{}", a.id));
    }
}

asio::awaitable<void> msgtype_values(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, false);
    for (const std::string bad : {"CHAT", "Mail", "ALL", "chats", "everything", ""}) {
        auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
        const std::string value = subscription_json(sub, bad);
        const std::string id = new_registration_id();
        auto r = co_await try_subscribe(ctx, run, s, id, value);
        ctx.check("webpush.subscribe.msgtype-values", !r.ok(),
                  fmt::format("NO for msgtype \"{}\"", bad), describe_status(r),
                  "SETMETADATA subscription");
    }
    for (const std::string good : {"chat", "mail", "all"}) {
        auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
        const std::string value = subscription_json(sub, good);
        const std::string id = new_registration_id();
        auto r = co_await try_subscribe(ctx, run, s, id, value);
        ctx.check("webpush.subscribe.supported", r.ok(), fmt::format("OK for msgtype \"{}\"", good),
                  describe_status(r), "SETMETADATA subscription");
    }
}

asio::awaitable<void> stored_form(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, false);
    auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
    const std::string id = new_registration_id();
    const json extra = {{"coitest-unknown", "must not be kept"}, {"x-extra", {{"n", 1}}}};
    const std::string value = subscription_json(sub, "chat", extra);
    auto r = co_await try_subscribe(ctx, run, s, id, value);
    if (!ctx.check("webpush.subscribe.supported", r.ok(), "OK", describe_status(r),
                   "SETMETADATA subscription"))
        co_return;

    const auto listed = co_await list_subscriptions(ctx, s);
    const std::string* text = listed.find(id);
    if (!ctx.check("webpush.list.depth-one", listed.ok && text,
                   fmt::format("GETMETADATA (DEPTH 1) lists .../subscriptions/{}", id),
                   listed.ok ? fmt::format("{} entries, not this one", listed.subscriptions.size())
                             : listed.status,
                   "GETMETADATA (DEPTH 1) subscriptions"))
        co_return;
    const json stored = json::parse(*text, nullptr, false);
    if (!ctx.check("webpush.list.depth-one", stored.is_object(),
                   "the listed value is the subscription as a JSON object", shown(*text),
                   "GETMETADATA (DEPTH 1) subscriptions"))
        co_return;
    const bool dropped = !stored.contains("coitest-unknown") && !stored.contains("x-extra");
    ctx.check("webpush.subscribe.unknown-keys-dropped", dropped,
              "no coitest-unknown or x-extra member (unknown keys are not stored)", shown(*text),
              "GETMETADATA (DEPTH 1) subscriptions");
    const bool created = stored.contains("created") && stored["created"].is_string() &&
                         is_rfc3339(stored["created"].get<std::string>());
    ctx.check("webpush.subscribe.created-added", created,
              "a created member holding an ISO 8601 / RFC 3339 date-time",
              stored.contains("created") ? fmt::format("created {}", stored["created"].dump())
                                         : "no created member",
              "GETMETADATA (DEPTH 1) subscriptions");
    // (created in the listing is judged above, by created-added.)
    const bool has_validated = stored.contains("validated") && stored["validated"].is_boolean();
    ctx.check("webpush.list.depth-one", has_validated,
              "the listing shows validated (true or false) beside created", shown(*text),
              "GETMETADATA (DEPTH 1) subscriptions");
    if (has_validated)
        ctx.observed("webpush.subscribe.validated-false",
                     fmt::format("validated is {} before validation", stored["validated"].dump()),
                     "GETMETADATA (DEPTH 1) subscriptions");
    else
        ctx.observed("webpush.subscribe.validated-false", "no validated member is stored",
                     "GETMETADATA (DEPTH 1) subscriptions");
    // The entry itself (depth 0) reads back the same subscription.
    auto single = co_await get_entry(ctx, s, subscription_entry(id));
    ctx.check("webpush.metadata.subset", single.value.has_value(),
              "GETMETADATA of the subscription entry returns it", single.status,
              "GETMETADATA subscription");
}

asio::awaitable<void> several_and_unsubscribe(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, false);
    std::vector<std::string> ids;
    for (const std::string type : {"chat", "mail", "all"}) {
        auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
        const std::string id = new_registration_id();
        const std::string value = subscription_json(sub, type);
        auto r = co_await try_subscribe(ctx, run, s, id, value);
        if (!ctx.check("webpush.subscribe.several-clients", r.ok(),
                       fmt::format("OK for subscription {} of 3", ids.size() + 1),
                       describe_status(r), "SETMETADATA subscription"))
            co_return;
        ids.push_back(id);
    }
    const auto listed = co_await list_subscriptions(ctx, s);
    std::vector<std::string> missing;
    for (const auto& id : ids)
        if (!listed.find(id)) missing.push_back(id);
    ctx.check("webpush.subscribe.several-clients", listed.ok && missing.empty(),
              "all three subscriptions listed side by side",
              listed.ok ? fmt::format("missing: {}", fmt::join(missing, ", ")) : listed.status,
              "GETMETADATA (DEPTH 1) subscriptions");

    auto nil = co_await set_entry(ctx, s, subscription_entry(ids[1]), std::nullopt);
    if (!ctx.check("webpush.unsubscribe.nil", nil.ok(), "OK for SETMETADATA ... NIL",
                   describe_status(nil), "SETMETADATA subscription NIL"))
        co_return;
    run.removed(0, ids[1]);
    const auto after = co_await list_subscriptions(ctx, s);
    const bool gone = after.ok && !after.find(ids[1]) && after.find(ids[0]) && after.find(ids[2]);
    ctx.check("webpush.unsubscribe.nil", gone,
              "the removed subscription is no longer listed; the other two still are",
              fmt::format("removed one {}, others {}", after.find(ids[1]) ? "listed" : "gone",
                          after.find(ids[0]) && after.find(ids[2]) ? "listed" : "missing"),
              "GETMETADATA (DEPTH 1) subscriptions");
}

asio::awaitable<void> limit(TestContext& ctx, WebPushRun& run) {
    constexpr int kTry = 50;  // a limit above this is no limit against abuse
    auto s = co_await login_webpush(ctx, "c1", 0);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, false);
    for (int n = 1; n <= kTry; ++n) {
        auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
        const std::string id = new_registration_id();
        const std::string value = subscription_json(sub, "chat");
        auto r = co_await try_subscribe(ctx, run, s, id, value);
        if (r.ok()) continue;
        if (n == 1)
            ctx.not_applicable(
                fmt::format("the first subscription was refused ({})", describe_status(r)));
        ctx.met("webpush.subscribe.limit", fmt::format("subscription {} refused", n));
        ctx.check("webpush.subscribe.limit-no", r.status() == imap::Status::no,
                  "NO once the limit is reached", describe_status(r),
                  fmt::format("SETMETADATA subscription {}", n));
        co_return;
    }
    ctx.unmet("webpush.subscribe.limit", "a NO before this many subscriptions",
              fmt::format("{} subscriptions of one user accepted", kTry),
              "SETMETADATA subscriptions");
}

}  // namespace

void register_webpush_subscribe(Registry& r) {
    r.add(webpush_test(
        "subscribe.id-rules", "Registration IDs outside [0-9A-Za-z_-]{10,36} are refused",
        "webpush-spec.Subscribe", {"webpush.subscribe.id-rules", "webpush.subscribe.supported"},
        {"subscribe"}, id_rules));
    r.add(webpush_test("subscribe.msgtype-values",
                       "Only chat, mail and all are accepted as msgtype, case-sensitively",
                       "webpush-spec.Subscribe",
                       {"webpush.subscribe.msgtype-values", "webpush.subscribe.supported"},
                       {"subscribe"}, msgtype_values));
    r.add(webpush_test("subscribe.stored-form",
                       "A stored subscription drops unknown keys and gains created (and validated)",
                       "webpush-spec.Subscribe",
                       {"webpush.subscribe.supported", "webpush.subscribe.unknown-keys-dropped",
                        "webpush.subscribe.created-added", "webpush.subscribe.validated-false",
                        "webpush.list.depth-one", "webpush.metadata.subset"},
                       {"subscribe", "list"}, stored_form));
    r.add(webpush_test("subscribe.several-and-unsubscribe",
                       "Several subscriptions coexist; NIL removes exactly one",
                       "webpush-spec.Unsubscribe",
                       {"webpush.subscribe.several-clients", "webpush.unsubscribe.nil"},
                       {"subscribe", "unsubscribe", "list"}, several_and_unsubscribe));
    r.add(webpush_test("subscribe.limit", "The number of subscriptions is capped with NO",
                       "webpush-spec.Subscribe",
                       {"webpush.subscribe.limit", "webpush.subscribe.limit-no"},
                       {"subscribe", "limit"}, limit));
}

}  // namespace coitest::suites::webpush_suite
