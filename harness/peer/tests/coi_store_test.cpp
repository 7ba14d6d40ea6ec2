// COI rules and the store's COI behaviour (coi-server-spec.md), with and without deviations.
#include "peer/coi.hpp"
#include "peer/store.hpp"

#include <gtest/gtest.h>

namespace coitest::peer {
namespace {

const std::string kPlain = "From: a@x\r\nMessage-ID: <m1@x>\r\nSubject: hi\r\n\r\nbody\r\n";
const std::string kChatVersion =
    "From: a@x\r\nChat-Version: 1.0\r\nMessage-ID: <m2@x>\r\n\r\nhi\r\n";
const std::string kChatId = "From: a@x\r\nMessage-ID: <chat$abc@x>\r\n\r\nhi\r\n";
const std::string kChatRefs =
    "From: a@x\r\nMessage-ID: <m3@x>\r\nReferences: <chat$first@x>\r\n <m0@x>\r\n\r\nhi\r\n";
const std::string kRefsNotFirst =
    "From: a@x\r\nMessage-ID: <m4@x>\r\nReferences: <m0@x> <chat$x@x>\r\n\r\nhi\r\n";

// --- detection -------------------------------------------------------------------------------
TEST(CoiDetect, ThreeRules) {
    EXPECT_FALSE(coi::detect(kPlain).any());
    EXPECT_TRUE(coi::detect(kChatVersion).chat_version);
    EXPECT_TRUE(coi::detect(kChatId).message_id);
    EXPECT_TRUE(coi::detect(kChatRefs).references);
    EXPECT_FALSE(coi::detect(kRefsNotFirst).any());
    // A header that only appears in the body does not count.
    EXPECT_FALSE(coi::detect("From: a@x\r\n\r\nChat-Version: 1.0\r\n").any());
}

TEST(CoiDetect, DeviationsIgnoreOneRuleEach) {
    Deviations none;
    for (auto [dev, msg] : {std::pair{Deviation::ignore_chat_version, kChatVersion},
                            std::pair{Deviation::ignore_message_id, kChatId},
                            std::pair{Deviation::ignore_references, kChatRefs}}) {
        Deviations d;
        d.add(dev);
        EXPECT_TRUE(coi::is_chat_message(msg, none));
        EXPECT_FALSE(coi::is_chat_message(msg, d)) << info(dev).name;
        // ... and only that rule: the other messages are still recognised.
        for (const auto& other : {kChatVersion, kChatId, kChatRefs})
            if (other != msg) {
                EXPECT_TRUE(coi::is_chat_message(other, d));
            }
    }
}

// --- config values ---------------------------------------------------------------------------
TEST(CoiConfig, EnabledValues) {
    Deviations none;
    EXPECT_TRUE(coi::check_config_value(coi::kEnabledEntry, "yes", none));
    EXPECT_TRUE(coi::check_config_value(coi::kEnabledEntry, std::nullopt, none));
    EXPECT_FALSE(coi::check_config_value(coi::kEnabledEntry, "YES", none));
    EXPECT_FALSE(coi::check_config_value(coi::kEnabledEntry, "true", none));
    EXPECT_FALSE(coi::check_config_value(coi::kMailboxRootEntry, "myroot", none));
    EXPECT_TRUE(coi::check_config_value(coi::kFilterEntry, "seen", none));
    EXPECT_FALSE(coi::check_config_value(coi::kFilterEntry, "inactive", none));
    EXPECT_FALSE(coi::check_config_value(coi::kFilterEntry, "Active", none));
    EXPECT_FALSE(coi::check_config_value(std::string(coi::kConfigPrefix) + "/other", "x", none));
    EXPECT_TRUE(coi::config_from("yes", "active", none).enabled);
    EXPECT_FALSE(coi::config_from("true", std::nullopt, none).enabled);
    EXPECT_EQ(coi::config_from("yes", std::nullopt, none).filter, coi::Filter::none);
}

TEST(CoiConfig, ValueDeviations) {
    Deviations a, b, c;
    a.add(Deviation::enabled_accepts_invalid);
    b.add(Deviation::enabled_case_insensitive);
    c.add(Deviation::filter_case_insensitive);
    EXPECT_TRUE(coi::check_config_value(coi::kEnabledEntry, "true", a));
    EXPECT_FALSE(coi::config_from("true", std::nullopt, a).enabled);  // still off
    EXPECT_TRUE(coi::check_config_value(coi::kEnabledEntry, "YES", b));
    EXPECT_TRUE(coi::config_from("YES", std::nullopt, b).enabled);
    EXPECT_TRUE(coi::check_config_value(coi::kFilterEntry, "ACTIVE", c));
    EXPECT_EQ(coi::config_from("yes", "ACTIVE", c).filter, coi::Filter::active);
}

TEST(Deviations, NamesAreUniqueAndEachNamesARequirement) {
    std::set<std::string_view> names;
    for (const auto& d : all_deviations()) {
        EXPECT_TRUE(names.insert(d.name).second) << d.name;
        EXPECT_TRUE(d.requirement.starts_with("coi-server.") ||
                    d.requirement.starts_with("webpush."))
            << d.name;
        EXPECT_EQ(deviation_from_name(d.name), d.id);
        EXPECT_EQ(&info(d.id), &d);
    }
    EXPECT_GE(names.size(), 10u);
    EXPECT_FALSE(deviation_from_name("no-such-deviation"));
}

// --- the store -------------------------------------------------------------------------------
class Counter : public MailboxObserver {
  public:
    void mailbox_changed() override { ++changes; }
    void mailbox_deleted() override { ++deleted; }
    int changes = 0;
    int deleted = 0;
};

struct StoreFixture : ::testing::Test {
    Store make(Deviation d) {
        StoreOptions o;
        o.deviations.add(d);
        return Store(o);
    }
    static Account& alice(Store& s) { return s.add_account("alice@example.org", "pw"); }
    static void enable(Store& s, Account& a, const char* filter = nullptr) {
        ASSERT_TRUE(s.set_metadata(a, "", coi::kEnabledEntry, std::string("yes")));
        if (filter) {
            ASSERT_TRUE(s.set_metadata(a, "", coi::kFilterEntry, std::string(filter)));
        }
    }
    static bool subscribed(const Account& a, const std::string& n) {
        return a.subscriptions.contains(n);
    }
};

TEST_F(StoreFixture, DefaultMailboxesAndAuthentication) {
    Store s;
    Account& a = alice(s);
    for (const char* n : {"INBOX", "Drafts", "Sent", "Trash", "Junk"})
        EXPECT_TRUE(a.mailbox(n)) << n;
    EXPECT_EQ(a.mailbox("Trash")->special_use, "\\Trash");
    EXPECT_EQ(s.authenticate("alice@example.org", "pw"), &a);
    EXPECT_EQ(s.authenticate("alice", "pw"), &a);
    EXPECT_EQ(s.authenticate("alice@example.org", "nope"), nullptr);
}

TEST_F(StoreFixture, EnablingCreatesAndSubscribesFolders) {
    Store s;
    Account& a = alice(s);
    EXPECT_FALSE(a.mailbox("COI/Chats"));
    enable(s, a);
    EXPECT_TRUE(a.mailbox("COI/Chats"));
    EXPECT_TRUE(a.mailbox("COI/Contacts"));
    EXPECT_TRUE(subscribed(a, "COI/Chats"));
    auto md = s.metadata(a, "");
    ASSERT_TRUE(md);
    EXPECT_EQ(md->at(std::string(coi::kMailboxRootEntry)), "COI");
    EXPECT_EQ(md->at(std::string(coi::kEnabledEntry)), "yes");
}

TEST_F(StoreFixture, FolderDeviations) {
    {
        Store s = make(Deviation::no_contacts_folder);
        Account& a = alice(s);
        enable(s, a);
        EXPECT_FALSE(a.mailbox("COI/Contacts"));
        EXPECT_TRUE(a.mailbox("COI/Chats"));
    }
    {
        Store s = make(Deviation::no_chats_folder);
        Account& a = alice(s);
        enable(s, a);
        EXPECT_FALSE(a.mailbox("COI/Chats"));
        EXPECT_TRUE(a.mailbox("COI/Contacts"));
    }
    {
        Store s = make(Deviation::chats_unsubscribed);
        Account& a = alice(s);
        enable(s, a);
        EXPECT_TRUE(a.mailbox("COI/Chats"));
        EXPECT_FALSE(subscribed(a, "COI/Chats"));
    }
    {
        Store s = make(Deviation::mailbox_root_missing);
        Account& a = alice(s);
        EXPECT_FALSE(s.metadata(a, "")->contains(std::string(coi::kMailboxRootEntry)));
    }
}

TEST_F(StoreFixture, InvalidValuesAreRefusedWithCannot) {
    Store s;
    Account& a = alice(s);
    auto r = s.set_metadata(a, "", coi::kEnabledEntry, std::string("true"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "CANNOT");
    EXPECT_FALSE(s.metadata(a, "")->contains(std::string(coi::kEnabledEntry)));
    EXPECT_FALSE(s.set_metadata(a, "", coi::kMailboxRootEntry, std::string("x")));
    EXPECT_FALSE(s.set_metadata(a, "", coi::kFilterEntry, std::string("inactive")));
    EXPECT_EQ(s.set_metadata(a, "", "/private/a*b", std::string("x")).error().code, "BAD");
    EXPECT_EQ(s.set_metadata(a, "", "/other/x", std::string("x")).error().code, "BAD");
    EXPECT_EQ(s.set_metadata(a, "NoSuchBox", "/private/x", std::string("x")).error().code,
              "NONEXISTENT");
}

TEST_F(StoreFixture, FilterActiveOrSeenCreatesChats) {
    Store s;
    Account& a = alice(s);
    ASSERT_TRUE(s.set_metadata(a, "", coi::kFilterEntry, std::string("seen")));
    EXPECT_TRUE(a.mailbox("COI/Chats"));
    EXPECT_FALSE(s.coi_config(a).enabled);  // creating it on the client's behalf enables nothing
}

TEST_F(StoreFixture, DeliveryNoneKeepsInInboxWithChatKeyword) {
    Store s;
    Account& a = alice(s);
    enable(s, a);
    auto d = s.deliver(a, kChatVersion);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->mailbox, "INBOX");
    EXPECT_TRUE(a.mailbox("INBOX")->find(d->uid)->flags.contains("$Chat"));
    auto p = s.deliver(a, kPlain);
    EXPECT_FALSE(a.mailbox("INBOX")->find(p->uid)->flags.contains("$Chat"));
    EXPECT_EQ(*a.mailbox("INBOX")->find(p->uid)->bytes, kPlain);  // byte-exact
}

TEST_F(StoreFixture, ActiveFilterStoresInChatsWithoutTouchingInbox) {
    Store s;
    Account& a = alice(s);
    enable(s, a, "active");
    Counter inbox;
    a.mailbox("INBOX")->add_observer(&inbox);
    for (const auto& m : {kChatVersion, kChatId, kChatRefs}) {
        auto d = s.deliver(a, m);
        ASSERT_TRUE(d);
        EXPECT_EQ(d->mailbox, "COI/Chats");
    }
    EXPECT_EQ(inbox.changes, 0);
    EXPECT_TRUE(a.mailbox("INBOX")->messages.empty());
    EXPECT_EQ(a.mailbox("COI/Chats")->messages.size(), 3u);
    auto p = s.deliver(a, kPlain);
    EXPECT_EQ(p->mailbox, "INBOX");
    EXPECT_EQ(inbox.changes, 1);
    a.mailbox("INBOX")->remove_observer(&inbox);
}

TEST_F(StoreFixture, IdleWokenDeviationStoresInInboxFirst) {
    Store s = make(Deviation::idle_woken_by_filtered);
    Account& a = alice(s);
    enable(s, a, "active");
    Counter inbox;
    a.mailbox("INBOX")->add_observer(&inbox);
    auto d = s.deliver(a, kChatVersion);
    EXPECT_EQ(d->mailbox, "COI/Chats");  // it ends up filtered ...
    EXPECT_GE(inbox.changes, 1);         // ... but INBOX saw it first
    a.mailbox("INBOX")->remove_observer(&inbox);
}

TEST_F(StoreFixture, FilterDeviations) {
    {
        Store s = make(Deviation::active_filter_ignored);
        Account& a = alice(s);
        enable(s, a, "active");
        EXPECT_EQ(s.deliver(a, kChatVersion)->mailbox, "INBOX");
    }
    {
        Store s = make(Deviation::no_chat_keyword);
        Account& a = alice(s);
        enable(s, a, "active");
        auto d = s.deliver(a, kChatVersion);
        EXPECT_EQ(d->mailbox, "COI/Chats");
        EXPECT_FALSE(a.mailbox("COI/Chats")->find(d->uid)->flags.contains("$Chat"));
    }
    {
        Store s = make(Deviation::ignore_references);
        Account& a = alice(s);
        enable(s, a, "active");
        EXPECT_EQ(s.deliver(a, kChatRefs)->mailbox, "INBOX");
        EXPECT_EQ(s.deliver(a, kChatId)->mailbox, "COI/Chats");
    }
}

TEST_F(StoreFixture, DisabledMeansNoFilteringUnlessDeviating) {
    {
        Store s;
        Account& a = alice(s);
        enable(s, a, "active");
        ASSERT_TRUE(s.set_metadata(a, "", coi::kEnabledEntry, std::nullopt));
        EXPECT_EQ(s.deliver(a, kChatVersion)->mailbox, "INBOX");
    }
    {
        Store s = make(Deviation::filter_while_disabled);
        Account& a = alice(s);
        enable(s, a, "active");
        ASSERT_TRUE(s.set_metadata(a, "", coi::kEnabledEntry, std::nullopt));
        EXPECT_EQ(s.deliver(a, kChatVersion)->mailbox, "COI/Chats");
    }
}

TEST_F(StoreFixture, SeenModeMovesOnSeen) {
    Store s;
    Account& a = alice(s);
    enable(s, a, "seen");
    Mailbox& inbox = *a.mailbox("INBOX");
    auto chat = s.deliver(a, kChatId);
    auto plain = s.deliver(a, kPlain);
    EXPECT_EQ(chat->mailbox, "INBOX");
    const FlagSet seen{"\\Seen"};
    s.set_flags(a, inbox, {chat->uid, plain->uid}, seen, Store::FlagMode::add, std::nullopt);
    EXPECT_FALSE(inbox.find(chat->uid));
    EXPECT_TRUE(inbox.find(plain->uid));
    ASSERT_EQ(a.mailbox("COI/Chats")->messages.size(), 1u);
    const auto& moved = a.mailbox("COI/Chats")->messages[0];
    EXPECT_TRUE(moved.flags.contains("\\Seen"));
    EXPECT_TRUE(moved.flags.contains("$Chat"));
    EXPECT_EQ(*moved.bytes, kChatId);
}

TEST_F(StoreFixture, SeenMoveDeviation) {
    Store s = make(Deviation::no_seen_move);
    Account& a = alice(s);
    enable(s, a, "seen");
    auto chat = s.deliver(a, kChatId);
    s.set_flags(a, *a.mailbox("INBOX"), {chat->uid}, FlagSet{"\\Seen"}, Store::FlagMode::add,
                std::nullopt);
    EXPECT_TRUE(a.mailbox("INBOX")->find(chat->uid));
}

TEST_F(StoreFixture, IndirectEnableByCreateAndDisableByDelete) {
    Store s;
    Account& a = alice(s);
    ASSERT_TRUE(s.create_mailbox(a, "COI/Chats"));
    EXPECT_TRUE(s.coi_config(a).enabled);
    EXPECT_EQ(s.metadata(a, "")->at(std::string(coi::kEnabledEntry)), "yes");
    EXPECT_TRUE(a.mailbox("COI/Contacts"));
    ASSERT_TRUE(s.delete_mailbox(a, "COI/Chats"));
    EXPECT_FALSE(s.coi_config(a).enabled);
    EXPECT_FALSE(s.metadata(a, "")->contains(std::string(coi::kEnabledEntry)));
}

TEST_F(StoreFixture, RenameChatsOnlyIntoTrash) {
    Store s;
    Account& a = alice(s);
    enable(s, a);
    auto r = s.rename_mailbox(a, "COI/Chats", "Elsewhere");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "CANNOT");
    EXPECT_FALSE(s.rename_mailbox(a, "COI", "Other"));  // moves Chats too
    ASSERT_TRUE(s.rename_mailbox(a, "COI/Chats", "Trash/Chats"));
    EXPECT_FALSE(s.coi_config(a).enabled);
    EXPECT_TRUE(a.mailbox("Trash/Chats"));
    // Renaming a folder to Chats enables COI again.
    ASSERT_TRUE(s.rename_mailbox(a, "Trash/Chats", "COI/Chats"));
    EXPECT_TRUE(s.coi_config(a).enabled);
}

TEST_F(StoreFixture, IndirectDeviations) {
    {
        Store s = make(Deviation::chats_rename_allowed);
        Account& a = alice(s);
        enable(s, a);
        EXPECT_TRUE(s.rename_mailbox(a, "COI/Chats", "Elsewhere"));
    }
    {
        Store s = make(Deviation::delete_keeps_enabled);
        Account& a = alice(s);
        enable(s, a);
        ASSERT_TRUE(s.delete_mailbox(a, "COI/Chats"));
        EXPECT_TRUE(s.coi_config(a).enabled);
    }
    {
        Store s = make(Deviation::create_does_not_enable);
        Account& a = alice(s);
        ASSERT_TRUE(s.create_mailbox(a, "COI/Chats"));
        EXPECT_FALSE(s.coi_config(a).enabled);
    }
    {
        Store s = make(Deviation::indirect_metadata_stale);
        Account& a = alice(s);
        enable(s, a, "active");
        ASSERT_TRUE(s.delete_mailbox(a, "COI/Chats"));
        EXPECT_FALSE(s.coi_config(a).enabled);  // filtering is off ...
        EXPECT_EQ(s.deliver(a, kChatId)->mailbox, "INBOX");
        EXPECT_EQ(s.metadata(a, "")->at(std::string(coi::kEnabledEntry)), "yes");  // ... says yes
    }
}

TEST_F(StoreFixture, QuotaAndSizeLimits) {
    StoreOptions o;
    o.quota_bytes = 100;
    o.max_message = 80;
    Store s(o);
    Account& a = alice(s);
    EXPECT_EQ(s.append(a, *a.mailbox("INBOX"), std::string(81, 'x'), {}, 0).error().code, "TOOBIG");
    ASSERT_TRUE(s.append(a, *a.mailbox("INBOX"), std::string(60, 'x'), {}, 0));
    EXPECT_EQ(s.append(a, *a.mailbox("INBOX"), std::string(60, 'x'), {}, 0).error().code,
              "OVERQUOTA");
    EXPECT_EQ(s.deliver(a, std::string(60, 'x')).error().code, "OVERQUOTA");
}

TEST_F(StoreFixture, MailboxNamesAndHierarchy) {
    Store s;
    Account& a = alice(s);
    EXPECT_TRUE(s.create_mailbox(a, "a/b/c"));
    EXPECT_TRUE(a.mailbox("a"));
    EXPECT_TRUE(a.mailbox("a/b"));
    EXPECT_EQ(s.create_mailbox(a, "a/b").error().code, "ALREADYEXISTS");
    EXPECT_EQ(s.create_mailbox(a, "inbox").error().code, "ALREADYEXISTS");
    EXPECT_FALSE(s.create_mailbox(a, "x*y"));
    EXPECT_FALSE(s.create_mailbox(a, "x//y"));
    EXPECT_FALSE(s.delete_mailbox(a, "INBOX"));
    ASSERT_TRUE(s.rename_mailbox(a, "a", "z"));
    EXPECT_TRUE(a.mailbox("z/b/c"));
    EXPECT_FALSE(a.mailbox("a/b"));
}

TEST_F(StoreFixture, CopyMoveAndExpungeNotify) {
    Store s;
    Account& a = alice(s);
    Mailbox& inbox = *a.mailbox("INBOX");
    Mailbox& sent = *a.mailbox("Sent");
    const auto u1 = *s.append(a, inbox, kPlain, FlagSet{"\\Flagged"}, 5);
    Counter c;
    inbox.add_observer(&c);
    auto moved = s.copy(a, inbox, {u1}, sent, true);
    ASSERT_TRUE(moved);
    ASSERT_EQ(moved->size(), 1u);
    EXPECT_FALSE(inbox.find(u1));
    EXPECT_TRUE(sent.find(moved->front().second)->flags.contains("\\Flagged"));
    EXPECT_EQ(c.changes, 1);
    inbox.remove_observer(&c);
}

TEST_F(StoreFixture, MetadataLimits) {
    StoreOptions o;
    o.max_metadata_value = 4;
    o.max_metadata_entries = 2;
    Store s(o);
    Account& a = alice(s);
    EXPECT_EQ(s.set_metadata(a, "", "/private/x", std::string("12345")).error().code,
              "METADATA MAXSIZE 4");
    ASSERT_TRUE(s.set_metadata(a, "", "/private/a", std::string("1")));
    ASSERT_TRUE(s.set_metadata(a, "INBOX", "/shared/b", std::string("1")));
    EXPECT_EQ(s.set_metadata(a, "", "/private/c", std::string("1")).error().code,
              "METADATA TOOMANY");
    EXPECT_TRUE(s.set_metadata(a, "", "/private/a", std::string("2")));  // replacing is fine
}

}  // namespace
}  // namespace coitest::peer
