#include "smtp/commands.hpp"
#include "net/transcript.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace coitest::smtp {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

TEST(Commands, PlainCommandsAreShownAsSent) {
    auto c = make_command("EHLO", "client.example.org");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->wire, "EHLO client.example.org\r\n");
    EXPECT_FALSE(c->redacted());
    EXPECT_TRUE(c->secrets.empty());
    EXPECT_EQ(make_command("QUIT")->wire, "QUIT\r\n");
}

TEST(Commands, LineBreaksInArgumentsAreRefused) {
    for (std::string_view bad : {std::string_view("x\r\nRCPT TO:<eve@example.org>"),
                                 std::string_view("x\n"), std::string_view("x\0y", 3)}) {
        auto c = make_command("EHLO", bad);
        ASSERT_FALSE(c);
        EXPECT_EQ(c.error().kind, ErrorKind::usage);
        EXPECT_FALSE(mail_from_command(bad));
        EXPECT_FALSE(rcpt_to_command("a@example.org", bad));
    }
    EXPECT_FALSE(make_command(""));
}

TEST(Commands, MailAndRcpt) {
    EXPECT_EQ(mail_from_command("")->wire, "MAIL FROM:<>\r\n");
    EXPECT_EQ(mail_from_command("alice@example.org", "SIZE=1000 BODY=8BITMIME")->wire,
              "MAIL FROM:<alice@example.org> SIZE=1000 BODY=8BITMIME\r\n");
    EXPECT_EQ(rcpt_to_command("bob@example.org")->wire, "RCPT TO:<bob@example.org>\r\n");
    EXPECT_FALSE(rcpt_to_command(""));
}

TEST(Commands, Base64MatchesRfc4648Vectors) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Commands, AuthPlainIsRedacted) {
    // The example exchange of RFC 4616 §4.
    auto c = auth_plain_command("tim", "tanstaaftanstaaf");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->wire, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    EXPECT_EQ(c->shown, "AUTH PLAIN ***\r\n");
    EXPECT_TRUE(c->redacted());
    EXPECT_NE(std::find(c->secrets.begin(), c->secrets.end(), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"),
              c->secrets.end());
    EXPECT_NE(std::find(c->secrets.begin(), c->secrets.end(), "tanstaaftanstaaf"),
              c->secrets.end());
    EXPECT_FALSE(auth_plain_command(std::string_view("a\0b", 3), "p"));
}

TEST(Commands, SaslLinesAreRedactedAndOnlyPasswordsAreSecretEverywhere) {
    const auto user = sasl_response_line("tim", false);
    EXPECT_EQ(user.wire, "dGlt\r\n");
    EXPECT_EQ(user.shown, "***\r\n");
    EXPECT_EQ(user.secrets, std::vector<std::string>{"dGlt"});
    const auto pass = sasl_response_line("tanstaaf");
    EXPECT_EQ(pass.wire, "dGFuc3RhYWY=\r\n");
    EXPECT_EQ(pass.secrets, (std::vector<std::string>{"dGFuc3RhYWY=", "tanstaaf"}));
}

// The whole path a session takes: register the secrets, record the shown text; and even if the
// wire bytes themselves reached the transcript, the registered secrets would hide them.
TEST(Commands, CredentialsNeverReachATranscript) {
    net::Transcript t;
    auto c = auth_plain_command("tim", "tanstaaftanstaaf").value();
    for (const auto& s : c.secrets) t.add_secret(s);
    t.record("smtp", Direction::client, c.shown);
    t.record("smtp", Direction::client, c.wire);  // a mistake the redaction still catches
    t.record("smtp", Direction::client, "MAIL FROM:<tim@example.org>\r\n");
    for (const auto& e : t.entries()) {
        EXPECT_FALSE(contains(e.data, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm")) << e.data;
        EXPECT_FALSE(contains(e.data, "tanstaaf")) << e.data;
    }
    EXPECT_EQ(t.entries().at(2).data, "MAIL FROM:<tim@example.org>\r\n");  // user name readable
}

}  // namespace
}  // namespace coitest::smtp
