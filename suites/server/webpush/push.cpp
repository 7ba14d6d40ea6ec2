// webpush-spec.md "Push Notification Payload": which new messages push, what the payload holds,
// and how each push is encrypted and signed. Messages go in through the target's delivery path.
#include "suites/server/webpush/common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <regex>

namespace coitest::suites::webpush_suite {

namespace {

namespace asio = boost::asio;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string without_brackets(std::string s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// One push as a test sees it: the request, what open() found, and the payload's msg-id.
struct Seen {
    pushservice::RecordedRequest request;
    pushservice::OpenedPush opened;
    std::optional<json> payload;
    std::string problem;  // why there is no payload
    std::string msg_id;   // without angle brackets; "" when absent
};

Seen see(pushservice::PushService& svc, pushservice::RecordedRequest r,
         const std::optional<webpush::P256PublicKey>& published) {
    Seen s{std::move(r), {}, {}, {}, {}};
    pushservice::OpenOptions o;
    o.expected_vapid_key = published;
    s.opened = svc.open(s.request, o);
    s.payload = payload_of(s.request, s.opened, s.problem);
    if (s.payload && s.payload->contains("msg-id") && s.payload->at("msg-id").is_string())
        s.msg_id = without_brackets(s.payload->at("msg-id").get<std::string>());
    return s;
}

// Every push to `sub_id` until `until` says stop or `deadline` passes.
using Until = std::function<bool(const std::vector<Seen>&)>;
const Until kNever = [](const std::vector<Seen>&) { return false; };

// (References copied before the first suspension: the g++ 12 coroutine rules.)
asio::awaitable<std::vector<Seen>> collect(TestContext& ctx, pushservice::PushService& svc,
                                           const std::string& sub_id_in,
                                           const std::optional<webpush::P256PublicKey>& key_in,
                                           Clock::time_point deadline, const Until& until_in) {
    const std::string sub_id = sub_id_in;
    const std::optional<webpush::P256PublicKey> published = key_in;
    const Until until = until_in;
    std::vector<Seen> out;
    while (!until(out)) {
        // Past the deadline this still takes what has already arrived, without waiting.
        const auto left = std::max(deadline - Clock::now(), Clock::duration::zero());
        auto p = co_await next_push(ctx, svc, sub_id, left);
        if (!p) break;
        out.push_back(see(svc, std::move(*p), published));
    }
    co_return out;
}

bool has_msg(const std::vector<Seen>& seen, const std::string& msg_id) {
    return std::any_of(seen.begin(), seen.end(), [&](const Seen& s) { return s.msg_id == msg_id; });
}

std::string ids_of(const std::vector<Seen>& seen) {
    std::vector<std::string> ids;
    for (const auto& s : seen) ids.push_back(s.msg_id.empty() ? "(no msg-id)" : s.msg_id);
    return ids.empty() ? std::string("none") : fmt::format("{}", fmt::join(ids, ", "));
}

// Where the server says the message is, checked with SELECT and UID SEARCH.
struct Located {
    std::optional<std::uint32_t> uid, uidvalidity;
    bool chat_flag = false;
};
asio::awaitable<Located> locate(TestContext& ctx, imap::Session& s, const std::string& folder,
                                const std::string& msg_id) {
    Located out;
    auto sel = co_await s.examine(folder);
    auto selected = ctx.need(std::move(sel), fmt::format("EXAMINE {}", folder));
    if (!selected.result.ok()) co_return out;
    out.uidvalidity = selected.value.uidvalidity;
    const std::string criteria = fmt::format("HEADER Message-ID \"{}\"", msg_id);
    auto found = co_await s.search(criteria, true);
    auto uids = ctx.need(std::move(found), "UID SEARCH by Message-ID");
    if (uids.value.size() != 1) co_return out;
    out.uid = uids.value.front();
    const std::string set = std::to_string(*out.uid);
    auto f = co_await s.fetch(set, "(FLAGS)", true);
    auto fetched = ctx.need(std::move(f), "UID FETCH FLAGS");
    for (const auto& x : fetched.value)
        if (x.has_flag("$Chat")) out.chat_flag = true;
    co_return out;
}

bool is_rfc3339(const std::string& s) {
    static const std::regex re(
        R"(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))");
    return std::regex_match(s, re);
}

asio::awaitable<void> new_message(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    const auto published = co_await published_vapid_key(ctx, s);
    const auto v = co_await subscribe_validated(ctx, run, s, 0, "all");
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);

    const std::string sender = ctx.account(1).address;
    const auto m1 = webpush_message(ctx, 1, 0, true, "coitest push one", "Alice Tester");
    co_await deliver(ctx, m1, 0);
    const auto delivered = Clock::now();
    auto p1 = co_await next_push(ctx, svc, v.sub.id);
    if (!ctx.check("webpush.push.new-message", p1.has_value(),
                   fmt::format("a push within {} s of delivering a message", kPushWindow.count()),
                   "nothing arrived", "the push endpoint"))
        co_return;
    ctx.note(fmt::format(
        "push {} ms after delivery",
        std::chrono::duration_cast<std::chrono::milliseconds>(p1->received - delivered).count()));
    const Seen first = see(svc, *p1, published);
    judge_transport(ctx, first.opened, published.has_value(), "the message push");
    ctx.check("webpush.payload.size", first.request.body.size() <= 4096,
              "an encrypted body of at most 4096 octets",
              fmt::format("{} octets", first.request.body.size()), "the message push");

    // The payload fields the spec lists, against what was delivered and what IMAP says.
    std::vector<std::string> wrong;
    if (!first.payload) {
        wrong.push_back(first.problem);
    } else {
        const json& j = *first.payload;
        auto str = [&](const char* k) {
            return j.contains(k) && j[k].is_string() ? std::optional(j[k].get<std::string>())
                                                     : std::nullopt;
        };
        if (str("from-email") != lower(sender))
            wrong.push_back(fmt::format(
                "from-email {} (expected \"{}\")",
                j.contains("from-email") ? j["from-email"].dump() : "absent", lower(sender)));
        if (str("from-name") != "Alice Tester")
            wrong.push_back(
                fmt::format("from-name {} (expected \"Alice Tester\")",
                            j.contains("from-name") ? j["from-name"].dump() : "absent"));
        if (str("subject") != "coitest push one")
            wrong.push_back(fmt::format("subject {} (expected \"coitest push one\")",
                                        j.contains("subject") ? j["subject"].dump() : "absent"));
        if (first.msg_id != m1.message_id)
            wrong.push_back(fmt::format("msg-id {} (expected \"{}\")",
                                        j.contains("msg-id") ? j["msg-id"].dump() : "absent",
                                        m1.message_id));
        if (!str("date") || !is_rfc3339(*str("date")))
            wrong.push_back(fmt::format("date {} (expected an RFC 3339 timestamp)",
                                        j.contains("date") ? j["date"].dump() : "absent"));
        const auto folder = str("folder");
        const bool numbers = j.contains("uid") && j["uid"].is_number_unsigned() &&
                             j.contains("uidvalidity") && j["uidvalidity"].is_number_unsigned();
        if (!folder) wrong.push_back("no folder");
        if (!numbers) wrong.push_back("uid and uidvalidity are not both unsigned integers");
        if (folder && numbers) {
            const auto at = co_await locate(ctx, s, *folder, m1.message_id);
            if (at.uid != j["uid"].get<std::uint64_t>() ||
                at.uidvalidity != j["uidvalidity"].get<std::uint64_t>())
                wrong.push_back(fmt::format(
                    "uid {} / uidvalidity {}, but {} holds it as {} / {}", j["uid"].dump(),
                    j["uidvalidity"].dump(), *folder, at.uid ? std::to_string(*at.uid) : "nothing",
                    at.uidvalidity ? std::to_string(*at.uidvalidity) : "?"));
        }
    }
    ctx.check("webpush.payload.fields", wrong.empty(),
              "from-email, from-name, subject, msg-id, date, uid, uidvalidity and folder of the "
              "delivered message",
              fmt::format("{}", fmt::join(wrong, "; ")), "the message push payload");

    // A second message: its push must come from a fresh sender key.
    const auto m2 = webpush_message(ctx, 1, 0, false, "coitest push two");
    co_await deliver(ctx, m2, 0);
    auto p2 = co_await next_push(ctx, svc, v.sub.id);
    if (!ctx.check("webpush.push.new-message", p2.has_value(), "a push for the second message too",
                   "nothing arrived", "the push endpoint"))
        co_return;
    const Seen second = see(svc, *p2, published);
    if (first.opened.ece && second.opened.ece)
        ctx.check("webpush.encryption.ephemeral-key",
                  first.opened.ece->keyid != second.opened.ece->keyid,
                  "a different keyid (sender public key) in each push",
                  "the same keyid in two pushes", "two message pushes");
    else
        ctx.note("no aes128gcm header to compare keyids (see webpush.encryption.rfc8291)");
}

// COI servers mark chat messages with $Chat only for users who enabled COI: turn it on for the
// test (and off again in the run's cleanup).
asio::awaitable<void> enable_coi_if_offered(TestContext& ctx, imap::Session& s) {
    if (!s.has_capability("COI")) co_return;
    const std::string entry = "/private/vendor/vendor.dovecot/coi/config/enabled";
    const std::string yes = "yes";
    auto r = co_await set_entry(ctx, s, entry, yes);
    if (!r.ok()) ctx.note(fmt::format("enabling COI was answered {}", describe_status(r)));
}

asio::awaitable<void> disable_coi_if_offered(TestContext& ctx, imap::Session& s) {
    if (!s.has_capability("COI")) co_return;
    const std::string entry = "/private/vendor/vendor.dovecot/coi/config/enabled";
    auto r = co_await set_entry(ctx, s, entry, std::nullopt);
    (void)r;
}

asio::awaitable<void> msgtype_filter(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    const auto published = co_await published_vapid_key(ctx, s);
    co_await enable_coi_if_offered(ctx, s);
    const auto chat = co_await subscribe_validated(ctx, run, s, 0, "chat");
    const auto mail = co_await subscribe_validated(ctx, run, s, 0, "mail");
    const auto all = co_await subscribe_validated(ctx, run, s, 0, "all");
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);

    const auto chat_msg = webpush_message(ctx, 1, 0, true, "coitest chat");
    const auto mail_msg = webpush_message(ctx, 1, 0, false, "coitest mail");
    co_await deliver(ctx, chat_msg, 0);
    co_await deliver(ctx, mail_msg, 0);
    const auto deadline = std::min(Clock::now() + kPushWindow, ctx.deadline());
    const Until both_seen = [&](const std::vector<Seen>& seen) {
        return has_msg(seen, chat_msg.message_id) && has_msg(seen, mail_msg.message_id);
    };
    auto to_all = co_await collect(ctx, svc, all.sub.id, published, deadline, both_seen);
    co_await disable_coi_if_offered(ctx, s);
    if (!has_msg(to_all, chat_msg.message_id) || !has_msg(to_all, mail_msg.message_id))
        ctx.not_applicable(fmt::format(
            "the msgtype \"all\" subscription did not get a push naming each message (got: {}); "
            "judged by webpush.push.new-message and webpush.payload.fields",
            ids_of(to_all)));

    // Chat or mail as the server itself decided: the $Chat keyword on the stored message.
    std::string folder = "INBOX";
    for (const auto& p : to_all)
        if (p.msg_id == chat_msg.message_id && p.payload->contains("folder") &&
            p.payload->at("folder").is_string())
            folder = p.payload->at("folder").get<std::string>();
    const auto at = co_await locate(ctx, s, folder, chat_msg.message_id);
    if (!at.chat_flag)
        ctx.note(fmt::format(
            "the message with Chat-Version has no $Chat in {}: the server treats it as mail",
            folder));

    // Anything still on its way to the other two has had time enough by now.
    const auto quiet = std::min(Clock::now() + kQuietWindow, ctx.deadline());
    auto to_chat = co_await collect(ctx, svc, chat.sub.id, published, quiet, kNever);
    auto to_mail = co_await collect(ctx, svc, mail.sub.id, published, Clock::now(), kNever);
    const bool chat_ok = has_msg(to_chat, chat_msg.message_id) == at.chat_flag &&
                         !has_msg(to_chat, mail_msg.message_id);
    const bool mail_ok = has_msg(to_mail, chat_msg.message_id) == !at.chat_flag &&
                         has_msg(to_mail, mail_msg.message_id);
    ctx.check("webpush.push.msgtype-filter", chat_ok,
              fmt::format("msgtype chat: a push for {}",
                          at.chat_flag ? "the $Chat message only" : "nothing"),
              fmt::format("pushes for {}", ids_of(to_chat)), "the msgtype chat subscription");
    ctx.check("webpush.push.msgtype-filter", mail_ok,
              fmt::format("msgtype mail: a push for {}",
                          at.chat_flag ? "the plain message only" : "both messages"),
              fmt::format("pushes for {}", ids_of(to_mail)), "the msgtype mail subscription");
}

asio::awaitable<void> no_mdn(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    const auto published = co_await published_vapid_key(ctx, s);
    const auto v = co_await subscribe_validated(ctx, run, s, 0, "all");
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);

    const auto mdn = mdn_message(ctx, 1, 0);
    const auto marker = webpush_message(ctx, 1, 0, false, "coitest after the receipt");
    co_await deliver(ctx, mdn, 0);
    co_await deliver(ctx, marker, 0);
    const auto deadline = std::min(Clock::now() + kPushWindow, ctx.deadline());
    const Until marker_seen = [&](const std::vector<Seen>& got) {
        return has_msg(got, marker.message_id);
    };
    auto seen = co_await collect(ctx, svc, v.sub.id, published, deadline, marker_seen);
    const auto quiet = std::min(Clock::now() + kQuietWindow, ctx.deadline());
    auto late = co_await collect(ctx, svc, v.sub.id, published, quiet, kNever);
    seen.insert(seen.end(), late.begin(), late.end());
    if (has_msg(seen, mdn.message_id)) {
        ctx.unmet("webpush.push.no-mdn", "no push for the disposition notification",
                  fmt::format("pushes for {}", ids_of(seen)), "the push endpoint");
        co_return;
    }
    if (!has_msg(seen, marker.message_id))
        ctx.not_applicable(fmt::format(
            "no push named the ordinary message delivered after the receipt (got: {}), so "
            "silence about the receipt proves nothing; judged by webpush.push.new-message",
            ids_of(seen)));
    // Pushes without a msg-id cannot be told apart: then one push for two messages is right.
    ctx.check("webpush.push.no-mdn", seen.size() == 1,
              "exactly one push: for the ordinary message, none for the receipt",
              fmt::format("{} pushes: {}", seen.size(), ids_of(seen)), "the push endpoint");
}

asio::awaitable<void> unsubscribe_stops_pushes(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    const auto published = co_await published_vapid_key(ctx, s);
    const auto gone = co_await subscribe_validated(ctx, run, s, 0, "all");
    const auto kept = co_await subscribe_validated(ctx, run, s, 0, "all");
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);
    auto nil = co_await set_entry(ctx, s, subscription_entry(gone.id), std::nullopt);
    if (!ctx.check("webpush.unsubscribe.nil", nil.ok(), "OK for SETMETADATA ... NIL",
                   describe_status(nil), "SETMETADATA subscription NIL"))
        co_return;
    run.removed(0, gone.id);
    const auto m = webpush_message(ctx, 1, 0, false, "coitest after unsubscribing");
    co_await deliver(ctx, m, 0);
    auto to_kept = co_await next_push(ctx, svc, kept.sub.id);
    if (!to_kept)
        ctx.note("the remaining subscription got no push either; waiting the quiet window");
    const auto quiet = std::min(Clock::now() + kQuietWindow, ctx.deadline());
    auto to_gone = co_await collect(ctx, svc, gone.sub.id, published, quiet, kNever);
    ctx.check("webpush.unsubscribe.nil", to_gone.empty(), "no push to the removed subscription",
              fmt::format("{} pushes: {}", to_gone.size(), ids_of(to_gone)),
              "the removed subscription's endpoint");
}

// True when `got` is `full`, or a prefix of it (cut at a character boundary) followed by "…".
bool whole_or_cut(const std::string& got, const std::string& full) {
    if (got == full) return true;
    const std::string ellipsis = "\xe2\x80\xa6";
    if (!got.ends_with(ellipsis)) return false;
    const std::string head = got.substr(0, got.size() - ellipsis.size());
    return full.starts_with(head);
}

asio::awaitable<void> truncation(TestContext& ctx, WebPushRun& run) {
    auto s = co_await login_webpush(ctx, "c1", 0);
    const auto published = co_await published_vapid_key(ctx, s);
    const auto v = co_await subscribe_validated(ctx, run, s, 0, "all");
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);
    // Over 100 octets, with characters JSON must escape, and multi-octet UTF-8 characters
    // straddling octet 100 (a cut there splits one: ü at 100-101 in the subject, ✓ at 98-100
    // in the name) and everywhere else a cut could fall.
    std::string subject = "coitest \"quoted\" back\\slash: ";        // 29 octets
    for (int i = 0; i < 25; ++i) subject += "\xc3\xbc\xe2\x9c\x93";  // ü✓
    std::string name = "Zo\xc3\xab X ";                              // 7 octets
    for (int i = 0; i < 30; ++i) name += "\xe2\x9c\x93\xc3\xa9";     // ✓é
    const auto m = webpush_message(ctx, 1, 0, false, subject, name);
    co_await deliver(ctx, m, 0);
    auto p = co_await next_push(ctx, svc, v.sub.id);
    if (!p)
        ctx.not_applicable("no push arrived for the message (judged by webpush.push.new-message)");
    const Seen seen = see(svc, *p, published);
    if (!seen.opened.plaintext)
        ctx.not_applicable("the push did not decrypt (judged by webpush.encryption.rfc8291)");
    if (!ctx.check("webpush.payload.truncation", seen.payload.has_value(),
                   "a payload that is valid UTF-8 JSON", seen.problem, "the message push"))
        co_return;
    std::vector<std::string> wrong;
    const json& j = *seen.payload;
    if (j.contains("subject") && j["subject"].is_string() &&
        !whole_or_cut(j["subject"].get<std::string>(), subject))
        wrong.push_back("subject " + j["subject"].dump());
    if (j.contains("from-name") && j["from-name"].is_string() &&
        !whole_or_cut(j["from-name"].get<std::string>(), name))
        wrong.push_back("from-name " + j["from-name"].dump());
    ctx.check("webpush.payload.truncation", wrong.empty(),
              "subject and from-name whole, or cut between characters and followed by an "
              "ellipsis (U+2026)",
              fmt::format("{}", fmt::join(wrong, "; ")), "the message push payload");
}

}  // namespace

void register_webpush_push(Registry& r) {
    auto t =
        webpush_test("push.new-message",
                     "A delivered message is pushed: encrypted, signed, with the payload fields",
                     "webpush-spec.Push-Notification-Payload",
                     {"webpush.push.new-message", "webpush.encryption.rfc8291",
                      "webpush.vapid.signed", "webpush.request.ttl", "webpush.payload.size",
                      "webpush.payload.fields", "webpush.encryption.ephemeral-key"},
                     {"push", "delivery"}, new_message, 2);
    t.needs_delivery = true;
    r.add(std::move(t));
    t = webpush_test("push.msgtype-filter",
                     "msgtype chat, mail and all select messages by the $Chat keyword",
                     "webpush-spec.Subscribe", {"webpush.push.msgtype-filter"},
                     {"push", "delivery", "chat"}, msgtype_filter, 2);
    t.needs_delivery = true;
    r.add(std::move(t));
    t = webpush_test("push.no-mdn", "A read receipt (MDN) causes no push",
                     "webpush-spec.Push-Notification-Payload", {"webpush.push.no-mdn"},
                     {"push", "delivery", "mdn"}, no_mdn, 2);
    t.needs_delivery = true;
    r.add(std::move(t));
    t = webpush_test("unsubscribe.stops-pushes", "A removed subscription gets no more pushes",
                     "webpush-spec.Unsubscribe", {"webpush.unsubscribe.nil"},
                     {"push", "delivery", "unsubscribe"}, unsubscribe_stops_pushes, 2);
    t.needs_delivery = true;
    r.add(std::move(t));
    t = webpush_test("payload.truncation",
                     "Long subject and sender name are cut between characters, never inside one",
                     "webpush-spec.Payload-Data-Format", {"webpush.payload.truncation"},
                     {"push", "delivery", "utf-8"}, truncation, 2);
    t.needs_delivery = true;
    r.add(std::move(t));
}

}  // namespace coitest::suites::webpush_suite
