// --data DIR: what was committed comes back after a restart; half-done work is swept away.
#include "peer/persistence.hpp"
#include "peer/store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace coitest::peer {
namespace {

namespace fs = std::filesystem;

struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("coitest-peer-test-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::size_t files_in(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

TEST(Persistence, CommittedStateSurvivesARestart) {
    TempDir dir;
    std::uint32_t uidvalidity = 0, uid = 0;
    {
        Store s;
        Account& a = s.add_account("alice@example.org", "pw");
        ASSERT_TRUE(s.attach_data_dir(dir.path));
        ASSERT_TRUE(s.set_metadata(a, "", coi::kEnabledEntry, std::string("yes")));
        auto r = s.append(a, *a.mailbox("INBOX"), "Subject: x\r\n\r\nbytes\r\n",
                          FlagSet{"\\Flagged"}, 42);
        ASSERT_TRUE(r);
        uid = *r;
        uidvalidity = a.mailbox("INBOX")->uidvalidity;
        ASSERT_TRUE(s.create_mailbox(a, "Box/Sub"));
        ASSERT_TRUE(s.commit());
    }
    Store s;
    Account& a = s.add_account("alice@example.org", "new-password");
    ASSERT_TRUE(s.attach_data_dir(dir.path));
    Mailbox* inbox = a.mailbox("INBOX");
    ASSERT_TRUE(inbox);
    EXPECT_EQ(inbox->uidvalidity, uidvalidity);
    ASSERT_EQ(inbox->messages.size(), 1u);
    EXPECT_EQ(inbox->messages[0].uid, uid);
    EXPECT_EQ(*inbox->messages[0].bytes, "Subject: x\r\n\r\nbytes\r\n");
    EXPECT_EQ(inbox->messages[0].internal_date, 42);
    EXPECT_TRUE(inbox->messages[0].flags.contains("\\Flagged"));
    EXPECT_TRUE(a.mailbox("COI/Chats"));
    EXPECT_TRUE(a.mailbox("Box/Sub"));
    EXPECT_TRUE(s.coi_config(a).enabled);
    EXPECT_EQ(s.authenticate("alice@example.org", "new-password"), &a);  // users file wins
    // New UIDs continue where they left off.
    auto next = s.append(a, *inbox, "x", {}, 0);
    EXPECT_GT(*next, uid);
}

TEST(Persistence, ExpungedBodiesAreRemovedAndOrphansSwept) {
    TempDir dir;
    {
        Store s;
        Account& a = s.add_account("alice@example.org", "pw");
        ASSERT_TRUE(s.attach_data_dir(dir.path));
        auto u = s.append(a, *a.mailbox("INBOX"), "one", {}, 0);
        ASSERT_TRUE(s.commit());
        EXPECT_EQ(files_in(dir.path / "messages"), 1u);
        s.expunge(a, *a.mailbox("INBOX"), {*u});
        ASSERT_TRUE(s.commit());
        EXPECT_EQ(files_in(dir.path / "messages"), 0u);
        // A body written for a change that never committed (a crash in between).
        ASSERT_TRUE(s.append(a, *a.mailbox("INBOX"), "two", {}, 0));
        EXPECT_EQ(files_in(dir.path / "messages"), 1u);
    }
    std::ofstream(dir.path / "messages" / "999.eml") << "stray";
    Store s;
    Account& a = s.add_account("alice@example.org", "pw");
    ASSERT_TRUE(s.attach_data_dir(dir.path));
    EXPECT_TRUE(a.mailbox("INBOX")->messages.empty());
    EXPECT_EQ(files_in(dir.path / "messages"), 0u);
}

TEST(Persistence, CopiesShareNothingThatExpungeCouldBreak) {
    TempDir dir;
    {
        Store s;
        Account& a = s.add_account("alice@example.org", "pw");
        ASSERT_TRUE(s.attach_data_dir(dir.path));
        auto u = s.append(a, *a.mailbox("INBOX"), "shared body", {}, 0);
        ASSERT_TRUE(s.copy(a, *a.mailbox("INBOX"), {*u}, *a.mailbox("Sent"), true));
        ASSERT_TRUE(s.commit());
    }
    Store s;
    Account& a = s.add_account("alice@example.org", "pw");
    ASSERT_TRUE(s.attach_data_dir(dir.path));
    ASSERT_EQ(a.mailbox("Sent")->messages.size(), 1u);
    EXPECT_EQ(*a.mailbox("Sent")->messages[0].bytes, "shared body");
}

TEST(Persistence, SecondServerIsLockedOut) {
    TempDir dir;
    auto first = Persistence::open(dir.path);
    ASSERT_TRUE(first);
    auto second = Persistence::open(dir.path);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("in use"), std::string::npos);
}

TEST(Persistence, DamagedAccountFileIsAnError) {
    TempDir dir;
    {
        Store s;
        s.add_account("alice@example.org", "pw");
        ASSERT_TRUE(s.attach_data_dir(dir.path));
    }
    for (const auto& e : fs::directory_iterator(dir.path / "accounts"))
        std::ofstream(e.path()) << "{not json";
    Store s;
    s.add_account("alice@example.org", "pw");
    auto r = s.attach_data_dir(dir.path);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("account file"), std::string::npos);
}

TEST(Persistence, AtomicWriteReplacesWhole) {
    TempDir dir;
    const auto p = dir.path / "f.json";
    ASSERT_TRUE(write_file_atomically(p, "first"));
    ASSERT_TRUE(write_file_atomically(p, "second"));
    std::ifstream in(p);
    std::string s((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(s, "second");
    EXPECT_FALSE(fs::exists(dir.path / "f.json.tmp"));
}

}  // namespace
}  // namespace coitest::peer
