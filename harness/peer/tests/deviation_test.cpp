// Every deviation is detectable: for each one a protocol-level probe (IMAP and LMTP exchanges
// with the sans-I/O sessions, as a client would see them) passes on the conforming peer and
// fails on the peer with exactly that deviation. The probes also pass on the peer with every
// *other* deviation where the two are unrelated, which shows each deviation breaks one thing.
#include "peer/imap_session.hpp"
#include "peer/smtp_session.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <map>

namespace coitest::peer {
namespace {

constexpr std::string_view kPrefix = "/private/vendor/vendor.dovecot/coi/config";

struct World {
    explicit World(Deviations d) : store(options(d)) {
        store.add_account("alice@example.org", "pw");
        imap = std::make_unique<ImapSession>(store, nullptr, ImapSessionConfig{}, 1);
        imap->greeting();
        cmd("LOGIN alice@example.org pw");
    }
    static StoreOptions options(Deviations d) {
        StoreOptions o;
        o.deviations = d;
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

    Store store;
    std::unique_ptr<ImapSession> imap;
    int n = 0;
    bool last_ok = false;
};

const std::string kChatVersion = "Chat-Version: 1.0\r\nMessage-ID: <m1@x>\r\n\r\nhi";
const std::string kChatId = "Message-ID: <chat$2@x>\r\n\r\nhi";
const std::string kChatRefs = "Message-ID: <m3@x>\r\nReferences: <chat$0@x> <m0@x>\r\n\r\nhi";
// Recognised by all three rules: for probes that are not about recognition.
const std::string kChatAll =
    "Chat-Version: 1.0\r\nMessage-ID: <chat$4@x>\r\nReferences: <chat$0@x>\r\n\r\nhi";

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
