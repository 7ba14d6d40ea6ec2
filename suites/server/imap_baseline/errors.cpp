// RFC 3501 §7.1.3 (BAD for unknown commands).
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"

#include <fmt/format.h>

namespace coitest::suites {

namespace {

namespace asio = boost::asio;

asio::awaitable<void> unknown_command_bad(TestContext& ctx) {
    auto s = co_await login_imap(ctx, "c1", 0);
    auto r = co_await s.command("XCOITEST-NO-SUCH-COMMAND");
    auto bogus = ctx.need(std::move(r), "an unknown command");
    if (!ctx.check("rfc3501.command.unknown-bad", bogus.status() == imap::Status::bad, "BAD",
                   describe_status(bogus), "XCOITEST-NO-SUCH-COMMAND"))
        co_return;
    auto noop = co_await s.noop();
    auto after = ctx.need(std::move(noop), "NOOP after BAD");
    ctx.check("rfc3501.command.unknown-bad", after.ok(), "NOOP OK: the connection is still usable",
              describe_status(after), "NOOP after BAD");
}

}  // namespace

void register_baseline_errors(Registry& r) {
    r.add(baseline_test("command.unknown-bad",
                        "An unknown command gets BAD and the session goes on", "rfc3501.7.1.3",
                        {"rfc3501.command.unknown-bad"}, {"errors"}, unknown_command_bad));
}

}  // namespace coitest::suites
