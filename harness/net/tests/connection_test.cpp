#include "net/connection.hpp"
#include "testing/coroutine.hpp"
#include "testing/fake_peer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>

namespace coitest::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::FakePeer;
using testing::loopback;
using testing::PeerSocket;
using testing::run_coroutine;

std::shared_ptr<asio::ssl::context> client_tls(const std::string& ca) {
    auto ctx = make_client_tls_context({FakePeer::fixture_path(ca), false});
    EXPECT_TRUE(ctx);
    return *ctx;
}

TEST(Connection, RefusedConnectionFailsInMilliseconds) {
    asio::io_context io;
    Transcript t;
    const auto port = testing::unused_port();
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        const auto start = Clock::now();
        ConnectOptions o;
        o.connect_timeout = 10s;
        auto c = co_await Connection::connect(loopback(port), o, t);
        EXPECT_FALSE(c);
        if (!c) {
            EXPECT_EQ(c.error().kind, ErrorKind::network);
            EXPECT_NE(c.error().message.find("refused"), std::string::npos) << c.error().message;
        }
        // Not a timing assertion on performance: it tells a refusal from a wait-out (10 s).
        EXPECT_LT(Clock::now() - start, 5s);
    });
}

TEST(Connection, ReadsWritesAndRecordsTheTranscript) {
    asio::io_context io;
    FakePeer peer(io, [](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK hello\r\n");
        auto line = co_await p.read_until();
        const std::string reply = "echo " + line;
        co_await p.send(reply);
    });
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto c = co_await Connection::connect(loopback(peer.port()), ConnectOptions(), t);
        EXPECT_TRUE(c);
        if (!c) co_return;
        auto greeting = co_await (*c)->read_some();
        EXPECT_EQ(greeting.value(), "* OK hello\r\n");
        {
            auto ok = co_await (*c)->write("ping\r\n");
            EXPECT_TRUE(ok);
        }
        std::string got;
        while (got.size() < 11) {
            auto chunk = co_await (*c)->read_some();
            if (!chunk) break;
            got += *chunk;
        }
        EXPECT_EQ(got, "echo ping\r\n");
    });
    int client = 0, server = 0;
    for (const auto& e : t.entries()) {
        client += e.direction == Direction::client;
        server += e.direction == Direction::server;
    }
    EXPECT_EQ(client, 1);
    EXPECT_GE(server, 2);
}

TEST(Connection, SilentPeerTimesOutAtTheStepDeadline) {
    asio::io_context io;
    FakePeer peer(io, [](PeerSocket& p) -> asio::awaitable<void> { co_await p.sleep(5000ms); });
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        ConnectOptions o;
        o.step_timeout = 200ms;
        auto c = co_await Connection::connect(loopback(peer.port()), o, t);
        EXPECT_TRUE(c);
        if (!c) co_return;
        auto r = co_await (*c)->read_some();
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::timeout);
        }
    });
    peer.stop();
}

TEST(Connection, SoftTimeoutKeepsTheConnectionUsable) {
    asio::io_context io;
    FakePeer peer(io, [](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.sleep(400ms);
        co_await p.send("late\r\n");
        co_await p.sleep(1000ms);
    });
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto c = co_await Connection::connect(loopback(peer.port()), ConnectOptions(), t);
        EXPECT_TRUE(c);
        if (!c) co_return;
        auto quiet =
            co_await (*c)->read_some(Clock::now() + 100ms, Connection::OnTimeout::keep_open);
        EXPECT_FALSE(quiet);
        if (!quiet) {
            EXPECT_EQ(quiet.error().kind, ErrorKind::timeout);
        }
        // Still open: what the peer sends later arrives.
        auto late = co_await (*c)->read_some(Clock::now() + 2s);
        EXPECT_TRUE(late);
        if (late) {
            EXPECT_EQ(*late, "late\r\n");
        }
    });
}

TEST(Connection, HardDeadlineCapsEveryStep) {
    asio::io_context io;
    FakePeer peer(io, [](PeerSocket& p) -> asio::awaitable<void> { co_await p.sleep(5000ms); });
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        ConnectOptions o;
        o.step_timeout = 60s;
        o.hard_deadline = Clock::now() + 300ms;
        auto c = co_await Connection::connect(loopback(peer.port()), o, t);
        EXPECT_TRUE(c);
        if (!c) co_return;
        auto r = co_await (*c)->read_some();
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_NE(r.error().message.find("time limit"), std::string::npos) << r.error().message;
        }
    });
}

TEST(Connection, PeerClosingIsANetworkError) {
    asio::io_context io;
    FakePeer peer(io, [](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK bye");
        p.close();
    });
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto c = co_await Connection::connect(loopback(peer.port()), ConnectOptions(), t);
        EXPECT_TRUE(c);
        if (!c) co_return;
        {
            auto ok = co_await (*c)->read_some();
            EXPECT_TRUE(ok);
        }
        auto r = co_await (*c)->read_some();
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::network);
        }
    });
}

TEST(Connection, ImplicitTlsVerifiesAgainstTheGivenCa) {
    asio::io_context io;
    FakePeer peer(
        io, [](PeerSocket& p) -> asio::awaitable<void> { co_await p.send("* OK tls\r\n"); }, true);
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        ConnectOptions o;
        o.tls = client_tls("ca.pem");
        auto c = co_await Connection::connect(loopback(peer.port(), Protocol::imap, Security::tls),
                                              o, t);
        EXPECT_TRUE(c) << (c ? "" : c.error().message);
        if (!c) co_return;
        EXPECT_TRUE((*c)->is_tls());
        {
            auto r = co_await (*c)->read_some();
            EXPECT_EQ(r.value(), "* OK tls\r\n");
        }
    });
}

TEST(Connection, ImplicitTlsRejectsAnUntrustedCertificate) {
    asio::io_context io;
    FakePeer peer(
        io, [](PeerSocket& p) -> asio::awaitable<void> { co_await p.send("* OK\r\n"); }, true);
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        ConnectOptions o;
        o.tls = client_tls("other-ca.pem");
        auto c = co_await Connection::connect(loopback(peer.port(), Protocol::imap, Security::tls),
                                              o, t);
        EXPECT_FALSE(c);
        if (!c) {
            EXPECT_EQ(c.error().kind, ErrorKind::tls);
            EXPECT_NE(c.error().message.find("certificate"), std::string::npos)
                << c.error().message;
        }
    });
}

TEST(Connection, TlsRejectsACertificateForAnotherAddress) {
    asio::io_context io;
    // The certificate names 127.0.0.1 and localhost, not 127.0.0.2 (also loopback).
    FakePeer peer(
        io, [](PeerSocket& p) -> asio::awaitable<void> { co_await p.send("* OK\r\n"); }, true,
        "127.0.0.2");
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        ConnectOptions o;
        o.tls = client_tls("ca.pem");
        Endpoint e{Protocol::imap, Security::tls, "127.0.0.2", peer.port()};
        auto c = co_await Connection::connect(e, o, t);
        EXPECT_FALSE(c);
        if (!c) {
            EXPECT_EQ(c.error().kind, ErrorKind::tls) << c.error().message;
        }
    });
}

TEST(Connection, InsecureSkipsVerification) {
    asio::io_context io;
    FakePeer peer(
        io, [](PeerSocket& p) -> asio::awaitable<void> { co_await p.send("* OK\r\n"); }, true);
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        ConnectOptions o;
        o.tls = make_client_tls_context({"", true}).value();
        auto c = co_await Connection::connect(loopback(peer.port(), Protocol::imap, Security::tls),
                                              o, t);
        EXPECT_TRUE(c);
    });
}

TEST(Connection, StartTlsUpgradesAPlainConnection) {
    asio::io_context io;
    FakePeer peer(io, [](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("220 ready\r\n");
        co_await p.handshake();
        co_await p.send("secure\r\n");
    });
    Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        ConnectOptions o;
        o.tls = client_tls("ca.pem");
        auto c = co_await Connection::connect(
            loopback(peer.port(), Protocol::imap, Security::starttls), o, t);
        EXPECT_TRUE(c);
        if (!c) co_return;
        EXPECT_FALSE((*c)->is_tls());
        {
            auto r = co_await (*c)->read_some();
            EXPECT_EQ(r.value(), "220 ready\r\n");
        }
        {
            auto ok = co_await (*c)->start_tls();
            EXPECT_TRUE(ok);
        }
        {
            auto r = co_await (*c)->read_some();
            EXPECT_EQ(r.value(), "secure\r\n");
        }
    });
}

TEST(Tls, MissingCaFileIsAConfigError) {
    auto ctx = make_client_tls_context({"/nonexistent/ca.pem", false});
    ASSERT_FALSE(ctx);
    EXPECT_EQ(ctx.error().kind, ErrorKind::config);
    EXPECT_NE(ctx.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace coitest::net
