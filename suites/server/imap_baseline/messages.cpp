// RFC 3501 §6.3.11 (APPEND), §6.4.5 (FETCH), §6.4.6 (STORE); RFC 4315 §3 (APPENDUID).
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace coitest::suites {

namespace {

namespace asio = boost::asio;

// Appends `message` to INBOX and returns its UID (from APPENDUID, else by searching for its
// Message-ID). Judges APPENDUID when UIDPLUS is advertised.
asio::awaitable<std::uint32_t> append_and_find(TestContext& ctx, imap::Session& s,
                                               const TestMessage& m, bool judge_appenduid) {
    auto r = co_await s.append("INBOX", m.bytes);
    auto appended = ctx.need(std::move(r), "APPEND to INBOX");
    if (!appended.result.ok())
        ctx.environment_error(fmt::format("APPEND of a test message to INBOX answered {}",
                                          describe_status(appended.result)));
    if (judge_appenduid && s.has_capability("UIDPLUS"))
        ctx.check("rfc4315.append.appenduid", appended.value.has_value(),
                  "OK [APPENDUID uidvalidity uid]", describe_status(appended.result), "APPEND");
    auto sel = co_await s.select("INBOX");
    auto selected = ctx.need(std::move(sel), "SELECT INBOX");
    if (!selected.result.ok())
        ctx.environment_error(
            fmt::format("SELECT INBOX answered {}", describe_status(selected.result)));
    if (appended.value && selected.value.uidvalidity == appended.value->uidvalidity &&
        appended.value->uids.ranges.size() == 1 &&
        appended.value->uids.ranges[0].first == appended.value->uids.ranges[0].last)
        co_return appended.value->uids.ranges[0].first;
    const std::string criteria = fmt::format("HEADER Message-ID \"{}\"", m.message_id);
    auto found = co_await s.search(criteria, true);
    auto uids = ctx.need(std::move(found), "UID SEARCH for the appended message");
    if (uids.value.size() != 1)
        ctx.environment_error(
            fmt::format("UID SEARCH {} found {} messages, not 1", criteria, uids.value.size()));
    co_return uids.value.front();
}

asio::awaitable<void> cleanup(imap::Session& s, std::uint32_t uid) {
    // Best effort: the account is reused by later tests, but nothing depends on this.
    const std::vector<std::string> deleted{"\\Deleted"};
    const std::string set = std::to_string(uid);
    auto st = co_await s.store(set, "+FLAGS.SILENT", deleted, true);
    (void)st;
    std::string expunge = "EXPUNGE";
    if (s.has_capability("UIDPLUS")) expunge = "UID EXPUNGE " + set;
    auto ex = co_await s.command(expunge);
    (void)ex;
}

asio::awaitable<void> append_fetch_exact(TestContext& ctx) {
    auto s = co_await login_imap(ctx, "c1", 0);
    // Bytes that a lazy server might normalise: trailing spaces, a long line, 8-bit UTF-8 text,
    // a line with a lone dot.
    auto m = make_message(ctx, 0, 0, "coitest byte-exact",
                          "line with trailing spaces   \r\n.\r\n"
                          "caf\xc3\xa9 \xe2\x9c\x93\r\n" +
                              std::string(900, 'x'));
    const std::uint32_t uid = co_await append_and_find(ctx, s, m, true);
    const std::string set = std::to_string(uid);
    auto r = co_await s.fetch(set, "(RFC822.SIZE BODY.PEEK[])", true);
    auto fetched = ctx.need(std::move(r), "UID FETCH BODY.PEEK[]");
    const imap::Fetch* f = nullptr;
    for (const auto& x : fetched.value)
        if (x.uid == uid || fetched.value.size() == 1) f = &x;
    if (!f || !f->section("")) {
        ctx.unmet("rfc3501.append.stored-exactly", "a FETCH response with BODY[]",
                  fmt::format("{} with {} FETCH responses", describe_status(fetched.result),
                              fetched.value.size()),
                  "UID FETCH BODY.PEEK[]");
    } else {
        const std::string& body = f->section("")->data.value_or("");
        std::string seen = fmt::format("{} octets", body.size());
        if (body != m.bytes) {
            const auto diff =
                std::mismatch(body.begin(), body.end(), m.bytes.begin(), m.bytes.end());
            seen += fmt::format(", first difference at octet {}", diff.first - body.begin());
        }
        ctx.check("rfc3501.append.stored-exactly", body == m.bytes,
                  fmt::format("the {} octets appended, unchanged", m.bytes.size()), seen,
                  "UID FETCH BODY.PEEK[]");
        ctx.check(
            "rfc3501.fetch.rfc822-size", f->rfc822_size == body.size(),
            fmt::format("RFC822.SIZE {}", body.size()),
            f->rfc822_size ? fmt::format("RFC822.SIZE {}", *f->rfc822_size) : "no RFC822.SIZE",
            "UID FETCH RFC822.SIZE");
    }
    co_await cleanup(s, uid);
}

asio::awaitable<void> store_chat_keyword(TestContext& ctx) {
    auto s = co_await login_imap(ctx, "c1", 0);
    auto m = make_message(ctx, 0, 0, "coitest keyword", "keyword test");
    const std::uint32_t uid = co_await append_and_find(ctx, s, m, false);
    auto sel = co_await s.select("INBOX");
    auto info = ctx.need(std::move(sel), "SELECT INBOX").value;
    const auto& perm = info.permanent_flags;
    const bool any_keyword = perm && std::find(perm->begin(), perm->end(), "\\*") != perm->end();
    if (!any_keyword) {
        co_await cleanup(s, uid);
        ctx.not_applicable(
            fmt::format("PERMANENTFLAGS ({}) does not allow new keywords, so $Chat "
                        "cannot be stored; COI clients then work without it",
                        perm ? fmt::format("{}", fmt::join(*perm, " ")) : "absent"));
    }
    const std::vector<std::string> chat{"$Chat"};
    const std::string set = std::to_string(uid);
    auto added = co_await s.store(set, "+FLAGS", chat, true);
    auto add = ctx.need(std::move(added), "UID STORE +FLAGS ($Chat)");
    auto r = co_await s.fetch(set, "(FLAGS)", true);
    auto after_add = ctx.need(std::move(r), "UID FETCH FLAGS");
    const bool has = !after_add.value.empty() && after_add.value.back().has_flag("$Chat");
    ctx.check("rfc3501.store.keyword", add.result.ok() && has, "STORE OK, then FLAGS include $Chat",
              fmt::format("STORE {}, FLAGS {}", describe_status(add.result),
                          after_add.value.empty() || !after_add.value.back().flags
                              ? std::string("absent")
                              : fmt::format("({})", fmt::join(*after_add.value.back().flags, " "))),
              "UID STORE +FLAGS ($Chat)");

    auto removed = co_await s.store(set, "-FLAGS", chat, true);
    auto rem = ctx.need(std::move(removed), "UID STORE -FLAGS ($Chat)");
    auto r2 = co_await s.fetch(set, "(FLAGS)", true);
    auto after_remove = ctx.need(std::move(r2), "UID FETCH FLAGS");
    const bool still = !after_remove.value.empty() && after_remove.value.back().has_flag("$Chat");
    ctx.check("rfc3501.store.keyword-removal", rem.result.ok() && !still,
              "STORE OK, then FLAGS without $Chat",
              fmt::format("STORE {}, $Chat {}", describe_status(rem.result),
                          still ? "still set" : "gone"),
              "UID STORE -FLAGS ($Chat)");
    co_await cleanup(s, uid);
}

}  // namespace

void register_baseline_messages(Registry& r) {
    r.add(baseline_test(
        "append.fetch-exact", "APPEND stores a message that FETCH returns byte for byte",
        "rfc3501.6.3.11",
        {"rfc3501.append.stored-exactly", "rfc3501.fetch.rfc822-size", "rfc4315.append.appenduid"},
        {"append", "fetch"}, append_fetch_exact));
    r.add(baseline_test("store.chat-keyword", "The $Chat keyword can be set and cleared",
                        "rfc3501.6.4.6", {"rfc3501.store.keyword", "rfc3501.store.keyword-removal"},
                        {"store", "keyword"}, store_chat_keyword));
}

}  // namespace coitest::suites
