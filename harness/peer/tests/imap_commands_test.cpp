// The remaining IMAP commands, one behaviour each, through the sans-I/O session.
#include "peer/imap_session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coitest::peer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kMessage =
    "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: multi\r\n"
    "Date: Tue, 05 Nov 2024 09:09:00 +0000\r\nMessage-ID: <m@x>\r\n"
    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nplain part\r\n"
    "--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n";

struct Commands : ::testing::Test {
    Store store;
    Account& alice = store.add_account("alice@example.org", "pw");
    ImapSession s{store, nullptr, {}, 1};

    void SetUp() override {
        s.greeting();
        ASSERT_THAT(run("l LOGIN alice@example.org pw"), HasSubstr("l OK"));
    }
    std::string run(std::string_view line) { return s.receive(std::string(line) + "\r\n").data; }
    void add(const std::string& m, FlagSet flags = {}, std::int64_t date = 1730797740) {
        ASSERT_TRUE(store.append(alice, *alice.mailbox("INBOX"), m, std::move(flags), date));
    }
};

TEST_F(Commands, IdNamespaceEnableCheck) {
    EXPECT_THAT(run("a ID (\"name\" \"test\")"), HasSubstr("* ID (\"name\" \"coitest\""));
    EXPECT_THAT(run("b NAMESPACE"), HasSubstr("* NAMESPACE ((\"\" \"/\")) NIL NIL"));
    const std::string e = run("c ENABLE CONDSTORE QRESYNC");
    EXPECT_THAT(e, HasSubstr("* ENABLED CONDSTORE\r\n"));  // QRESYNC is not offered
    run("s SELECT INBOX");
    EXPECT_THAT(run("d CHECK"), HasSubstr("d OK"));
}

TEST_F(Commands, QuotaRootAndQuota) {
    add(std::string(3000, 'x'));
    const std::string q = run("a GETQUOTAROOT INBOX");
    EXPECT_THAT(q, HasSubstr("* QUOTAROOT \"INBOX\" \"\""));
    EXPECT_THAT(q, HasSubstr("* QUOTA \"\" (STORAGE 3 262144)"));
    EXPECT_THAT(run("b GETQUOTA \"\""), HasSubstr("(STORAGE 3 262144)"));
    EXPECT_THAT(run("c GETQUOTA other"), HasSubstr("c NO"));
    EXPECT_THAT(run("d GETQUOTAROOT Nope"), HasSubstr("d NO [NONEXISTENT]"));
}

TEST_F(Commands, StatusOfAnyMailbox) {
    add(kMessage);
    add(kMessage, FlagSet{"\\Seen"});
    EXPECT_THAT(run("a STATUS INBOX (MESSAGES UNSEEN UIDNEXT RECENT)"),
                HasSubstr("* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 1 UIDNEXT 3 RECENT 2)"));
    EXPECT_THAT(run("b STATUS Nope (MESSAGES)"), HasSubstr("b NO [NONEXISTENT]"));
}

TEST_F(Commands, CreateWithUseDeleteRenameSubscribe) {
    EXPECT_THAT(run("a CREATE Archive (USE (\\Archive))"), HasSubstr("a OK"));
    EXPECT_THAT(run("b LIST \"\" Archive"), HasSubstr("\\Archive) \"/\" \"Archive\""));
    EXPECT_THAT(run("c CREATE X (USE (\\Bogus))"), HasSubstr("c NO [USEATTR]"));
    EXPECT_THAT(run("d RENAME Archive Old"), HasSubstr("d OK"));
    EXPECT_THAT(run("e SUBSCRIBE Old"), HasSubstr("e OK"));
    EXPECT_THAT(run("f LSUB \"\" Old"), HasSubstr("* LSUB"));
    EXPECT_THAT(run("g UNSUBSCRIBE Old"), HasSubstr("g OK"));
    EXPECT_THAT(run("h LSUB \"\" Old"), Not(HasSubstr("* LSUB")));
    EXPECT_THAT(run("i DELETE Old"), HasSubstr("i OK"));
    EXPECT_THAT(run("j DELETE Old"), HasSubstr("j NO [NONEXISTENT]"));
    EXPECT_THAT(run("k RENAME Nope X"), HasSubstr("k NO [NONEXISTENT]"));
    EXPECT_THAT(run("l RENAME Sent Trash"), HasSubstr("l NO [ALREADYEXISTS]"));
}

TEST_F(Commands, RenameInboxMovesItsMessages) {
    add(kMessage);
    EXPECT_THAT(run("a RENAME INBOX Saved"), HasSubstr("a OK"));
    EXPECT_THAT(run("b STATUS Saved (MESSAGES)"), HasSubstr("(MESSAGES 1)"));
    EXPECT_THAT(run("c STATUS INBOX (MESSAGES)"), HasSubstr("(MESSAGES 0)"));
}

TEST_F(Commands, ExamineIsReadOnly) {
    add(kMessage);
    EXPECT_THAT(run("a EXAMINE INBOX"), HasSubstr("a OK [READ-ONLY]"));
    EXPECT_THAT(run("b STORE 1 +FLAGS (\\Seen)"), HasSubstr("b NO [READ-ONLY]"));
    EXPECT_THAT(run("c FETCH 1 BODY[]"), Not(HasSubstr("\\Seen")));  // no implicit \Seen
    EXPECT_THAT(run("d EXPUNGE"), HasSubstr("d NO"));
    EXPECT_THAT(run("e UID MOVE 1 Trash"), HasSubstr("e NO [READ-ONLY]"));
}

TEST_F(Commands, FetchStructureEnvelopeDatePartial) {
    add(kMessage);
    run("s SELECT INBOX");
    const std::string f = run(
        "a FETCH 1 (INTERNALDATE ENVELOPE BODYSTRUCTURE BODY[1] BODY.PEEK[2.MIME] BODY.PEEK[]<6.3> "
        "RFC822.HEADER)");
    EXPECT_THAT(f, HasSubstr("INTERNALDATE \"05-Nov-2024 09:09:00 +0000\""));
    EXPECT_THAT(f, HasSubstr("ENVELOPE (\"Tue, 05 Nov 2024 09:09:00 +0000\" \"multi\" "
                             "((\"Bob\" NIL \"bob\" \"example.org\"))"));
    EXPECT_THAT(f, HasSubstr("BODYSTRUCTURE ((\"TEXT\" \"PLAIN\""));
    EXPECT_THAT(f, HasSubstr("\"ALTERNATIVE\" (\"BOUNDARY\" \"b\")"));
    EXPECT_THAT(f, HasSubstr("BODY[1] {10}\r\nplain part"));
    EXPECT_THAT(f, HasSubstr("BODY[2.MIME] {27}\r\nContent-Type: text/html\r\n\r\n"));
    EXPECT_THAT(f, HasSubstr("BODY[]<6> {3}\r\nBob"));
    EXPECT_THAT(f, HasSubstr("RFC822.HEADER {"));
    EXPECT_THAT(f, HasSubstr("FLAGS (\\Seen"));  // BODY[1] set \Seen
    EXPECT_THAT(run("b FETCH 1 BODY[9]"), HasSubstr("BODY[9] {0}\r\n"));
    EXPECT_THAT(run("c FETCH 1 FAST"), HasSubstr("RFC822.SIZE " + std::to_string(kMessage.size())));
    EXPECT_THAT(run("d FETCH 5 FLAGS"), Not(HasSubstr("FETCH (")));  // beyond the last: nothing
}

TEST_F(Commands, SearchKeysEsearchAndCharset) {
    add(kMessage, FlagSet{"\\Flagged"}, 1730797740);   // 5 Nov 2024
    add("Subject: other\r\n\r\nzzz", {}, 1700000000);  // 14 Nov 2023
    run("s SELECT INBOX");
    EXPECT_THAT(run("a SEARCH FLAGGED"), HasSubstr("* SEARCH 1\r\n"));
    EXPECT_THAT(run("b SEARCH SUBJECT OTHER"), HasSubstr("* SEARCH 2\r\n"));
    EXPECT_THAT(run("c SEARCH BODY \"HTML</p>\""), HasSubstr("* SEARCH 1\r\n"));
    EXPECT_THAT(run("d SEARCH SINCE 1-Jan-2024"), HasSubstr("* SEARCH 1\r\n"));
    EXPECT_THAT(run("e SEARCH SENTON 5-Nov-2024"), HasSubstr("* SEARCH 1\r\n"));
    EXPECT_THAT(run("f SEARCH LARGER 100"), HasSubstr("* SEARCH 1\r\n"));
    EXPECT_THAT(run("g SEARCH NOT FROM bob"), HasSubstr("* SEARCH 2\r\n"));
    EXPECT_THAT(run("h SEARCH OR FLAGGED SUBJECT other"), HasSubstr("* SEARCH 1 2\r\n"));
    EXPECT_THAT(run("i UID SEARCH RETURN (MIN COUNT) ALL"),
                HasSubstr("* ESEARCH (TAG \"i\") UID MIN 1 COUNT 2"));
    EXPECT_THAT(run("j SEARCH CHARSET KOI8-R ALL"), HasSubstr("j NO [BADCHARSET"));
    EXPECT_THAT(run("k SEARCH HEADER Message-ID <m@x>"), HasSubstr("* SEARCH 1\r\n"));
}

TEST_F(Commands, UidExpungeOnlyTheGivenDeletedMessages) {
    add(kMessage, FlagSet{"\\Deleted"});
    add(kMessage, FlagSet{"\\Deleted"});
    run("s SELECT INBOX");
    const std::string e = run("a UID EXPUNGE 2");
    EXPECT_THAT(e, HasSubstr("* 2 EXPUNGE"));
    EXPECT_THAT(e, Not(HasSubstr("* 1 EXPUNGE")));
    EXPECT_EQ(alice.mailbox("INBOX")->messages.size(), 1u);
}

TEST_F(Commands, CloseExpungesSilentlyUnselectDoesNot) {
    add(kMessage, FlagSet{"\\Deleted"});
    run("s SELECT INBOX");
    EXPECT_THAT(run("a UNSELECT"), Not(HasSubstr("EXPUNGE")));
    EXPECT_EQ(alice.mailbox("INBOX")->messages.size(), 1u);
    run("t SELECT INBOX");
    const std::string c = run("b CLOSE");
    EXPECT_THAT(c, Not(HasSubstr("EXPUNGE")));
    EXPECT_THAT(c, HasSubstr("b OK"));
    EXPECT_TRUE(alice.mailbox("INBOX")->messages.empty());
    EXPECT_THAT(run("c FETCH 1 FLAGS"), HasSubstr("c BAD"));  // nothing selected any more
}

TEST_F(Commands, AppendRefusals) {
    EXPECT_THAT(run("a APPEND Nope {1+}\r\nx"), HasSubstr("a NO [TRYCREATE]"));
    EXPECT_THAT(run("b APPEND INBOX (\\Bogus) {1+}\r\nx"), HasSubstr("b BAD"));
}

TEST_F(Commands, LogoutSaysBye) {
    const auto o = s.receive("z LOGOUT\r\n");
    EXPECT_THAT(o.data, HasSubstr("* BYE"));
    EXPECT_THAT(o.data, HasSubstr("z OK"));
    EXPECT_TRUE(o.close);
}

}  // namespace
}  // namespace coitest::peer
