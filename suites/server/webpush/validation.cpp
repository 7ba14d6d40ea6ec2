// webpush-spec.md "Validate New Subscriptions": the validation push (what it carries, how it is
// encrypted and signed) and the validate step.
#include "suites/server/webpush/common.hpp"

#include <fmt/format.h>

namespace coitest::suites::webpush_suite {

namespace {

namespace asio = boost::asio;
using json = nlohmann::json;
using Aspect = pushservice::OpenedPush::Aspect;

asio::awaitable<void> subscribe_and_validate(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);
    const auto published = co_await published_vapid_key(ctx, s);
    if (!published) ctx.note("no usable published VAPID key: pushes are verified against k= only");

    auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
    const std::string id = new_registration_id();
    const std::string entry = subscription_entry(id);
    const std::string value = subscription_json(sub, "chat");
    auto stored = co_await set_entry(ctx, s, entry, value);
    if (!ctx.check("webpush.subscribe.supported", stored.ok(), "OK", describe_status(stored),
                   "SETMETADATA subscription"))
        co_return;
    run.created(0, id);
    const auto subscribed_at = std::chrono::steady_clock::now();

    auto push = co_await next_push(ctx, svc, sub.id);
    if (!ctx.check("webpush.validation.push", push.has_value(),
                   fmt::format("a push to {} within {} s", sub.endpoint, kPushWindow.count()),
                   "nothing arrived", "the push endpoint"))
        co_return;
    ctx.note(fmt::format(
        "validation push {} ms after SETMETADATA",
        std::chrono::duration_cast<std::chrono::milliseconds>(push->received - subscribed_at)
            .count()));
    const auto header = push->header("WebPush-Validation");
    ctx.check("webpush.validation.header", header.has_value() && header->empty(),
              "a WebPush-Validation header field with no value",
              header ? fmt::format("WebPush-Validation: {}", shown(*header))
                     : "no WebPush-Validation header",
              "the validation push");

    pushservice::OpenOptions expect;
    expect.expected_vapid_key = published;
    const auto opened = svc.open(*push, expect);
    judge_transport(ctx, opened, published.has_value(), "the validation push");

    std::string problem;
    const auto payload = payload_of(*push, opened, problem);
    std::string validation;
    if (payload && payload->size() == 1 && (*payload)["validation"].is_string())
        validation = (*payload)["validation"].get<std::string>();
    const bool good_payload = !validation.empty() && validation.size() <= 1024;
    if (!ctx.check("webpush.validation.payload", good_payload,
                   "a JSON object whose only member is a validation string of at most 1 kB",
                   payload ? shown(payload->dump()) : problem, "the validation push"))
        co_return;

    auto validated = co_await set_entry(ctx, s, entry + "/validate", validation);
    ctx.check("webpush.validate.ok", validated.ok(),
              "OK for .../validate with the value of the validation push",
              describe_status(validated), "SETMETADATA .../validate");
    if (!validated.ok()) co_return;
    // MAY: validated turns true (when the server keeps the member at all).
    const auto listed = co_await list_subscriptions(ctx, s);
    if (const std::string* text = listed.find(id)) {
        const json j = json::parse(*text, nullptr, false);
        if (j.is_object() && j.contains("validated"))
            ctx.observed("webpush.subscribe.validated-false",
                         fmt::format("validated is {} after validation", j["validated"].dump()),
                         "GETMETADATA (DEPTH 1) subscriptions");
    }
}

asio::awaitable<void> validate_rejects(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, false);
    auto sub = ctx.need(svc.subscribe(), "creating a subscription at the endpoint");
    const std::string id = new_registration_id();
    const std::string entry = subscription_entry(id);
    const std::string value = subscription_json(sub, "chat");
    auto stored = co_await set_entry(ctx, s, entry, value);
    if (!stored.ok())
        ctx.not_applicable(
            fmt::format("subscribing was answered {} (judged by "
                        "webpush.subscribe.validate)",
                        describe_status(stored)));
    run.created(0, id);

    // The right value, when the validation push reaches us (only with a trusted endpoint).
    std::optional<std::string> right;
    if (run.endpoint_trusted()) {
        if (auto push = co_await next_push(ctx, svc, sub.id)) {
            std::string problem;
            if (auto payload = payload_of(*push, svc.open(*push), problem);
                payload && (*payload)["validation"].is_string())
                right = (*payload)["validation"].get<std::string>();
        }
    }

    const std::string wrong = "coitest-wrong-" + new_registration_id();
    auto r1 = co_await set_entry(ctx, s, entry + "/validate", wrong);
    ctx.check("webpush.validate.no", !r1.ok(), "NO for a value the server never sent",
              describe_status(r1), "SETMETADATA .../validate (wrong value)");

    const std::string unknown = subscription_entry(new_registration_id()) + "/validate";
    const std::string value_for_other = right.value_or(wrong);
    auto r2 = co_await set_entry(ctx, s, unknown, value_for_other);
    ctx.check("webpush.validate.no", !r2.ok(),
              right ? "NO for the right value under another subscription ID"
                    : "NO for validating a subscription ID that does not exist",
              describe_status(r2), "SETMETADATA .../validate (other ID)");
    if (right) {
        // The control: the right value for the right ID is still accepted, so the NOs above
        // were about the value and the ID, not a refusal of every validate.
        auto r3 = co_await set_entry(ctx, s, entry + "/validate", *right);
        if (!r3.ok())
            ctx.note(fmt::format("the right value was answered {} after the wrong attempts",
                                 describe_status(r3)));
    }
}

}  // namespace

void register_webpush_validation(Registry& r) {
    r.add(webpush_test(
        "subscribe.validate",
        "A new subscription gets an encrypted, signed validation push; its value validates it",
        "webpush-spec.Validate-New-Subscriptions",
        {"webpush.subscribe.supported", "webpush.validation.push", "webpush.validation.header",
         "webpush.validation.payload", "webpush.encryption.rfc8291", "webpush.vapid.signed",
         "webpush.request.ttl", "webpush.validate.ok", "webpush.subscribe.validated-false"},
        {"subscribe", "validate", "push"}, subscribe_and_validate));
    r.add(webpush_test("validate.rejects",
                       "Validating with a wrong value or for another subscription ID is refused",
                       "webpush-spec.Validate-New-Subscriptions", {"webpush.validate.no"},
                       {"validate"}, validate_rejects));
}

}  // namespace coitest::suites::webpush_suite
