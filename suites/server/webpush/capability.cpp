// webpush-spec.md "Capability" and "VAPID Key".
#include "suites/server/webpush/common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace coitest::suites::webpush_suite {

namespace {

namespace asio = boost::asio;

std::string caps_text(const std::vector<std::string>& caps) {
    return caps.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(caps, " "));
}

asio::awaitable<void> capability_after_login(TestContext& ctx, WebPushRun&) {
    auto s = co_await open_imap(ctx, "c1");
    auto before = co_await s.capability();
    auto pre = ctx.need(std::move(before), "CAPABILITY before login");
    const bool early = s.has_capability("WEBPUSH");
    const Account& a = ctx.account(0);
    auto login = co_await s.login(a.login, a.password);
    auto done = ctx.need(std::move(login), "LOGIN");
    if (!done.ok())
        ctx.environment_error(
            fmt::format("the target refused LOGIN for {} ({})", a.address, describe_status(done)));
    auto after = co_await s.capability();
    auto post = ctx.need(std::move(after), "CAPABILITY after login");
    const bool advertised = s.has_capability("WEBPUSH");
    ctx.check("webpush.capability.advertised", advertised,
              "S: * CAPABILITY ... WEBPUSH ... once authenticated", caps_text(post.value),
              "CAPABILITY after LOGIN");
    // The SHOULD NOT only means something for a server that has the extension at all.
    if (advertised)
        ctx.check("webpush.capability.not-before-auth", !early,
                  "no WEBPUSH in the capabilities before authentication", caps_text(pre.value),
                  "CAPABILITY before LOGIN");
    else
        ctx.note("WEBPUSH is not advertised at all; the not-before-auth rule is not judged");
}

asio::awaitable<void> vapid_key(TestContext& ctx, WebPushRun&) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    const std::string entry(kVapidEntry);
    auto e = co_await get_entry(ctx, s, entry);
    if (!ctx.check("webpush.vapid.metadata", e.value.has_value() && !e.value->empty(),
                   fmt::format("GETMETADATA \"\" {} returns the key", entry),
                   e.value ? "an empty value" : fmt::format("{}, no value", e.status),
                   "GETMETADATA vapid"))
        co_return;
    const VapidValue v = parse_vapid_value(*e.value);
    if (!ctx.check("webpush.vapid.pem-base64", v.problem.empty() && v.key.has_value(),
                   "-----BEGIN PUBLIC KEY----- base64 of a P-256 SubjectPublicKeyInfo "
                   "-----END PUBLIC KEY-----",
                   fmt::format("{}: {}", v.problem.empty() ? v.form : v.problem, shown(*e.value)),
                   "GETMETADATA vapid"))
        co_return;
    if (v.form != "PEM") ctx.note(fmt::format("the VAPID key is published as {}", v.form));

    // MAY: one key for everybody, or one per user.
    auto s2 = co_await login_webpush(ctx, "c2", 1);
    auto e2 = co_await get_entry(ctx, s2, entry);
    const auto other = e2.value ? parse_vapid_value(*e2.value).key : std::nullopt;
    if (other)
        ctx.observed(
            "webpush.vapid.per-user",
            *other == *v.key ? "one VAPID key shared by all users" : "a VAPID key per user",
            "GETMETADATA vapid as two users");
    else
        ctx.note("the second account has no readable VAPID key; per-user keys not recorded");
}

}  // namespace

void register_webpush_capability(Registry& r) {
    r.add(webpush_test("capability.after-login", "WEBPUSH is advertised after login, not before",
                       "webpush-spec.Capability",
                       {"webpush.capability.advertised", "webpush.capability.not-before-auth"},
                       {"capability"}, capability_after_login));
    r.add(webpush_test(
        "vapid.key", "The VAPID key is published as a P-256 public key in PEM",
        "webpush-spec.VAPID-Key",
        {"webpush.vapid.metadata", "webpush.vapid.pem-base64", "webpush.vapid.per-user"},
        {"vapid", "metadata"}, vapid_key, 2));
}

}  // namespace coitest::suites::webpush_suite
