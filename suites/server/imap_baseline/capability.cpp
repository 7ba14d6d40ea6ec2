// RFC 3501 §7.2.1 (CAPABILITY response) and §6.1.1 (mandatory AUTH=PLAIN).
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace coitest::suites {

namespace {

namespace asio = boost::asio;

std::string list_of(const std::vector<std::string>& caps) {
    return fmt::format("{}", fmt::join(caps, " "));
}

asio::awaitable<void> capability_imap4rev1(TestContext& ctx) {
    auto s = co_await open_imap(ctx, "c1");
    auto reply = co_await s.capability();
    auto caps = ctx.need(std::move(reply), "CAPABILITY");
    if (!caps.result.ok())
        ctx.unmet("rfc3501.capability.imap4rev1", "CAPABILITY completes with OK",
                  describe_status(caps.result), "CAPABILITY");
    else
        ctx.check("rfc3501.capability.imap4rev1", s.has_capability("IMAP4rev1"),
                  "IMAP4rev1 in the capability list", list_of(caps.value), "CAPABILITY");
}

asio::awaitable<void> capability_auth_plain(TestContext& ctx) {
    auto s = co_await open_imap(ctx, "c1");
    auto reply = co_await s.capability();
    auto caps = ctx.need(std::move(reply), "CAPABILITY");
    // Before TLS a server may withhold mechanisms (and say LOGINDISABLED); judge only where the
    // rule applies: on a TLS-protected connection.
    if (!s.is_tls() && !s.has_capability("AUTH=PLAIN"))
        ctx.not_applicable(
            "the connection is not TLS-protected, where a server may withhold "
            "AUTH=PLAIN; use an imaps:// or imap+starttls:// endpoint");
    ctx.check("rfc3501.capability.auth-plain", s.has_capability("AUTH=PLAIN"),
              "AUTH=PLAIN in the capability list", list_of(caps.value), "CAPABILITY");
}

}  // namespace

void register_baseline_capability(Registry& r) {
    r.add(baseline_test("capability.imap4rev1", "CAPABILITY lists IMAP4rev1", "rfc3501.7.2.1",
                        {"rfc3501.capability.imap4rev1"}, {"capability"}, capability_imap4rev1));
    r.add(baseline_test("capability.auth-plain", "AUTH=PLAIN is offered on a protected connection",
                        "rfc3501.6.1.1", {"rfc3501.capability.auth-plain"}, {"capability", "auth"},
                        capability_auth_plain));
}

}  // namespace coitest::suites
