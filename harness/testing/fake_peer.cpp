#include "testing/fake_peer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>

namespace coitest::testing {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

PeerSocket::PeerSocket(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls_context)
    : tls_context_(std::move(tls_context)),
      plain_(std::make_unique<tcp::socket>(std::move(socket))) {}

tcp::socket& PeerSocket::raw() {
    return tls_ ? tls_->next_layer() : *plain_;
}

asio::awaitable<bool> PeerSocket::send(std::string_view data) {
    auto b = asio::buffer(data.data(), data.size());
    std::tuple<boost::system::error_code, std::size_t> outcome;
    if (tls_)
        outcome = co_await asio::async_write(*tls_, b, kNoThrow);
    else
        outcome = co_await asio::async_write(*plain_, b, kNoThrow);
    co_return !std::get<0>(outcome);
}

asio::awaitable<std::string> PeerSocket::read_until(std::string_view delimiter) {
    auto buf = asio::dynamic_buffer(buffer_);
    std::tuple<boost::system::error_code, std::size_t> outcome;
    if (tls_)
        outcome = co_await asio::async_read_until(*tls_, buf, std::string(delimiter), kNoThrow);
    else
        outcome = co_await asio::async_read_until(*plain_, buf, std::string(delimiter), kNoThrow);
    auto [ec, n] = outcome;
    if (ec) {
        std::string rest = std::move(buffer_);
        buffer_.clear();
        co_return rest;
    }
    std::string line = buffer_.substr(0, n);
    buffer_.erase(0, n);
    co_return line;
}

asio::awaitable<void> PeerSocket::handshake() {
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(*plain_), *tls_context_);
    co_await tls_->async_handshake(asio::ssl::stream_base::server, kNoThrow);
}

asio::awaitable<void> PeerSocket::sleep(std::chrono::milliseconds ms) {
    asio::steady_timer t(raw().get_executor(), ms);
    co_await t.async_wait(kNoThrow);
}

void PeerSocket::close() {
    boost::system::error_code ec;
    raw().close(ec);
}

FakePeer::FakePeer(asio::io_context& io, PeerScript script, bool implicit_tls,
                   const std::string& address)
    : acceptor_(io, tcp::endpoint(asio::ip::make_address(address), 0)),
      script_(std::move(script)),
      tls_(server_tls_context()),
      implicit_tls_(implicit_tls) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io, accept_loop(), asio::detached);
}

void FakePeer::stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
}

asio::awaitable<void> FakePeer::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
        if (ec) co_return;
        auto run = [](PeerScript script, std::shared_ptr<asio::ssl::context> tls, bool implicit,
                      tcp::socket s) -> asio::awaitable<void> {
            PeerSocket peer(std::move(s), tls);
            if (implicit) co_await peer.handshake();
            co_await script(peer);
        };
        asio::co_spawn(acceptor_.get_executor(),
                       run(script_, tls_, implicit_tls_, std::move(socket)), asio::detached);
    }
}

std::string FakePeer::fixture_path(std::string_view name) {
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    return std::string(root ? root : ".") + "/fixtures/tls/" + std::string(name);
}

std::shared_ptr<asio::ssl::context> FakePeer::server_tls_context() {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->use_certificate_chain_file(fixture_path("server.pem"));
    ctx->use_private_key_file(fixture_path("server.key"), asio::ssl::context::pem);
    return ctx;
}

std::uint16_t unused_port() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

}  // namespace coitest::testing
