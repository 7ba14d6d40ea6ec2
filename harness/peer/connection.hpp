#pragma once
// One accepted connection of the reference peer: moves bytes between a socket (plain, implicit
// TLS, or upgraded by STARTTLS) and a sans-I/O protocol session. Three coroutines share it: the
// reader (read, run the session, queue its output), the writer (drain the queue) and a watchdog
// (the session's inactivity timeout; a client that stops reading is cut off too). Internal to
// the peer's server.
#include "peer/imap_session.hpp"
#include "peer/smtp_session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

namespace coitest::peer::detail {

// What the connection needs from a protocol session.
class ProtocolSession {
  public:
    struct Out {
        std::string data;
        bool start_tls = false;
        bool close = false;
        bool more = false;
    };
    virtual ~ProtocolSession() = default;
    virtual std::string greeting() = 0;
    virtual Out receive(std::string_view bytes) = 0;
    virtual void tls_started() = 0;
    virtual std::chrono::seconds timeout() const = 0;
    virtual std::string timeout_message() const = 0;
    virtual std::uint64_t commands() const = 0;
    virtual Out pending() { return {}; }
};

struct ConnectionLimits {
    std::size_t commands_per_second = 10000;
    std::size_t output_high_water = 4 * 1024 * 1024;   // stop reading while this much is queued
    std::size_t output_hard_limit = 64 * 1024 * 1024;  // a client that reads nothing is cut off
    std::chrono::seconds tls_handshake_timeout{10};
    std::chrono::seconds close_grace{5};
};

class Connection : public std::enable_shared_from_this<Connection> {
  public:
    using SessionFactory =
        std::function<std::unique_ptr<ProtocolSession>(Connection& self, bool tls)>;

    Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls,
               bool implicit_tls, ConnectionLimits limits, SessionFactory factory);
    ~Connection();

    boost::asio::awaitable<void> run();
    // Queues what the session has for the client while no command runs (IMAP IDLE).
    void flush_pending();
    // Closes at once (server stop).
    void close_now();

  private:
    boost::asio::awaitable<void> writer();
    boost::asio::awaitable<void> watchdog();
    boost::asio::awaitable<void> wait_drained();
    boost::asio::awaitable<bool> handshake();
    void enqueue(std::string data);
    void handle(ProtocolSession::Out& out);
    void begin_close();  // no more reads; the writer closes after the queue drains
    void quick_ack();

    boost::asio::ip::tcp::socket& raw();  // the TCP socket, inside the TLS stream or not

    boost::asio::ip::tcp::socket socket_;  // moved into tls_stream_ at the handshake
    std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_stream_;
    std::shared_ptr<boost::asio::ssl::context> tls_context_;
    bool implicit_tls_;
    ConnectionLimits limits_;
    SessionFactory factory_;
    std::unique_ptr<ProtocolSession> session_;
    bool tls_ = false;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    bool closing_ = false;
    bool closed_ = false;
    bool handshaking_ = false;
    bool timed_out_ = false;
    boost::asio::steady_timer writer_signal_;
    boost::asio::steady_timer drained_signal_;
    boost::asio::steady_timer deadline_;
    std::array<char, 8192> buffer_{};
};

}  // namespace coitest::peer::detail
