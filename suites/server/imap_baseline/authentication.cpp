// RFC 3501 §6.2.2 (AUTHENTICATE) and §6.2.3 (LOGIN).
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"

#include <fmt/format.h>

namespace coitest::suites {

namespace {

namespace asio = boost::asio;

// After authentication, LIST must work; before it, LIST must not (NO or BAD).
asio::awaitable<imap::CommandResult> probe_authenticated(TestContext& ctx, imap::Session& s) {
    auto r = co_await s.command("LIST \"\" \"\"");
    co_return ctx.need(std::move(r), "LIST after login");
}

asio::awaitable<void> login_valid(TestContext& ctx) {
    auto s = co_await open_imap(ctx, "c1");
    const Account& a = ctx.account(0);
    auto r = co_await s.login(a.login, a.password);
    auto login = ctx.need(std::move(r), "LOGIN");
    if (!ctx.check("rfc3501.login.valid-credentials", login.ok(), "OK", describe_status(login),
                   "LOGIN"))
        co_return;
    auto probe = co_await probe_authenticated(ctx, s);
    ctx.check("rfc3501.login.valid-credentials", probe.ok(), "LIST works after LOGIN (OK)",
              describe_status(probe), "LIST after LOGIN");
}

asio::awaitable<void> login_invalid(TestContext& ctx) {
    auto s = co_await open_imap(ctx, "c1");
    const Account& a = ctx.account(0);
    const std::string wrong = ctx.unique("wrong-password");
    auto r = co_await s.login(a.login, wrong);
    auto login = ctx.need(std::move(r), "LOGIN with a wrong password");
    if (!ctx.check("rfc3501.login.invalid-credentials", login.status() == imap::Status::no, "NO",
                   describe_status(login), "LOGIN with a wrong password"))
        co_return;
    auto probe = co_await probe_authenticated(ctx, s);
    ctx.check("rfc3501.login.invalid-credentials", !probe.ok(),
              "LIST refused (NO or BAD): still not authenticated", describe_status(probe),
              "LIST after a failed LOGIN");
}

asio::awaitable<void> authenticate_plain(TestContext& ctx) {
    auto s = co_await open_imap(ctx, "c1");
    auto caps = co_await s.capability();
    ctx.need(std::move(caps), "CAPABILITY");
    if (!s.has_capability("AUTH=PLAIN"))
        ctx.not_applicable(
            "AUTH=PLAIN is not advertised on this connection (judged by "
            "imap-baseline.capability.auth-plain)");
    const Account& a = ctx.account(0);
    auto r = co_await s.authenticate_plain(a.login, a.password);
    auto auth = ctx.need(std::move(r), "AUTHENTICATE PLAIN");
    if (!ctx.check("rfc3501.authenticate.plain", auth.ok(), "OK", describe_status(auth),
                   "AUTHENTICATE PLAIN"))
        co_return;
    auto probe = co_await probe_authenticated(ctx, s);
    ctx.check("rfc3501.authenticate.plain", probe.ok(), "LIST works after AUTHENTICATE (OK)",
              describe_status(probe), "LIST after AUTHENTICATE");
}

}  // namespace

void register_baseline_authentication(Registry& r) {
    r.add(baseline_test("login.valid", "LOGIN with valid credentials authenticates",
                        "rfc3501.6.2.3", {"rfc3501.login.valid-credentials"}, {"auth"},
                        login_valid));
    r.add(baseline_test("login.invalid", "LOGIN with a wrong password is refused with NO",
                        "rfc3501.6.2.3", {"rfc3501.login.invalid-credentials"}, {"auth"},
                        login_invalid));
    r.add(baseline_test("authenticate.plain", "AUTHENTICATE PLAIN authenticates", "rfc3501.6.2.2",
                        {"rfc3501.authenticate.plain"}, {"auth"}, authenticate_plain));
}

}  // namespace coitest::suites
