// The IMAP session state machine without sockets: bytes in, bytes out, two sessions sharing a
// store.
#include "peer/imap_session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coitest::peer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kChat =
    "From: bob@example.org\r\nChat-Version: 1.0\r\nMessage-ID: <chat$1@x>\r\n\r\nhi\r\n";
const std::string kPlain =
    "From: bob@example.org\r\nSubject: plain\r\nMessage-ID: <p1@x>\r\n\r\nbody\r\n";

struct ImapSessionTest : ::testing::Test {
    Store store;
    Recorder recorder;
    Account& alice = store.add_account("alice@example.org", "pw");

    std::unique_ptr<ImapSession> session(ImapSessionConfig cfg = {}) {
        auto s = std::make_unique<ImapSession>(store, &recorder, cfg, ++ids);
        s->greeting();
        return s;
    }
    static std::string run(ImapSession& s, std::string_view in) {
        std::string out;
        auto o = s.receive(in);
        out += o.data;
        while (o.more) {
            o = s.receive({});
            out += o.data;
        }
        return out;
    }
    std::unique_ptr<ImapSession> logged_in(ImapSessionConfig cfg = {}) {
        auto s = session(cfg);
        EXPECT_THAT(run(*s, "l LOGIN alice@example.org pw\r\n"), HasSubstr("l OK"));
        return s;
    }
    std::uint64_t ids = 0;
};

TEST_F(ImapSessionTest, GreetingAndCapabilitiesByState) {
    ImapSessionConfig cfg;
    cfg.starttls_available = true;
    auto s = session(cfg);
    EXPECT_THAT(s->greeting(), HasSubstr("STARTTLS"));
    EXPECT_THAT(s->greeting(), Not(HasSubstr("COI")));
    const std::string before = run(*s, "a CAPABILITY\r\n");
    EXPECT_THAT(before, HasSubstr("AUTH=PLAIN"));
    EXPECT_THAT(before, Not(HasSubstr(" COI")));
    run(*s, "b LOGIN alice@example.org pw\r\n");
    const std::string after = run(*s, "c CAPABILITY\r\n");
    EXPECT_THAT(after, HasSubstr(" COI"));
    EXPECT_THAT(after, HasSubstr(" METADATA"));
    EXPECT_THAT(after, Not(HasSubstr("STARTTLS")));
}

TEST_F(ImapSessionTest, PlainModeHasNoCoiNorMetadata) {
    ImapSessionConfig cfg;
    cfg.plain = true;
    auto s = logged_in(cfg);
    const std::string caps = run(*s, "c CAPABILITY\r\n");
    EXPECT_THAT(caps, Not(HasSubstr("COI")));
    EXPECT_THAT(caps, Not(HasSubstr("METADATA")));
    EXPECT_THAT(run(*s, "g GETMETADATA \"\" /private/x\r\n"), HasSubstr("g BAD"));
}

TEST_F(ImapSessionTest, NoCoiCapabilityDeviation) {
    StoreOptions o;
    o.deviations.add(Deviation::no_coi_capability);
    Store st(o);
    st.add_account("x@example.org", "pw");
    ImapSession s(st, nullptr, {}, 1);
    run(s, "l LOGIN x@example.org pw\r\n");
    EXPECT_THAT(run(s, "c CAPABILITY\r\n"), Not(HasSubstr(" COI")));
}

TEST_F(ImapSessionTest, LoginFailuresAndStateChecks) {
    auto s = session();
    EXPECT_THAT(run(*s, "a LIST \"\" \"\"\r\n"), HasSubstr("a BAD"));
    EXPECT_THAT(run(*s, "b LOGIN alice@example.org wrong\r\n"),
                HasSubstr("b NO [AUTHENTICATIONFAILED]"));
    EXPECT_THAT(run(*s, "c FETCH 1 FLAGS\r\n"), HasSubstr("c BAD"));
    EXPECT_THAT(run(*s, "d LOGIN alice@example.org pw\r\n"), HasSubstr("d OK"));
    EXPECT_THAT(run(*s, "e FETCH 1 FLAGS\r\n"), HasSubstr("e BAD"));  // nothing selected
    EXPECT_THAT(run(*s, "f LOGIN alice@example.org pw\r\n"), HasSubstr("f BAD"));
    // Passwords never reach the records.
    for (const auto& r : recorder.commands()) EXPECT_THAT(r.line, Not(HasSubstr("wrong")));
}

TEST_F(ImapSessionTest, TooManyFailedLoginsEndTheConnection) {
    auto s = session();
    ImapOutput o;
    for (int i = 0; i < 5; ++i) o = s->receive("a LOGIN alice@example.org bad\r\n");
    EXPECT_TRUE(o.close);
    EXPECT_THAT(o.data, HasSubstr("* BYE"));
}

TEST_F(ImapSessionTest, AuthenticatePlainBothWays) {
    auto s = session();
    // "\0alice@example.org\0pw"
    EXPECT_THAT(run(*s, "a AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHB3\r\n"),
                HasSubstr("a OK"));
    auto t = session();
    EXPECT_THAT(run(*t, "a AUTHENTICATE PLAIN\r\n"), HasSubstr("+ "));
    EXPECT_THAT(run(*t, "AGFsaWNlQGV4YW1wbGUub3JnAHB3\r\n"), HasSubstr("a OK"));
    auto u = session();
    run(*u, "a AUTHENTICATE PLAIN\r\n");
    EXPECT_THAT(run(*u, "*\r\n"), HasSubstr("a BAD"));
    EXPECT_THAT(run(*u, "b AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHh4\r\n"),
                HasSubstr("b NO"));
}

TEST_F(ImapSessionTest, StarttlsStopsProcessingAndDropsPipelinedCommands) {
    ImapSessionConfig cfg;
    cfg.starttls_available = true;
    auto s = session(cfg);
    auto o = s->receive("a STARTTLS\r\nb LOGIN alice@example.org pw\r\n");
    EXPECT_TRUE(o.start_tls);
    EXPECT_THAT(o.data, HasSubstr("a OK"));
    EXPECT_THAT(o.data, Not(HasSubstr("b ")));
    s->tls_started();
    EXPECT_EQ(s->receive({}).data, "");  // "b LOGIN" was plain text: gone
    EXPECT_THAT(run(*s, "c STARTTLS\r\n"), HasSubstr("c BAD"));
}

TEST_F(ImapSessionTest, AppendSelectFetchRoundTrip) {
    auto s = logged_in();
    const std::string lit =
        "x APPEND INBOX (\\Flagged) {" + std::to_string(kPlain.size()) + "}\r\n";
    EXPECT_THAT(run(*s, lit), HasSubstr("+ Ready"));
    EXPECT_THAT(run(*s, kPlain + "\r\n"), HasSubstr("x OK [APPENDUID "));
    const std::string sel = run(*s, "s SELECT INBOX\r\n");
    EXPECT_THAT(sel, HasSubstr("* 1 EXISTS"));
    EXPECT_THAT(sel, HasSubstr("* 1 RECENT"));
    EXPECT_THAT(sel, HasSubstr("[UIDVALIDITY "));
    EXPECT_THAT(sel, HasSubstr("[PERMANENTFLAGS ("));
    EXPECT_THAT(sel, HasSubstr("s OK [READ-WRITE]"));
    const std::string f = run(*s, "f FETCH 1 (FLAGS RFC822.SIZE BODY.PEEK[])\r\n");
    EXPECT_THAT(f, HasSubstr("FLAGS (\\Flagged \\Recent)"));
    EXPECT_THAT(f, HasSubstr("RFC822.SIZE " + std::to_string(kPlain.size())));
    EXPECT_THAT(f, HasSubstr("BODY[] {" + std::to_string(kPlain.size()) + "}\r\n" + kPlain));
    // BODY[] without PEEK sets \Seen and reports it.
    EXPECT_THAT(run(*s, "g FETCH 1 BODY[TEXT]\r\n"), HasSubstr("\\Seen"));
    EXPECT_THAT(run(*s, "h UID SEARCH SEEN\r\n"), HasSubstr("* SEARCH 1"));
    EXPECT_THAT(run(*s, "i SEARCH UNSEEN\r\n"), HasSubstr("* SEARCH\r\n"));
}

TEST_F(ImapSessionTest, StoreCopyMoveExpunge) {
    auto s = logged_in();
    Mailbox& inbox = *alice.mailbox("INBOX");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.append(alice, inbox, kPlain, {}, 0));
    run(*s, "s SELECT INBOX\r\n");
    EXPECT_THAT(run(*s, "a STORE 2 +FLAGS ($Chat)\r\n"),
                HasSubstr("* 2 FETCH (FLAGS ($Chat \\Recent))"));
    EXPECT_THAT(run(*s, "b UID STORE 1 +FLAGS.SILENT (\\Deleted)\r\n"), Not(HasSubstr("FETCH")));
    EXPECT_THAT(run(*s, "c UID COPY 2 Sent\r\n"), HasSubstr("c OK [COPYUID "));
    EXPECT_THAT(run(*s, "d COPY 1 NoSuch\r\n"), HasSubstr("d NO [TRYCREATE]"));
    const std::string mv = run(*s, "e UID MOVE 3 Junk\r\n");
    EXPECT_THAT(mv, HasSubstr("* OK [COPYUID "));
    EXPECT_THAT(mv, HasSubstr("* 3 EXPUNGE"));
    EXPECT_THAT(run(*s, "f EXPUNGE\r\n"), HasSubstr("* 1 EXPUNGE"));
    EXPECT_EQ(inbox.messages.size(), 1u);
    EXPECT_THAT(run(*s, "g STORE 1 +FLAGS (\\Bogus)\r\n"), HasSubstr("g BAD"));
}

TEST_F(ImapSessionTest, CrossSessionUpdatesAndExpungeDeferral) {
    auto a = logged_in();
    auto b = logged_in();
    Mailbox& inbox = *alice.mailbox("INBOX");
    ASSERT_TRUE(store.append(alice, inbox, kPlain, {}, 0));
    ASSERT_TRUE(store.append(alice, inbox, kPlain, {}, 0));
    run(*a, "s SELECT INBOX\r\n");
    run(*b, "s SELECT INBOX\r\n");
    // b flags and expunges; a hears about it.
    run(*b, "x STORE 1 +FLAGS (\\Deleted)\r\n");
    EXPECT_THAT(run(*a, "n NOOP\r\n"), HasSubstr("* 1 FETCH (UID 1 FLAGS (\\Deleted"));
    run(*b, "y EXPUNGE\r\n");
    // During FETCH, EXPUNGE is held back (RFC 3501 §7.4.1) ...
    const std::string f = run(*a, "f FETCH 2 FLAGS\r\n");
    EXPECT_THAT(f, Not(HasSubstr("EXPUNGE")));
    EXPECT_THAT(f, HasSubstr("* 2 FETCH"));
    // ... and comes with the next command that allows it.
    EXPECT_THAT(run(*a, "n NOOP\r\n"), HasSubstr("* 1 EXPUNGE"));
    // New mail appears as EXISTS.
    ASSERT_TRUE(store.append(alice, inbox, kPlain, {}, 0));
    EXPECT_THAT(run(*a, "n NOOP\r\n"), HasSubstr("* 2 EXISTS"));
}

TEST_F(ImapSessionTest, IdleWakesOnDeliveryAndEndsWithDone) {
    auto s = logged_in();
    int wakes = 0;
    s->set_wakeup([&] { ++wakes; });
    run(*s, "s SELECT INBOX\r\n");
    EXPECT_THAT(run(*s, "i IDLE\r\n"), HasSubstr("+ idling"));
    EXPECT_TRUE(s->idling());
    ASSERT_TRUE(store.deliver(alice, kPlain));
    EXPECT_EQ(wakes, 1);
    EXPECT_THAT(s->take_pending().data, HasSubstr("* 1 EXISTS"));
    EXPECT_EQ(s->take_pending().data, "");
    EXPECT_THAT(run(*s, "DONE\r\n"), HasSubstr("i OK"));
    EXPECT_FALSE(s->idling());
}

TEST_F(ImapSessionTest, ActiveFilterDoesNotWakeInboxIdle) {
    auto s = logged_in();
    run(*s,
        "m SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled yes "
        "/private/vendor/vendor.dovecot/coi/config/message-filter active)\r\n");
    int wakes = 0;
    s->set_wakeup([&] { ++wakes; });
    run(*s, "s SELECT INBOX\r\n");
    run(*s, "i IDLE\r\n");
    ASSERT_EQ(store.deliver(alice, kChat)->mailbox, "COI/Chats");
    EXPECT_EQ(wakes, 0);
    ASSERT_EQ(store.deliver(alice, kPlain)->mailbox, "INBOX");
    EXPECT_EQ(wakes, 1);
}

TEST_F(ImapSessionTest, MetadataGetWithDepthAndMaxsize) {
    auto s = logged_in();
    EXPECT_THAT(run(*s,
                    "a SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled "
                    "true)\r\n"),
                HasSubstr("a NO [CANNOT]"));
    run(*s, "b SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled yes)\r\n");
    const std::string g =
        run(*s, "c GETMETADATA (DEPTH 1) \"\" (/private/vendor/vendor.dovecot/coi/config)\r\n");
    EXPECT_THAT(g, HasSubstr("/private/vendor/vendor.dovecot/coi/config/enabled \"yes\""));
    EXPECT_THAT(g, HasSubstr("/private/vendor/vendor.dovecot/coi/config/mailbox-root \"COI\""));
    EXPECT_THAT(g, Not(HasSubstr("/private/vendor/vendor.dovecot/coi/config NIL")));
    const std::string d0 =
        run(*s, "d GETMETADATA \"\" /private/vendor/vendor.dovecot/coi/config\r\n");
    EXPECT_THAT(d0, HasSubstr("config NIL"));
    run(*s, "e SETMETADATA \"\" (/private/long {20+}\r\n01234567890123456789)\r\n");
    const std::string m = run(*s, "f GETMETADATA (MAXSIZE 10) \"\" /private/long\r\n");
    EXPECT_THAT(m, HasSubstr("[METADATA LONGENTRIES 20]"));
    EXPECT_THAT(m, Not(HasSubstr("/private/long")));
    const std::string lst = run(*s, "g LIST \"\" \"COI/*\"\r\n");
    EXPECT_THAT(lst, HasSubstr("\"COI/Chats\""));
    EXPECT_THAT(lst, HasSubstr("\"COI/Contacts\""));
}

TEST_F(ImapSessionTest, ListVariants) {
    auto s = logged_in();
    EXPECT_THAT(run(*s, "a LIST \"\" \"\"\r\n"), HasSubstr("* LIST (\\Noselect) \"/\" \"\""));
    const std::string all = run(*s, "b LIST \"\" %\r\n");
    EXPECT_THAT(all, HasSubstr("\"INBOX\""));
    EXPECT_THAT(all, HasSubstr("\\Trash) \"/\" \"Trash\""));
    run(*s, "c CREATE Work/Sub\r\n");
    const std::string pct = run(*s, "d LIST \"\" %\r\n");
    EXPECT_THAT(pct, HasSubstr("(\\HasChildren) \"/\" \"Work\""));
    EXPECT_THAT(pct, Not(HasSubstr("Work/Sub")));
    run(*s, "e SUBSCRIBE Work/Sub\r\n");
    const std::string sub = run(*s, "f LIST (SUBSCRIBED) \"\" \"Work*\"\r\n");
    EXPECT_THAT(sub, HasSubstr("\\Subscribed) \"/\" \"Work/Sub\""));
    EXPECT_THAT(sub, Not(HasSubstr("\"Work\"\r\n")));
    EXPECT_THAT(run(*s, "g LSUB \"\" *\r\n"), HasSubstr("* LSUB () \"/\" \"Work/Sub\""));
    const std::string spec = run(*s, "h LIST (SPECIAL-USE) \"\" *\r\n");
    EXPECT_THAT(spec, HasSubstr("\\Sent"));
    EXPECT_THAT(spec, Not(HasSubstr("INBOX")));
    const std::string st = run(*s, "i LIST \"\" INBOX RETURN (STATUS (MESSAGES UIDNEXT))\r\n");
    EXPECT_THAT(st, HasSubstr("* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 1)"));
}

TEST_F(ImapSessionTest, BadCommandsAreAnsweredAndLimited) {
    auto s = logged_in();
    EXPECT_THAT(run(*s, "a XYZZY\r\n"), HasSubstr("a BAD"));
    EXPECT_THAT(run(*s, "b NOOP\r\n"), HasSubstr("b OK"));
    ImapOutput o;
    for (int i = 0; i < 25 && !o.close; ++i) o = s->receive("x BOGUS\r\n");
    EXPECT_TRUE(o.close);
}

TEST_F(ImapSessionTest, OutputBudgetSplitsPipelinedWork) {
    ImapSessionConfig cfg;
    cfg.output_budget = 1000;
    auto s = logged_in(cfg);
    Mailbox& inbox = *alice.mailbox("INBOX");
    ASSERT_TRUE(store.append(alice, inbox, std::string(3000, 'x'), {}, 0));
    run(*s, "s SELECT INBOX\r\n");
    auto o = s->receive("a FETCH 1 BODY.PEEK[]\r\nb NOOP\r\n");
    EXPECT_TRUE(o.more);
    EXPECT_THAT(o.data, Not(HasSubstr("b OK")));
    EXPECT_THAT(s->receive({}).data, HasSubstr("b OK"));
}

TEST_F(ImapSessionTest, CondstoreModseqAndUnchangedsince) {
    auto s = logged_in();
    Mailbox& inbox = *alice.mailbox("INBOX");
    ASSERT_TRUE(store.append(alice, inbox, kPlain, {}, 0));
    const std::string sel = run(*s, "s SELECT INBOX (CONDSTORE)\r\n");
    EXPECT_THAT(sel, HasSubstr("[HIGHESTMODSEQ "));
    const std::uint64_t modseq = inbox.messages[0].modseq;
    EXPECT_THAT(run(*s, "a FETCH 1 (MODSEQ)\r\n"),
                HasSubstr("MODSEQ (" + std::to_string(modseq) + ")"));
    EXPECT_THAT(run(*s, "b STORE 1 (UNCHANGEDSINCE " + std::to_string(modseq - 1) +
                            ") +FLAGS (\\Seen)\r\n"),
                HasSubstr("b OK [MODIFIED 1]"));
    EXPECT_THAT(
        run(*s, "c UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + std::to_string(modseq) + ")\r\n"),
        Not(HasSubstr("FETCH (")));
}

TEST_F(ImapSessionTest, SeenModeMoveAfterStore) {
    auto s = logged_in();
    run(*s,
        "m SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled yes "
        "/private/vendor/vendor.dovecot/coi/config/message-filter seen)\r\n");
    ASSERT_EQ(store.deliver(alice, kChat)->mailbox, "INBOX");
    run(*s, "s SELECT INBOX\r\n");
    const std::string st = run(*s, "a STORE 1 +FLAGS (\\Seen)\r\n");
    EXPECT_THAT(st, HasSubstr("* 1 FETCH (FLAGS ($Chat \\Seen \\Recent))"));
    EXPECT_THAT(run(*s, "b NOOP\r\n"), HasSubstr("* 1 EXPUNGE"));
    EXPECT_EQ(alice.mailbox("COI/Chats")->messages.size(), 1u);
}

TEST_F(ImapSessionTest, DeletingSelectedMailboxElsewhereSaysBye) {
    auto a = logged_in();
    auto b = logged_in();
    run(*a, "c CREATE Box\r\n");
    run(*a, "s SELECT Box\r\n");
    run(*b, "d DELETE Box\r\n");
    const auto o = a->receive("n NOOP\r\n");
    EXPECT_THAT(o.data, HasSubstr("* BYE"));
    EXPECT_TRUE(o.close);
}

}  // namespace
}  // namespace coitest::peer
