#pragma once
// A scripted peer for unit and hostile-peer tests: listens on 127.0.0.1 on a free port and runs
// a coroutine per accepted connection. Never a stand-in for a real server in integration tests.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace coitest::testing {

// What a scripted peer does with one connection. `tls` is non-null on implicit-TLS peers.
class PeerSocket {
  public:
    PeerSocket(boost::asio::ip::tcp::socket socket,
               std::shared_ptr<boost::asio::ssl::context> tls_context);
    // False once the client has gone: scripts that send forever must stop then.
    boost::asio::awaitable<bool> send(std::string_view data);
    // Reads until `delimiter` (default CRLF) or EOF; returns what was read (possibly partial).
    boost::asio::awaitable<std::string> read_until(std::string_view delimiter = "\r\n");
    boost::asio::awaitable<void> handshake();  // upgrade to TLS (after STARTTLS, or at once)
    boost::asio::awaitable<void> sleep(std::chrono::milliseconds ms);
    void close();

  private:
    boost::asio::ip::tcp::socket& raw();
    std::shared_ptr<boost::asio::ssl::context> tls_context_;
    std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
    std::unique_ptr<boost::asio::ip::tcp::socket> plain_;
    std::string buffer_;
};

using PeerScript = std::function<boost::asio::awaitable<void>(PeerSocket&)>;

class FakePeer {
  public:
    // implicit_tls: handshake before running the script.
    FakePeer(boost::asio::io_context& io, PeerScript script, bool implicit_tls = false,
             const std::string& address = "127.0.0.1");
    std::uint16_t port() const { return port_; }
    void stop();

    // TLS material for tests: fixtures/tls under the source tree ($COITEST_SOURCE_DIR).
    static std::string fixture_path(std::string_view name);
    static std::shared_ptr<boost::asio::ssl::context> server_tls_context();

  private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::ip::tcp::acceptor acceptor_;
    PeerScript script_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    bool implicit_tls_;
    std::uint16_t port_ = 0;
};

// A port on 127.0.0.1 where nothing listens (bound then released).
std::uint16_t unused_port();

}  // namespace coitest::testing
