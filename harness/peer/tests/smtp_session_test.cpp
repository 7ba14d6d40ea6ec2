// SMTP submission and LMTP sessions without sockets.
#include "peer/smtp_session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coitest::peer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct SmtpSessionTest : ::testing::Test {
    Store store;
    Recorder recorder;
    Account& alice = store.add_account("alice@example.org", "pw");
    Account& bob = store.add_account("bob@example.org", "pw2");

    SmtpSession smtp(bool lmtp = false, std::size_t max_message = 1 << 20) {
        SmtpSessionConfig c;
        c.lmtp = lmtp;
        c.starttls_available = true;
        c.max_message = max_message;
        return SmtpSession(store, &recorder, c, 1);
    }
};

// "\0alice@example.org\0pw"
constexpr const char* kPlainAlice = "AGFsaWNlQGV4YW1wbGUub3JnAHB3";

TEST_F(SmtpSessionTest, SubmissionNeedsEhloAndAuth) {
    auto s = smtp();
    EXPECT_THAT(s.greeting(), StartsWith("220 "));
    EXPECT_THAT(s.receive("MAIL FROM:<alice@example.org>\r\n").data, StartsWith("503"));
    const auto ehlo = s.receive("EHLO client\r\n").data;
    EXPECT_THAT(ehlo, HasSubstr("250-STARTTLS"));
    EXPECT_THAT(ehlo, HasSubstr("AUTH PLAIN LOGIN"));
    EXPECT_THAT(s.receive("MAIL FROM:<alice@example.org>\r\n").data, StartsWith("530"));
    EXPECT_THAT(s.receive(std::string("AUTH PLAIN ") + kPlainAlice + "\r\n").data,
                StartsWith("235"));
    EXPECT_THAT(s.receive("AUTH PLAIN x\r\n").data, StartsWith("503"));
}

TEST_F(SmtpSessionTest, AuthLoginAndFailures) {
    auto s = smtp();
    s.receive("EHLO c\r\n");
    EXPECT_THAT(s.receive("AUTH LOGIN\r\n").data, StartsWith("334 VXNlcm5hbWU6"));
    EXPECT_THAT(s.receive("YWxpY2VAZXhhbXBsZS5vcmc=\r\n").data, StartsWith("334 UGFzc3dvcmQ6"));
    EXPECT_THAT(s.receive("d3Jvbmc=\r\n").data, StartsWith("535"));  // "wrong"
    EXPECT_THAT(s.receive("AUTH PLAIN\r\n").data, StartsWith("334"));
    EXPECT_THAT(s.receive("*\r\n").data, StartsWith("501"));
    EXPECT_THAT(s.receive("AUTH PLAIN !!!!\r\n").data, StartsWith("501"));
    EXPECT_THAT(s.receive("AUTH CRAM-MD5\r\n").data, StartsWith("504"));
}

TEST_F(SmtpSessionTest, SubmissionDeliversByteExactAndRecordsEnvelope) {
    auto s = smtp();
    s.receive("EHLO c\r\n");
    s.receive(std::string("AUTH PLAIN ") + kPlainAlice + "\r\n");
    // Pipelined transaction; a stuffed dot line and trailing spaces must survive.
    const std::string msg =
        "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: t\r\n\r\n"
        ".leading dot\r\ntrailing   \r\n..\r\nlast";
    const std::string stuffed =
        "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: t\r\n\r\n"
        "..leading dot\r\ntrailing   \r\n...\r\nlast";
    const auto out = s.receive(
                          "MAIL FROM:<alice@example.org> BODY=8BITMIME\r\n"
                          "RCPT TO:<bob@example.org>\r\nRCPT TO:<far@elsewhere.example>\r\n"
                          "DATA\r\n" +
                          stuffed + "\r\n.\r\n")
                         .data;
    EXPECT_THAT(out, HasSubstr("354"));
    EXPECT_THAT(out, HasSubstr("250 2.0.0 Ok: queued as 1"));
    const auto subs = recorder.submissions();
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].bytes, msg + "\r\n");
    EXPECT_EQ(subs[0].mail_from, "alice@example.org");
    EXPECT_EQ(subs[0].rcpt_to,
              (std::vector<std::string>{"bob@example.org", "far@elsewhere.example"}));
    EXPECT_EQ(subs[0].delivered_to, std::vector<std::string>{"bob@example.org"});
    EXPECT_EQ(subs[0].user, "alice@example.org");
    ASSERT_EQ(bob.mailbox("INBOX")->messages.size(), 1u);
    EXPECT_EQ(*bob.mailbox("INBOX")->messages[0].bytes, msg + "\r\n");
}

TEST_F(SmtpSessionTest, SubmittedChatIsFiltered) {
    ASSERT_TRUE(store.set_metadata(bob, "", coi::kEnabledEntry, std::string("yes")));
    ASSERT_TRUE(store.set_metadata(bob, "", coi::kFilterEntry, std::string("active")));
    auto s = smtp();
    s.receive("EHLO c\r\n");
    s.receive(std::string("AUTH PLAIN ") + kPlainAlice + "\r\n");
    s.receive(
        "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
        "Chat-Version: 1.0\r\n\r\nhi\r\n.\r\n");
    EXPECT_TRUE(bob.mailbox("INBOX")->messages.empty());
    ASSERT_EQ(bob.mailbox("COI/Chats")->messages.size(), 1u);
    EXPECT_TRUE(bob.mailbox("COI/Chats")->messages[0].flags.contains("$Chat"));
}

TEST_F(SmtpSessionTest, LmtpRepliesPerRecipientAndRefusesStrangers) {
    auto s = smtp(true);
    EXPECT_THAT(s.receive("EHLO c\r\n").data, StartsWith("500"));
    EXPECT_THAT(s.receive("LHLO c\r\n").data, Not(HasSubstr("AUTH")));
    s.receive("MAIL FROM:<x@y>\r\n");
    EXPECT_THAT(s.receive("RCPT TO:<nobody@example.org>\r\n").data, StartsWith("550 5.1.1"));
    s.receive("RCPT TO:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n");
    const auto out = s.receive("DATA\r\nSubject: x\r\n\r\nx\r\n.\r\n").data;
    // 354, then one reply for each accepted recipient.
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3);
    EXPECT_THAT(out, HasSubstr("<alice@example.org> delivered to INBOX"));
    EXPECT_THAT(out, HasSubstr("<bob@example.org> delivered to INBOX"));
}

TEST_F(SmtpSessionTest, MessageSizeLimit) {
    auto s = smtp(true, 100);
    s.receive("LHLO c\r\n");
    EXPECT_THAT(s.receive("MAIL FROM:<x@y> SIZE=101\r\n").data, StartsWith("552"));
    s.receive("MAIL FROM:<x@y>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n");
    const auto out = s.receive(std::string(200, 'a') + "\r\n.\r\n").data;
    EXPECT_THAT(out, StartsWith("552"));
    EXPECT_TRUE(alice.mailbox("INBOX")->messages.empty());
    // The session goes on.
    EXPECT_THAT(s.receive("NOOP\r\n").data, StartsWith("250"));
}

TEST_F(SmtpSessionTest, LongCommandLineIsRefusedWithoutBuffering) {
    auto s = smtp();
    s.receive("EHLO c\r\n");
    EXPECT_EQ(s.receive(std::string(10000, 'x')).data, "");
    EXPECT_THAT(s.receive("\r\nNOOP\r\n").data, StartsWith("500 5.5.6"));
}

TEST_F(SmtpSessionTest, StarttlsResetsTheSession) {
    auto s = smtp();
    s.receive("EHLO c\r\n");
    auto o = s.receive("STARTTLS\r\nMAIL FROM:<x@y>\r\n");
    EXPECT_TRUE(o.start_tls);
    EXPECT_THAT(o.data, StartsWith("220"));
    s.tls_started();
    EXPECT_THAT(s.receive("MAIL FROM:<x@y>\r\n").data, StartsWith("503"));  // EHLO again first
    EXPECT_THAT(s.receive("EHLO c\r\n").data, Not(HasSubstr("STARTTLS")));
}

TEST_F(SmtpSessionTest, QuitCloses) {
    auto s = smtp();
    auto o = s.receive("QUIT\r\n");
    EXPECT_TRUE(o.close);
    EXPECT_THAT(o.data, StartsWith("221"));
}

}  // namespace
}  // namespace coitest::peer
