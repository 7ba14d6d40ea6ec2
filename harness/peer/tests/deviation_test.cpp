// Every deviation is detectable: for each one a protocol-level probe (IMAP and LMTP exchanges
// with the sans-I/O sessions, as a client would see them) passes on the conforming peer and
// fails on the peer with exactly that deviation. The probes also pass on the peer with every
// *other* deviation where the two are unrelated, which shows each deviation breaks one thing.
#include "peer/imap_session.hpp"
#include "peer/smtp_session.hpp"
#include "webpush/base64url.hpp"
#include "webpush/push_message.hpp"
#include "webpush/vapid.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

namespace coitest::peer {
namespace {

constexpr std::string_view kPrefix = "/private/vendor/vendor.dovecot/coi/config";

namespace wp = coitest::webpush;

// The VAPID keys of the probes' peer: the published one and, for webpush-foreign-vapid-key, a
// key nobody published (made once: key generation is the slow part).
const push::VapidKeys& vapid_keys() {
    static const push::VapidKeys keys{*wp::P256PrivateKey::generate(),
                                      *wp::P256PrivateKey::generate()};
    return keys;
}

std::string vapid_pem() {
    std::string pem = vapid_keys().published.public_key().to_pem();
    while (!pem.empty() && pem.back() == '\n') pem.pop_back();
    return pem;
}

struct World {
    explicit World(Deviations d) : store(options(d)), deviations(d) {
        store.add_account("alice@example.org", "pw");
        store.set_push_sink([this](push::PushJob j) { jobs.push_back(std::move(j)); });
        imap = std::make_unique<ImapSession>(store, nullptr, ImapSessionConfig{}, 1);
        imap->greeting();
        cmd("LOGIN alice@example.org pw");
    }
    static StoreOptions options(Deviations d) {
        StoreOptions o;
        o.deviations = d;
        o.webpush.vapid_public_pem = vapid_pem();
        return o;
    }
    // Runs one IMAP command; returns everything the server said.
    std::string cmd(std::string_view text) {
        const std::string tag = "t" + std::to_string(++n);
        std::string out = imap->receive(tag + " " + std::string(text) + "\r\n").data;
        last_ok = out.find(tag + " OK") != std::string::npos;
        return out;
    }
    bool ok(std::string_view text) {
        cmd(text);
        return last_ok;
    }
    void set(std::string_view key, std::string_view value) {
        cmd(fmt::format("SETMETADATA \"\" ({}/{} {})", kPrefix, key, value));
    }
    std::string get() { return cmd(fmt::format("GETMETADATA (DEPTH 1) \"\" ({})", kPrefix)); }
    bool listed(std::string_view mailbox, std::string_view attrs = {}) {
        const std::string out = cmd("LIST \"\" *");
        const auto at = out.find(fmt::format("\"{}\"\r\n", mailbox));
        if (at == std::string::npos) return false;
        const auto line = out.rfind("* LIST", at);
        return attrs.empty() || out.substr(line, at - line).find(attrs) != std::string::npos;
    }
    // Delivers over LMTP; returns the mailbox the peer says it used.
    std::string deliver(std::string_view message) {
        SmtpSessionConfig c;
        c.lmtp = true;
        SmtpSession s(store, nullptr, c, 2);
        const std::string out =
            s.receive(fmt::format("LHLO x\r\nMAIL FROM:<bob@example.org>\r\nRCPT "
                                  "TO:<alice@example.org>\r\nDATA\r\n{}\r\n.\r\n",
                                  message))
                .data;
        const auto at = out.find("delivered to ");
        return at == std::string::npos ? "" : out.substr(at + 13, out.find("\r\n", at) - at - 13);
    }
    // How many messages a mailbox holds and whether they all carry $Chat.
    std::pair<std::size_t, bool> contents(std::string_view mailbox) {
        const std::string out = cmd(fmt::format("EXAMINE \"{}\"", mailbox));
        const auto e = out.find(" EXISTS");
        const std::size_t count = std::stoul(out.substr(out.rfind("* ", e) + 2));
        const std::string flags = count ? cmd("FETCH 1:* FLAGS") : "";
        std::size_t chat = 0;
        for (auto p = flags.find("$Chat"); p != std::string::npos; p = flags.find("$Chat", p + 1))
            ++chat;
        cmd("CLOSE");
        return {count, count > 0 && chat == count};
    }

    // --- WebPush ---
    // Subscribes (a fresh user agent key) under `id` for every message type.
    bool subscribe(std::string_view id) {
        const nlohmann::json sub = {
            {"msgtype", "all"},
            {"resource",
             {{"endpoint", "https://push.example/p/1"},
              {"keys",
               {{"p256dh", wp::base64url_encode(ua.public_key().uncompressed_point())},
                {"auth", wp::base64url_encode(ua_auth)}}}}}};
        const std::string text = sub.dump();
        return ok(fmt::format("SETMETADATA \"\" ({}/{} {{{}+}}\r\n{})", kSubscriptions, id,
                              text.size(), text));
    }
    bool validate(std::string_view id, std::string_view value) {
        return ok(
            fmt::format("SETMETADATA \"\" ({}/{}/validate \"{}\")", kSubscriptions, id, value));
    }
    std::string validation_value() const {
        for (auto it = jobs.rbegin(); it != jobs.rend(); ++it)
            if (it->validation)
                return nlohmann::json::parse(it->payload)["validation"].get<std::string>();
        return {};
    }
    std::size_t message_pushes() const {
        std::size_t k = 0;
        for (const auto& j : jobs) k += j.validation ? 0 : 1;
        return k;
    }
    // The HTTP request the peer's sender would make for the last push.
    std::optional<push::PushRequest> last_request() const {
        if (jobs.empty()) return std::nullopt;
        push::RequestSettings settings;
        settings.now = 1700000000;
        auto r = push::build_push_request(jobs.back(), vapid_keys(), settings, deviations);
        if (!r) return std::nullopt;
        return *r;
    }
    // The VAPID key as GETMETADATA shows it.
    std::optional<wp::P256PublicKey> published_key() {
        const std::string out =
            cmd("GETMETADATA \"\" /private/vendor/vendor.dovecot/webpush/vapid");
        const auto begin = out.find("-----BEGIN PUBLIC KEY-----");
        const auto end = out.find("-----END PUBLIC KEY-----");
        if (begin == std::string::npos || end == std::string::npos) return std::nullopt;
        auto key = wp::P256PublicKey::from_pem(out.substr(begin, end + 24 - begin));
        if (!key) return std::nullopt;
        return *key;
    }

    Store store;
    Deviations deviations;
    std::unique_ptr<ImapSession> imap;
    int n = 0;
    bool last_ok = false;
    std::vector<push::PushJob> jobs;
    wp::P256PrivateKey ua = *wp::P256PrivateKey::generate();
    std::string ua_auth = "0123456789abcdef";
    static constexpr std::string_view kSubscriptions =
        "/private/vendor/vendor.dovecot/webpush/subscriptions";
};

std::string header(const push::PushRequest& r, std::string_view name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return "<absent>";
}

const std::string kChatVersion = "Chat-Version: 1.0\r\nMessage-ID: <m1@x>\r\n\r\nhi";
const std::string kChatId = "Message-ID: <chat$2@x>\r\n\r\nhi";
const std::string kChatRefs = "Message-ID: <m3@x>\r\nReferences: <chat$0@x> <m0@x>\r\n\r\nhi";
// Recognised by all three rules: for probes that are not about recognition.
const std::string kChatAll =
    "Chat-Version: 1.0\r\nMessage-ID: <chat$4@x>\r\nReferences: <chat$0@x>\r\n\r\nhi";
// A read receipt (RFC 8098) as a COI client sends it.
const std::string kMdn =
    "From: bob@example.org\r\nMessage-ID: <chat$mdn@x>\r\nChat-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: message/disposition-notification\r\n\r\nDisposition: "
    "manual-action/MDN-sent-manually; displayed\r\n--b--\r\n";

using Probe = std::function<bool(World&)>;  // true: the requirement is met

// A detection rule is met when the message shows either effect of recognition: filtered into
// Chats (message-filter active) or marked $Chat. One deviation may disable one effect; the other
// still shows.
bool recognised(World& w, const std::string& message) {
    w.set("enabled", "yes");
    w.set("message-filter", "active");
    const std::string where = w.deliver(message);
    return where == "COI/Chats" || w.contents(where).second;
}

void enable_active(World& w) {
    w.set("enabled", "yes");
    w.set("message-filter", "active");
}

const std::map<Deviation, Probe>& probes() {
    static const std::map<Deviation, Probe> p = {
        {Deviation::no_coi_capability,
         [](World& w) { return w.cmd("CAPABILITY").find(" COI") != std::string::npos; }},
        {Deviation::mailbox_root_missing,
         [](World& w) { return w.get().find("mailbox-root \"COI\"") != std::string::npos; }},
        {Deviation::enabled_accepts_invalid,
         [](World& w) {
             w.set("enabled", "true");
             return !w.last_ok;
         }},
        {Deviation::enabled_case_insensitive,
         [](World& w) {
             w.set("enabled", "YES");  // must not enable COI (so no folders appear)
             return !w.listed("COI/Chats");
         }},
        {Deviation::filter_case_insensitive,
         [](World& w) {
             w.set("message-filter", "ACTIVE");
             return !w.last_ok;
         }},
        {Deviation::no_contacts_folder,
         [](World& w) {
             w.set("enabled", "yes");
             return w.listed("COI/Contacts");
         }},
        {Deviation::no_chats_folder,
         [](World& w) {
             w.set("enabled", "yes");
             return w.listed("COI/Chats");
         }},
        {Deviation::chats_unsubscribed,
         [](World& w) {
             w.set("enabled", "yes");
             // Only judged when enabling made the folder (no-chats-folder is another rule).
             return !w.listed("COI/Chats") ||
                    w.cmd("LSUB \"\" *").find("\"COI/Chats\"") != std::string::npos;
         }},
        {Deviation::no_chat_keyword,
         [](World& w) {
             w.set("enabled", "yes");
             w.deliver(kChatAll);
             return w.contents("INBOX").second;
         }},
        {Deviation::ignore_chat_version, [](World& w) { return recognised(w, kChatVersion); }},
        {Deviation::ignore_message_id, [](World& w) { return recognised(w, kChatId); }},
        {Deviation::ignore_references, [](World& w) { return recognised(w, kChatRefs); }},
        {Deviation::active_filter_ignored,
         [](World& w) {
             enable_active(w);
             w.deliver(kChatAll);
             return w.contents("INBOX").first == 0 && w.contents("COI/Chats").first == 1;
         }},
        {Deviation::no_seen_move,
         [](World& w) {
             w.set("enabled", "yes");
             w.set("message-filter", "seen");
             w.deliver(kChatAll);
             w.cmd("SELECT INBOX");
             w.cmd("STORE 1 +FLAGS (\\Seen)");
             w.cmd("CLOSE");
             return w.contents("INBOX").first == 0 && w.contents("COI/Chats").first == 1;
         }},
        {Deviation::idle_woken_by_filtered,
         [](World& w) {
             enable_active(w);
             w.cmd("SELECT INBOX");
             w.cmd("IDLE");
             const std::string where = w.deliver(kChatAll);
             const std::string seen = w.imap->take_pending().data;
             w.imap->receive("DONE\r\n");
             // Judged when the message was filtered (active-filter-ignored is another rule).
             return where != "COI/Chats" || seen.find("EXISTS") == std::string::npos;
         }},
        {Deviation::filter_while_disabled,
         [](World& w) {
             enable_active(w);
             w.set("enabled", "NIL");
             return w.deliver(kChatAll) == "INBOX";
         }},
        {Deviation::delete_keeps_enabled,
         [](World& w) {
             enable_active(w);
             w.cmd("DELETE \"COI/Chats\"");
             // Still enabled = METADATA says yes *and* chat messages are still filtered.
             const bool says_enabled = w.get().find("enabled \"yes\"") != std::string::npos;
             const bool filtering = w.deliver(kChatAll) == "COI/Chats";
             return !(says_enabled && filtering);
         }},
        {Deviation::create_does_not_enable,
         [](World& w) {
             w.cmd("CREATE \"COI/Chats\"");
             return w.get().find("enabled \"yes\"") != std::string::npos;
         }},
        {Deviation::indirect_metadata_stale,
         [](World& w) {
             enable_active(w);
             w.cmd("DELETE \"COI/Chats\"");
             // If filtering stopped, METADATA must say so too.
             const bool filtering_stopped = w.deliver(kChatAll) == "INBOX";
             const bool says_enabled = w.get().find("enabled \"yes\"") != std::string::npos;
             return !(filtering_stopped && says_enabled);
         }},
        {Deviation::webpush_before_login,
         [](World& w) {
             ImapSession fresh(w.store, nullptr, ImapSessionConfig{}, 7);
             const std::string before = fresh.greeting() + fresh.receive("a CAPABILITY\r\n").data;
             return before.find("WEBPUSH") == std::string::npos &&
                    w.cmd("CAPABILITY").find(" WEBPUSH") != std::string::npos;
         }},
        {Deviation::webpush_unencrypted,
         [](World& w) {
             w.subscribe("probeprobe");
             const auto r = w.last_request();
             if (!r || header(*r, "Content-Encoding") != "aes128gcm") return false;
             auto plain = wp::decrypt_push(w.ua, w.ua_auth, r->body);
             return plain && plain->plaintext == w.jobs.back().payload;
         }},
        {Deviation::webpush_foreign_vapid_key,
         [](World& w) {
             w.subscribe("probeprobe");
             const auto key = w.published_key();
             const auto r = w.last_request();
             if (!key || !r) return false;
             auto creds = wp::parse_vapid_authorization(header(*r, "Authorization"));
             if (!creds) return false;
             wp::VapidExpectations expect;
             expect.audience = "https://push.example";
             expect.now = 1700000000;
             expect.expected_key = *key;
             return wp::verify_vapid(*creds, expect).has_value();
         }},
        {Deviation::webpush_no_created,
         [](World& w) {
             w.subscribe("probeprobe");
             return w.cmd(fmt::format("GETMETADATA (DEPTH 1) \"\" ({})", World::kSubscriptions))
                        .find("created") != std::string::npos;
         }},
        {Deviation::webpush_accept_bad_id,
         [](World& w) { return !w.subscribe("short") && !w.subscribe("has.dots.in.it"); }},
        {Deviation::webpush_push_mdn,
         [](World& w) {
             w.subscribe("probeprobe");
             w.validate("probeprobe", w.validation_value());
             w.deliver(kMdn);
             return w.message_pushes() == 0;
         }},
        {Deviation::webpush_accept_wrong_validation,
         [](World& w) {
             w.subscribe("probeprobe");
             return !w.validate("probeprobe", "not-the-value");
         }},
        {Deviation::chats_rename_allowed,
         [](World& w) {
             w.set("enabled", "yes");
             w.cmd("CREATE \"COI/Chats\"");  // in case enabling did not make it
             return !w.ok("RENAME \"COI/Chats\" Elsewhere") &&
                    w.ok("RENAME \"COI/Chats\" \"Trash/Chats\"");
         }},
    };
    return p;
}

class EachDeviation : public ::testing::TestWithParam<Deviation> {};

TEST_P(EachDeviation, ProbeTellsTheDeviantPeerFromTheConformingOne) {
    const Deviation d = GetParam();
    const auto it = probes().find(d);
    ASSERT_NE(it, probes().end()) << "no probe for " << info(d).name;
    World good{Deviations{}};
    EXPECT_TRUE(it->second(good)) << "the conforming peer fails the probe for " << info(d).name;
    Deviations only;
    only.add(d);
    World bad{only};
    EXPECT_FALSE(it->second(bad)) << info(d).name << " is not detected by its probe";
}

TEST_P(EachDeviation, BreaksOnlyItsOwnRequirement) {
    // Every other probe still passes with this deviation: it breaks its own requirement only.
    const Deviation d = GetParam();
    Deviations only;
    only.add(d);
    for (const auto& [other, probe] : probes()) {
        if (other == d) continue;
        World w{only};
        EXPECT_TRUE(probe(w)) << info(d).name << " also breaks the probe of " << info(other).name;
    }
}

std::vector<Deviation> every() {
    std::vector<Deviation> out;
    for (const auto& d : all_deviations()) out.push_back(d.id);
    return out;
}

INSTANTIATE_TEST_SUITE_P(Peer, EachDeviation, ::testing::ValuesIn(every()),
                         [](const ::testing::TestParamInfo<Deviation>& i) {
                             std::string n(peer::info(i.param).name);
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

}  // namespace
}  // namespace coitest::peer
