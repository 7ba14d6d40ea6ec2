// Session tests against scripted fake peers on 127.0.0.1 (harness/testing/fake_peer.hpp).
#include "smtp/session.hpp"
#include "net/tls.hpp"
#include "testing/coroutine.hpp"
#include "testing/fake_peer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace coitest::smtp {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using coitest::testing::FakePeer;
using coitest::testing::loopback;
using coitest::testing::PeerSocket;

// Note: never put co_await inside a gtest macro; with g++ 12 the temporaries in the macro's
// condition are destroyed twice and corrupt memory. Await into a local first.
// Runs `body` as the client; when it is done, the peer stops accepting, so the io_context runs
// out of work once the peer's scripts have seen the client's connections close.
template <class F>
void run(asio::io_context& io, FakePeer* peer, F body) {
    coitest::testing::run_coroutine(io, std::move(body), [peer] {
        if (peer) peer->stop();
    });
    EXPECT_TRUE(io.stopped()) << "the peer script did not finish";
}

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

std::string all_text(const net::Transcript& t) {
    std::string out;
    for (const auto& e : t.entries()) out += e.data;
    return out;
}

const char* kPostfixEhlo =
    "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
    "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";

TEST(Session, SmtpMessageIsSentDotStuffed) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send(kPostfixEhlo);
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.1.0 Ok\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.1.5 Ok\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("354 End data with <CR><LF>.<CR><LF>\r\n");
        got.push_back(co_await p.read_until("\r\n.\r\n"));
        co_await p.send("250 2.0.0 Ok: queued as 4Z1x2y3zQpz\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("221 2.0.0 Bye\r\n");
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s) << (s ? "" : s.error().message);
        if (!s) co_return;
        EXPECT_EQ(s->greeting().code, 220);
        auto hello = co_await s->establish("client.example.org");
        EXPECT_EQ(hello.value().code, 250);
        EXPECT_TRUE(s->capabilities().has("8bitmime"));
        EXPECT_EQ(s->capabilities().size_limit(), std::optional<std::uint64_t>(10240000));
        const std::vector<std::string> rcpts{"bob@example.org"};
        auto sent = co_await s->send_message("alice@example.org", rcpts,
                                             "Subject: hi\r\n\r\n.\r\n..two\r\nend");
        EXPECT_TRUE(sent) << (sent ? "" : sent.error().message);
        if (!sent) co_return;
        EXPECT_TRUE(sent->all_delivered());
        EXPECT_EQ(sent->data->code, 354);
        EXPECT_EQ(sent->recipients.at(0).delivery->enhanced->str(), "2.0.0");
        auto bye = co_await s->quit();
        EXPECT_EQ(bye.value().code, 221);
        EXPECT_FALSE(s->usable());
        auto after = co_await s->rset();  // nothing after QUIT
        EXPECT_FALSE(after);
    });
    ASSERT_EQ(got.size(), 6u);
    EXPECT_EQ(got[0], "EHLO client.example.org\r\n");
    EXPECT_EQ(got[1], "MAIL FROM:<alice@example.org>\r\n");
    EXPECT_EQ(got[2], "RCPT TO:<bob@example.org>\r\n");
    EXPECT_EQ(got[3], "DATA\r\n");
    EXPECT_EQ(got[4], "Subject: hi\r\n\r\n..\r\n...two\r\nend\r\n.\r\n");
    EXPECT_EQ(got[5], "QUIT\r\n");
}

TEST(Session, LmtpGivesOneReplyPerAcceptedRecipient) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mail.example.org Dovecot ready.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send(
            "250-mail.example.org\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
            "250 PIPELINING\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.1.0 OK\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.1.5 OK\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send(
            "550 5.1.1 <nobody@example.org> User doesn't exist: nobody@example.org\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.1.5 OK\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("354 OK\r\n");
        got.push_back(co_await p.read_until("\r\n.\r\n"));
        // Two replies, split across writes, the second one multi-line.
        co_await p.send("250 2.0.0 <alice@example.org> 8CqWMEsl3mZ0GwAAIfD0pQ Saved\r\n452-4.2.2 ");
        co_await p.sleep(20ms);
        co_await p.send("<bob@example.org> Quota exceeded\r\n452 4.2.2 (mailbox is full)\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::lmtp);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        auto hello = co_await s->establish("coitest");
        EXPECT_EQ(hello.value().code, 250);
        const std::vector<std::string> rcpts{"alice@example.org", "nobody@example.org",
                                             "bob@example.org"};
        auto sent = co_await s->send_message("", rcpts, "Subject: x\r\n\r\nbody\r\n");
        EXPECT_TRUE(sent) << (sent ? "" : sent.error().message);
        if (!sent) co_return;
        EXPECT_EQ(sent->recipients.size(), 3u);
        if (sent->recipients.size() != 3) co_return;
        EXPECT_TRUE(sent->recipients[0].delivered());
        EXPECT_EQ(sent->recipients[1].rcpt.code, 550);
        EXPECT_FALSE(sent->recipients[1].delivery);  // refused at RCPT: no reply after DATA
        EXPECT_FALSE(sent->recipients[2].delivered());
        EXPECT_EQ(sent->recipients[2].delivery->code, 452);
        EXPECT_EQ(sent->recipients[2].delivery->lines.size(), 2u);
        EXPECT_TRUE(sent->any_delivered());
        EXPECT_FALSE(sent->all_delivered());
        s->connection().close();
    });
    ASSERT_GE(got.size(), 2u);
    EXPECT_EQ(got[0], "LHLO coitest\r\n");
    EXPECT_EQ(got[1], "MAIL FROM:<>\r\n");
}

TEST(Session, DataReturnsEveryLmtpReplyAndOnlyOneForSmtp) {
    // The same peer bytes for both protocols: two replies after the message.
    auto script = [](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 ready\r\n");
        for (const char* reply : {"250 ok\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n"}) {
            co_await p.read_until();
            co_await p.send(reply);
        }
        co_await p.read_until("\r\n.\r\n");
        co_await p.send("250 2.0.0 first\r\n250 2.0.0 second\r\n");
        co_await p.read_until();
    };
    for (auto protocol : {net::Protocol::lmtp, net::Protocol::smtp}) {
        asio::io_context io;
        FakePeer peer(io, script);
        net::Transcript t;
        run(io, &peer, [&]() -> asio::awaitable<void> {
            const net::Endpoint endpoint = loopback(peer.port(), protocol);
            const SessionOptions o;
            auto s = co_await Session::connect(endpoint, o, t);
            EXPECT_TRUE(s);
            if (!s) co_return;
            co_await s->mail_from("a@example.org");
            co_await s->rcpt_to("b@example.org");
            co_await s->rcpt_to("c@example.org");
            EXPECT_EQ(s->accepted_recipients(), 2u);
            auto d = co_await s->data("x\r\n");
            EXPECT_TRUE(d);
            if (!d) co_return;
            EXPECT_EQ(d->data.code, 354);
            EXPECT_EQ(d->replies.size(), protocol == net::Protocol::lmtp ? 2u : 1u);
            EXPECT_EQ(d->replies.front().lines.front(), "2.0.0 first");
            s->connection().close();
        });
    }
}

TEST(Session, AuthCredentialsNeverReachTheTranscript) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx.example.org ESMTP\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send(kPostfixEhlo);
        got.push_back(co_await p.read_until());
        co_await p.send("235 2.7.0 Authentication successful\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("334 VXNlcm5hbWU6\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("334 UGFzc3dvcmQ6\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        co_await s->ehlo("client");
        auto plain = co_await s->auth_plain("tim", "tanstaaftanstaaf");
        EXPECT_EQ(plain.value().code, 235);
        auto login = co_await s->auth_login("tim", "s3cret-pw");
        EXPECT_EQ(login.value().code, 535);  // a refusal is a result
        EXPECT_TRUE(s->usable());
        s->connection().close();
    });
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[1], "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    EXPECT_EQ(got[2], "AUTH LOGIN\r\n");
    EXPECT_EQ(got[3], "dGlt\r\n");
    EXPECT_EQ(got[4], "czNjcmV0LXB3\r\n");
    const std::string text = all_text(t);
    for (const char* secret :
         {"AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "tanstaaf", "dGlt", "czNjcmV0LXB3", "s3cret-pw"})
        EXPECT_FALSE(contains(text, secret)) << secret << " in\n" << text;
    EXPECT_TRUE(contains(text, "AUTH PLAIN ***"));
    // The session registered the secrets themselves, so a server echoing one is hidden too.
    EXPECT_EQ(t.redact("AHRpbQB0YW5zdGFhZnRhbnN0YWFm tanstaaftanstaaf czNjcmV0LXB3"),
              "*** *** ***");
    EXPECT_TRUE(contains(text, "334 VXNlcm5hbWU6"));  // the server's side stays readable
}

TEST(Session, StarttlsUpgradesAndForgetsPlainTextCapabilities) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx.example.org ESMTP\r\n");
        co_await p.read_until();
        co_await p.send("250-mx.example.org\r\n250-STARTTLS\r\n250 SIZE 100\r\n");
        auto starttls = co_await p.read_until();
        EXPECT_EQ(starttls, "STARTTLS\r\n");
        co_await p.send("220 2.0.0 Ready to start TLS\r\n");
        co_await p.handshake();
        auto ehlo = co_await p.read_until();
        EXPECT_EQ(ehlo, "EHLO client\r\n");
        co_await p.send("250-mx.example.org\r\n250-AUTH PLAIN\r\n250 SIZE 200\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        SessionOptions o;
        o.connect.tls =
            net::make_client_tls_context({FakePeer::fixture_path("ca.pem"), false}).value();
        const net::Endpoint endpoint =
            loopback(peer.port(), net::Protocol::smtp, net::Security::starttls);
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        EXPECT_FALSE(s->is_tls());
        auto r = co_await s->establish("client");
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        EXPECT_EQ(r.value().code, 250);
        EXPECT_TRUE(s->is_tls());
        EXPECT_FALSE(s->capabilities().has("STARTTLS"));
        EXPECT_TRUE(s->capabilities().has_auth("PLAIN"));
        EXPECT_EQ(s->capabilities().size_limit(), std::optional<std::uint64_t>(200));
        s->connection().close();
    });
}

TEST(Session, RefusedStarttlsIsReturnedWithoutFallingBack) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx\r\n");
        co_await p.read_until();
        co_await p.send("250 mx\r\n");  // no STARTTLS advertised
        co_await p.read_until();
        co_await p.send("502 5.5.1 Error: command not implemented\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        SessionOptions o;
        o.connect.tls =
            net::make_client_tls_context({FakePeer::fixture_path("ca.pem"), false}).value();
        const net::Endpoint endpoint =
            loopback(peer.port(), net::Protocol::smtp, net::Security::starttls);
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        auto r = co_await s->establish("client");
        EXPECT_EQ(r.value().code, 502);
        EXPECT_FALSE(s->is_tls());
        s->connection().close();
    });
}

TEST(Session, BytesAfterStarttlsReadyAreAnError) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx\r\n");
        co_await p.read_until();
        co_await p.send("220 2.0.0 Ready to start TLS\r\n250 2.1.0 injected\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        SessionOptions o;
        o.connect.tls =
            net::make_client_tls_context({FakePeer::fixture_path("ca.pem"), false}).value();
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        auto r = co_await s->starttls("client");
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::protocol);
            EXPECT_TRUE(contains(r.error().message, "STARTTLS")) << r.error().message;
        }
        EXPECT_FALSE(s->is_tls());
        EXPECT_FALSE(s->usable());
    });
}

TEST(Session, RefusedRecipientIsAResultAndTheTransactionIsReset) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.1.0 Ok\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.0.0 Ok\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("250 2.0.0 Ok\r\n");
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        const std::vector<std::string> rcpts{"bob@example.org"};
        auto sent = co_await s->send_message("alice@example.org", rcpts, "x");
        EXPECT_TRUE(sent);
        if (!sent) co_return;
        EXPECT_EQ(sent->recipients.at(0).rcpt.code, 450);
        EXPECT_FALSE(sent->data);
        EXPECT_FALSE(sent->any_delivered());
        EXPECT_TRUE(s->usable());
        auto noop = co_await s->command("NOOP");
        EXPECT_EQ(noop.value().code, 250);
    });
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[2], "RSET\r\n");
    EXPECT_EQ(got[3], "NOOP\r\n");
}

TEST(Session, NonReadyGreetingIsAResult) {
    asio::io_context io;
    bool sent_anything = false;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("554 5.3.2 mx.example.org No SMTP service here\r\n");
        const std::string rest = co_await p.read_until();
        sent_anything = !rest.empty();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        EXPECT_EQ(s->greeting().code, 554);
        auto r = co_await s->establish("client");
        EXPECT_EQ(r.value().code, 554);
        s->connection().close();
    });
    EXPECT_FALSE(sent_anything);  // establish does not talk to a server that refused service
}

TEST(Session, GarbageGreetingIsAnError) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_FALSE(s);
        if (s) co_return;
        EXPECT_EQ(s.error().kind, ErrorKind::protocol);
        EXPECT_TRUE(contains(s.error().message, "greeting")) << s.error().message;
    });
    EXPECT_TRUE(contains(all_text(t), "reply code"));  // the reason is in the transcript too
}

TEST(Session, ConnectionClosedMidReplyIsAnError) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx\r\n");
        co_await p.read_until();
        co_await p.send("250-mx.example.org\r\n250-PIPELI");
        p.close();
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        auto r = co_await s->ehlo("client");
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::network);
            EXPECT_TRUE(contains(r.error().message, "EHLO")) << r.error().message;
        }
        EXPECT_FALSE(s->usable());
        auto again = co_await s->command("NOOP");  // fails at once, without touching the wire
        EXPECT_FALSE(again);
    });
}

TEST(Session, SilentServerTimesOut) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 mx\r\n");
        co_await p.read_until("never sent");  // returns when the client gives up and closes
    });
    net::Transcript t;
    run(io, &peer, [&]() -> asio::awaitable<void> {
        SessionOptions o;
        o.connect.step_timeout = 200ms;
        const net::Endpoint endpoint = loopback(peer.port(), net::Protocol::smtp);
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_TRUE(s);
        if (!s) co_return;
        auto r = co_await s->ehlo("client");
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::timeout);
        }
    });
}

TEST(Session, OnlySmtpAndLmtpEndpoints) {
    asio::io_context io;
    net::Transcript t;
    run(io, nullptr, [&]() -> asio::awaitable<void> {
        const net::Endpoint endpoint = loopback(1, net::Protocol::imap);
        const SessionOptions o;
        auto s = co_await Session::connect(endpoint, o, t);
        EXPECT_FALSE(s);
        if (!s) {
            EXPECT_EQ(s.error().kind, ErrorKind::usage);
        }
    });
}

}  // namespace
}  // namespace coitest::smtp
