// RFC 3501 §6.3.8 (LIST), §6.3.1 (SELECT) and §2.3.1.1 (UIDVALIDITY).
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"

#include <fmt/format.h>

namespace coitest::suites {

namespace {

namespace asio = boost::asio;

std::string describe_delimiter(const imap::ListResponse& l) {
    return l.delimiter ? fmt::format("\"{}\"", *l.delimiter) : "NIL";
}

// INBOX is case-insensitive (RFC 3501 §5.1).
bool is_inbox(std::string_view name) {
    return name.size() == 5 && std::equal(name.begin(), name.end(), "INBOX", [](char a, char b) {
               return std::toupper(static_cast<unsigned char>(a)) == b;
           });
}

asio::awaitable<void> list_delimiter(TestContext& ctx) {
    auto s = co_await login_imap(ctx, "c1", 0);
    auto r = co_await s.list("", "");
    auto root = ctx.need(std::move(r), "LIST \"\" \"\"");
    const auto& lists = root.value;
    if (!root.result.ok() || lists.size() != 1) {
        ctx.unmet(
            "rfc3501.list.delimiter", "OK with exactly one LIST response",
            fmt::format("{} with {} LIST responses", describe_status(root.result), lists.size()),
            "LIST \"\" \"\"");
    } else {
        const auto& l = lists.front();
        // With an empty reference the root name is empty; the delimiter is one character or
        // NIL (the parser refuses anything else), so the name is what is left to judge.
        ctx.check("rfc3501.list.delimiter", l.mailbox.empty(), "one LIST () <delimiter> \"\"",
                  fmt::format("LIST attributes {} delimiter {} name \"{}\"", l.attributes.size(),
                              describe_delimiter(l), l.mailbox),
                  "LIST \"\" \"\"");
    }

    auto all = co_await s.list("", "%");
    auto top = ctx.need(std::move(all), "LIST \"\" \"%\"");
    bool inbox = false;
    for (const auto& l : top.value)
        if (is_inbox(l.mailbox)) inbox = true;
    ctx.check("rfc3501.list.inbox", top.result.ok() && inbox, "OK and a LIST response for INBOX",
              fmt::format("{} with {} mailboxes, INBOX {}", describe_status(top.result),
                          top.value.size(), inbox ? "present" : "absent"),
              "LIST \"\" \"%\"");
}

asio::awaitable<void> select_inbox(TestContext& ctx) {
    auto s = co_await login_imap(ctx, "c1", 0);
    auto r = co_await s.select("INBOX");
    auto sel = ctx.need(std::move(r), "SELECT INBOX");
    if (!sel.result.ok()) {
        ctx.unmet("rfc3501.select.required-responses", "SELECT INBOX completes with OK",
                  describe_status(sel.result), "SELECT INBOX");
        co_return;
    }
    const auto& info = sel.value;
    const bool flags = !sel.result.all<imap::Flags>().empty();
    std::string missing;
    if (!flags) missing += " FLAGS";
    if (!info.exists) missing += " EXISTS";
    if (!info.recent) missing += " RECENT";
    ctx.check("rfc3501.select.required-responses", missing.empty(),
              "untagged FLAGS, EXISTS and RECENT",
              missing.empty() ? "all present" : fmt::format("missing:{}", missing), "SELECT INBOX");
    ctx.check("rfc3501.select.uidvalidity", info.uidvalidity.has_value(),
              "untagged OK [UIDVALIDITY n]", info.uidvalidity ? "present" : "no UIDVALIDITY code",
              "SELECT INBOX");
    if (!info.uidvalidity) co_return;

    // A second, independent session must see the same UIDVALIDITY.
    auto s2 = co_await login_imap(ctx, "c2", 0);
    auto r2 = co_await s2.select("INBOX");
    auto again = ctx.need(std::move(r2), "SELECT INBOX on a second connection");
    ctx.check("rfc3501.select.uidvalidity-stable", again.value.uidvalidity == info.uidvalidity,
              fmt::format("UIDVALIDITY {}", *info.uidvalidity),
              again.value.uidvalidity ? fmt::format("UIDVALIDITY {}", *again.value.uidvalidity)
                                      : "no UIDVALIDITY",
              "SELECT INBOX on a second connection");
}

}  // namespace

void register_baseline_mailboxes(Registry& r) {
    r.add(baseline_test("list.delimiter", "LIST reveals the hierarchy delimiter and INBOX",
                        "rfc3501.6.3.8", {"rfc3501.list.delimiter", "rfc3501.list.inbox"}, {"list"},
                        list_delimiter));
    r.add(baseline_test("select.uidvalidity",
                        "SELECT reports FLAGS, EXISTS, RECENT and a stable UIDVALIDITY",
                        "rfc3501.6.3.1",
                        {"rfc3501.select.required-responses", "rfc3501.select.uidvalidity",
                         "rfc3501.select.uidvalidity-stable"},
                        {"select"}, select_inbox));
}

}  // namespace coitest::suites
