// The WEBPUSH extension through the sans-I/O IMAP and LMTP sessions: capability, VAPID entry,
// subscribing (IDs, JSON, limit, created/validated, listing, NIL), validation with a controlled
// clock, and which new messages push to which subscription. Pushes are collected from the
// store's sink; no sockets.
#include "peer/imap_session.hpp"
#include "peer/smtp_session.hpp"
#include "webpush/base64url.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace coitest::peer {
namespace {

namespace wp = coitest::webpush;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

const std::string kSubs = "/private/vendor/vendor.dovecot/webpush/subscriptions";

struct UserAgent {
    wp::P256PrivateKey key = *wp::P256PrivateKey::generate();
    std::string auth = "0123456789abcdef";
    json subscription(std::string msgtype,
                      std::string endpoint = "https://push.example/p/1") const {
        return json{{"client", "coitest"},
                    {"device", "unit"},
                    {"msgtype", msgtype},
                    {"resource",
                     {{"endpoint", endpoint},
                      {"keys",
                       {{"p256dh", wp::base64url_encode(key.public_key().uncompressed_point())},
                        {"auth", wp::base64url_encode(auth)}}}}}};
    }
};

// A store with one account, a logged-in IMAP session, a controlled clock and a push sink.
struct World {
    explicit World(Deviations d = {}, std::size_t limit = 10) {
        StoreOptions o;
        o.deviations = d;
        o.webpush.vapid_public_pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----";
        o.webpush.max_subscriptions = limit;
        o.webpush.validation_timeframe = 5min;
        o.webpush.clock = [this] { return now; };
        store = std::make_unique<Store>(o);
        store->add_account("alice@example.org", "pw");
        store->set_push_sink([this](push::PushJob j) { jobs.push_back(std::move(j)); });
        imap = std::make_unique<ImapSession>(*store, nullptr, ImapSessionConfig{}, 1);
        imap->greeting();
        cmd("LOGIN alice@example.org pw");
    }
    std::string cmd(std::string_view text) {
        const std::string tag = "t" + std::to_string(++n);
        std::string out = imap->receive(tag + " " + std::string(text) + "\r\n").data;
        last_ok = out.find(tag + " OK") != std::string::npos;
        return out;
    }
    // SETMETADATA of one entry under .../subscriptions with a literal value (or NIL).
    std::string set(std::string_view rest, const std::optional<std::string>& value) {
        if (!value) return cmd(fmt::format("SETMETADATA \"\" ({}/{} NIL)", kSubs, rest));
        return cmd(fmt::format("SETMETADATA \"\" ({}/{} {{{}+}}\r\n{})", kSubs, rest, value->size(),
                               *value));
    }
    std::string subscribe(std::string_view id, const json& sub) { return set(id, sub.dump()); }
    // The validation value the last validation push carried.
    std::string validation_value() const {
        for (auto it = jobs.rbegin(); it != jobs.rend(); ++it)
            if (it->validation) return json::parse(it->payload)["validation"];
        return {};
    }
    std::string validate(std::string_view id, std::string_view value) {
        return set(fmt::format("{}/validate", id), std::string(value));
    }
    json listing() {
        const std::string out = cmd(fmt::format("GETMETADATA (DEPTH 1) \"\" ({})", kSubs));
        json all = json::object();
        // Each value follows its entry name: a quoted string or a literal {n}\r\n<json>.
        for (auto at = out.find(kSubs + "/"); at != std::string::npos;
             at = out.find(kSubs + "/", at + 1)) {
            const auto name_end = out.find(' ', at);
            const std::string id =
                out.substr(at + kSubs.size() + 1, name_end - at - kSubs.size() - 1);
            std::size_t i = name_end + 1;
            std::string value;
            if (out[i] == '"') {
                for (++i; i < out.size() && out[i] != '"'; ++i) {
                    if (out[i] == '\\') ++i;
                    value += out[i];
                }
            } else {
                const auto close = out.find('}', i);
                const std::size_t len = std::stoul(out.substr(i + 1, close - i - 1));
                value = out.substr(close + 3, len);
                i = close + 3 + len;
            }
            all[id] = json::parse(value);
            at = i;
        }
        return all;
    }
    std::string deliver(std::string_view message) {
        SmtpSessionConfig c;
        c.lmtp = true;
        SmtpSession s(*store, nullptr, c, 2);
        return s
            .receive(fmt::format("LHLO x\r\nMAIL FROM:<bob@example.org>\r\nRCPT "
                                 "TO:<alice@example.org>\r\nDATA\r\n{}\r\n.\r\n",
                                 message))
            .data;
    }
    // Subscribes and validates; returns the number of jobs so far.
    void subscribed(std::string_view id, std::string msgtype) {
        subscribe(id, ua.subscription(msgtype, fmt::format("https://push.example/{}", id)));
        ASSERT_TRUE(last_ok);
        validate(id, validation_value());
        ASSERT_TRUE(last_ok);
    }
    std::vector<std::string> pushed_to() const {
        std::vector<std::string> out;
        for (const auto& j : jobs)
            if (!j.validation) out.push_back(j.subscription_id);
        return out;
    }

    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
    std::unique_ptr<Store> store;
    std::unique_ptr<ImapSession> imap;
    std::vector<push::PushJob> jobs;
    UserAgent ua;
    int n = 0;
    bool last_ok = false;
};

const std::string kChat =
    "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nChat-Version: 1.0\r\n"
    "Message-ID: <chat$1@example.org>\r\nSubject: Chat: hi\r\n\r\nhello\r\n";
const std::string kMail =
    "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nMessage-ID: <m1@example.org>\r\n"
    "Subject: plain mail\r\n\r\nan email\r\n";
const std::string kMdn =
    "From: bob@example.org\r\nTo: alice@example.org\r\nMessage-ID: <chat$mdn1@example.org>\r\n"
    "Chat-Version: 1.0\r\nContent-Type: multipart/report; report-type=disposition-notification; "
    "boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nread\r\n--b\r\n"
    "Content-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/"
    "MDN-sent-manually; displayed\r\n--b--\r\n";

TEST(WebPushStore, CapabilityOnlyAfterLogin) {
    World w;
    auto fresh = std::make_unique<ImapSession>(*w.store, nullptr, ImapSessionConfig{}, 9);
    EXPECT_THAT(fresh->greeting(), Not(HasSubstr("WEBPUSH")));
    EXPECT_THAT(fresh->receive("a CAPABILITY\r\n").data, Not(HasSubstr("WEBPUSH")));
    EXPECT_THAT(w.cmd("CAPABILITY"), HasSubstr(" WEBPUSH"));
    Deviations d;
    d.add(Deviation::webpush_before_login);
    World early(d);
    auto e = std::make_unique<ImapSession>(*early.store, nullptr, ImapSessionConfig{}, 9);
    EXPECT_THAT(e->receive("a CAPABILITY\r\n").data, HasSubstr("WEBPUSH"));
    // --plain has no WEBPUSH at all.
    ImapSessionConfig plain;
    plain.plain = true;
    StoreOptions po;
    po.coi = false;
    Store ps(po);
    ps.add_account("a@x", "pw");
    ImapSession p(ps, nullptr, plain, 1);
    p.greeting();
    p.receive("a LOGIN a@x pw\r\n");
    EXPECT_THAT(p.receive("b CAPABILITY\r\n").data, Not(HasSubstr("WEBPUSH")));
}

TEST(WebPushStore, VapidEntryIsReadOnly) {
    World w;
    const std::string out = w.cmd("GETMETADATA \"\" /private/vendor/vendor.dovecot/webpush/vapid");
    EXPECT_THAT(out, HasSubstr("-----BEGIN PUBLIC KEY-----"));
    EXPECT_TRUE(w.last_ok);
    w.cmd("SETMETADATA \"\" (/private/vendor/vendor.dovecot/webpush/vapid \"x\")");
    EXPECT_FALSE(w.last_ok);
}

TEST(WebPushStore, SubscribeListValidateUnsubscribe) {
    World w;
    json sub = w.ua.subscription("chat");
    sub["unknown"] = "dropped";
    w.subscribe("31754ee7-d3ee-4226-b112-6895ed26fcf8", sub);
    ASSERT_TRUE(w.last_ok);
    ASSERT_EQ(w.jobs.size(), 1u);
    const auto& v = w.jobs[0];
    EXPECT_TRUE(v.validation);
    EXPECT_EQ(v.endpoint, "https://push.example/p/1");
    EXPECT_EQ(v.p256dh, w.ua.key.public_key().uncompressed_point());
    const json payload = json::parse(v.payload);
    EXPECT_EQ(payload.size(), 1u);  // the single validation member
    EXPECT_LE(payload["validation"].get<std::string>().size(), 1024u);

    json list = w.listing();
    ASSERT_TRUE(list.contains("31754ee7-d3ee-4226-b112-6895ed26fcf8"));
    json s = list["31754ee7-d3ee-4226-b112-6895ed26fcf8"];
    EXPECT_EQ(s["validated"], false);
    EXPECT_TRUE(s["created"].is_string());
    EXPECT_EQ(s["created"].get<std::string>().size(), 20u);  // 2024-01-02T03:04:05Z
    EXPECT_FALSE(s.contains("unknown"));

    w.validate("31754ee7-d3ee-4226-b112-6895ed26fcf8", "wrong");
    EXPECT_FALSE(w.last_ok);
    w.validate("otherotherother", w.validation_value());
    EXPECT_FALSE(w.last_ok);
    const std::string ok = w.validate("31754ee7-d3ee-4226-b112-6895ed26fcf8", w.validation_value());
    EXPECT_TRUE(w.last_ok) << ok;
    EXPECT_EQ(w.listing()["31754ee7-d3ee-4226-b112-6895ed26fcf8"]["validated"], true);
    // Validated subscriptions outlive the time frame.
    w.now += 10min;
    EXPECT_TRUE(w.listing().contains("31754ee7-d3ee-4226-b112-6895ed26fcf8"));

    w.set("31754ee7-d3ee-4226-b112-6895ed26fcf8", std::nullopt);
    EXPECT_TRUE(w.last_ok);
    EXPECT_FALSE(w.listing().contains("31754ee7-d3ee-4226-b112-6895ed26fcf8"));
    w.deliver(kChat);
    EXPECT_TRUE(w.pushed_to().empty());
}

TEST(WebPushStore, RefusalsCarryAResponseCode) {
    World w;
    EXPECT_THAT(w.subscribe("short", w.ua.subscription("chat")), HasSubstr("NO [CANNOT]"));
    EXPECT_THAT(w.subscribe("bad.id.with.dots", w.ua.subscription("chat")),
                HasSubstr("NO [CANNOT]"));
    EXPECT_THAT(w.subscribe("abcdefghij", w.ua.subscription("Chat")), HasSubstr("NO [CANNOT]"));
    EXPECT_THAT(w.set("abcdefghij", std::string("not json")), HasSubstr("NO [CANNOT]"));
    EXPECT_THAT(w.set("abcdefghij/other", std::string("x")), HasSubstr("NO [CANNOT]"));
    EXPECT_TRUE(w.jobs.empty());  // nothing refused was pushed to
    EXPECT_TRUE(w.listing().empty());
    Deviations d;
    d.add(Deviation::webpush_accept_bad_id);
    World lax(d);
    lax.subscribe("short", lax.ua.subscription("chat"));
    EXPECT_TRUE(lax.last_ok);
}

TEST(WebPushStore, SeveralSubscriptionsUpToTheLimit) {
    World w({}, 3);
    for (const char* id : {"aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"}) {
        w.subscribe(id, w.ua.subscription("all"));
        EXPECT_TRUE(w.last_ok) << id;
    }
    EXPECT_THAT(w.subscribe("dddddddddd", w.ua.subscription("all")), HasSubstr("NO [LIMIT]"));
    EXPECT_EQ(w.listing().size(), 3u);
    // Replacing one is not one more.
    w.subscribe("aaaaaaaaaa", w.ua.subscription("mail"));
    EXPECT_TRUE(w.last_ok);
    w.set("bbbbbbbbbb", std::nullopt);
    w.subscribe("dddddddddd", w.ua.subscription("all"));
    EXPECT_TRUE(w.last_ok);
}

TEST(WebPushStore, LateValidationIsRefusedAndTheSubscriptionDiscarded) {
    World w;
    w.subscribe("latelatelate", w.ua.subscription("all"));
    const std::string value = w.validation_value();
    w.now += 5min + 1s;
    w.validate("latelatelate", value);
    EXPECT_FALSE(w.last_ok);
    EXPECT_FALSE(w.listing().contains("latelatelate"));

    // Discarded after the time frame even when the client never comes back.
    w.subscribe("neverneverne", w.ua.subscription("all"));
    EXPECT_TRUE(w.listing().contains("neverneverne"));
    w.now += 4min;
    EXPECT_TRUE(w.listing().contains("neverneverne"));
    w.now += 2min;
    EXPECT_EQ(w.store->expire_subscriptions(), 1u);
    EXPECT_FALSE(w.listing().contains("neverneverne"));
}

TEST(WebPushStore, PushesFollowMsgtype) {
    World w;
    w.subscribed("chatchatchat", "chat");
    w.subscribed("mailmailmail", "mail");
    w.subscribed("allallallall", "all");
    w.subscribe("unvalidated1", w.ua.subscription("all"));  // never validated: no pushes
    w.jobs.clear();
    w.deliver(kChat);
    EXPECT_THAT(w.pushed_to(), ::testing::UnorderedElementsAre("chatchatchat", "allallallall"));
    w.jobs.clear();
    w.deliver(kMail);
    EXPECT_THAT(w.pushed_to(), ::testing::UnorderedElementsAre("mailmailmail", "allallallall"));
    const json p = json::parse(w.jobs[0].payload);
    EXPECT_EQ(p["from-email"], "bob@example.org");
    EXPECT_EQ(p["subject"], "plain mail");
    EXPECT_EQ(p["folder"], "INBOX");
    EXPECT_EQ(p["uid"], 2);
    w.jobs.clear();
    w.deliver(kMdn);
    EXPECT_TRUE(w.pushed_to().empty());
}

TEST(WebPushStore, FilteredChatPushNamesChatsAndAppendPushesToo) {
    World w;
    w.subscribed("allallallall", "all");
    w.cmd(
        "SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled \"yes\" "
        "/private/vendor/vendor.dovecot/coi/config/message-filter \"active\")");
    ASSERT_TRUE(w.last_ok);
    w.jobs.clear();
    w.deliver(kChat);
    ASSERT_EQ(w.pushed_to().size(), 1u);
    EXPECT_EQ(json::parse(w.jobs[0].payload)["folder"], "COI/Chats");
    // APPEND of a chat message (the client marks it $Chat) into INBOX pushes; into Sent not.
    w.jobs.clear();
    w.cmd(fmt::format("APPEND INBOX ($Chat) {{{}+}}\r\n{}", kChat.size(), kChat));
    ASSERT_TRUE(w.last_ok);
    EXPECT_EQ(w.pushed_to().size(), 1u);
    w.jobs.clear();
    w.cmd(fmt::format("APPEND Sent {{{}+}}\r\n{}", kMail.size(), kMail));
    ASSERT_TRUE(w.last_ok);
    EXPECT_TRUE(w.pushed_to().empty());
}

TEST(WebPushStore, GoneSubscriptionsAreDropped) {
    World w;
    w.subscribed("gonegonegone", "all");
    EXPECT_FALSE(w.store->drop_subscription("alice@example.org", "gonegonegone",
                                            "https://elsewhere.example/"));
    EXPECT_TRUE(w.listing().contains("gonegonegone"));
    EXPECT_TRUE(w.store->drop_subscription("alice@example.org", "gonegonegone",
                                           "https://push.example/gonegonegone"));
    EXPECT_FALSE(w.listing().contains("gonegonegone"));
}

TEST(WebPushStore, WebPushEntriesBelongToTheServerNotMailboxes) {
    World w;
    w.cmd(fmt::format("SETMETADATA INBOX ({}/abcdefghij {{{}+}}\r\n{})", kSubs,
                      w.ua.subscription("all").dump().size(), w.ua.subscription("all").dump()));
    EXPECT_FALSE(w.last_ok);
}

}  // namespace
}  // namespace coitest::peer
