#include "peer/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace coitest::peer::detail {

namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
                       bool implicit_tls, ConnectionLimits limits, SessionFactory factory)
    : socket_(std::move(socket)),
      tls_context_(std::move(tls)),
      implicit_tls_(implicit_tls),
      limits_(limits),
      factory_(std::move(factory)),
      writer_signal_(socket_.get_executor(), Clock::time_point::max()),
      drained_signal_(socket_.get_executor(), Clock::time_point::max()),
      deadline_(socket_.get_executor(), Clock::time_point::max()) {}

Connection::~Connection() = default;

asio::ip::tcp::socket& Connection::raw() {
    return tls_stream_ ? tls_stream_->next_layer() : socket_;
}

void Connection::quick_ack() {
#ifdef TCP_QUICKACK
    // A client that sends a literal and its closing CRLF in two writes (Python's imaplib does)
    // waits, under Nagle, for our ACK of the first; Linux would delay that ACK by up to 40 ms.
    const int one = 1;
    ::setsockopt(raw().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
}

void Connection::enqueue(std::string data) {
    if (data.empty() || closed_) return;
    queued_bytes_ += data.size();
    queue_.push_back(std::move(data));
    writer_signal_.cancel();
}

void Connection::begin_close() {
    closing_ = true;
    boost::system::error_code ec;
    // Ends the reader's pending read; the writer still flushes what is queued.
    raw().shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
    writer_signal_.cancel();
}

void Connection::close_now() {
    if (closed_) return;
    closed_ = true;
    closing_ = true;
    boost::system::error_code ec;
    raw().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    raw().close(ec);
    writer_signal_.cancel();
    drained_signal_.cancel();
    deadline_.cancel();
}

void Connection::handle(ProtocolSession::Out& out) {
    enqueue(std::move(out.data));
    if (out.close) begin_close();
}

void Connection::flush_pending() {
    if (!session_ || closing_) return;
    auto out = session_->pending();
    handle(out);
    // Notifications pile up only for a client that stopped reading: it cannot grow us forever.
    if (queued_bytes_ > limits_.output_hard_limit) close_now();
}

asio::awaitable<void> Connection::wait_drained() {
    while (queued_bytes_ > 0 && !closed_)
        co_await drained_signal_.async_wait(as_tuple(use_awaitable));
}

asio::awaitable<bool> Connection::handshake() {
    deadline_.expires_after(limits_.tls_handshake_timeout);
    handshaking_ = true;
    // The TLS engine (two 17 KB buffers in Asio) exists only for connections that use TLS.
    tls_stream_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(socket_),
                                                                             *tls_context_);
    auto r = co_await tls_stream_->async_handshake(asio::ssl::stream_base::server,
                                                   as_tuple(use_awaitable));
    handshaking_ = false;
    const boost::system::error_code ec = std::get<0>(r);
    if (ec) co_return false;
    tls_ = true;
    writer_signal_.cancel();
    co_return true;
}

asio::awaitable<void> Connection::run() {
    auto self = shared_from_this();
    asio::co_spawn(socket_.get_executor(), self->watchdog(), asio::detached);
    if (implicit_tls_) {
        const bool ok = co_await handshake();
        if (!ok) {
            close_now();
            co_return;
        }
    }
    session_ = factory_(*this, tls_);
    asio::co_spawn(socket_.get_executor(), self->writer(), asio::detached);
    enqueue(session_->greeting());

    auto window_start = Clock::now();
    std::uint64_t window_commands = session_->commands();
    while (!closing_ && !closed_) {
        deadline_.expires_after(session_->timeout());
        std::size_t n = 0;
        boost::system::error_code ec;
        if (tls_) {
            auto r = co_await tls_stream_->async_read_some(asio::buffer(buffer_),
                                                           as_tuple(use_awaitable));
            ec = std::get<0>(r);
            n = std::get<1>(r);
        } else {
            auto r =
                co_await socket_.async_read_some(asio::buffer(buffer_), as_tuple(use_awaitable));
            ec = std::get<0>(r);
            n = std::get<1>(r);
        }
        if (ec || closing_) break;
        quick_ack();
        auto out = session_->receive(std::string_view(buffer_.data(), n));
        handle(out);
        while (out.more && !closing_ && !closed_) {
            co_await wait_drained();
            out = session_->receive({});
            handle(out);
        }
        if (out.start_tls && !closing_) {
            co_await wait_drained();  // the "go ahead" reply must be on the wire first
            const bool ok = co_await handshake();
            if (!ok) break;
            session_->tls_started();
        }
        if (queued_bytes_ > limits_.output_high_water) co_await wait_drained();

        // Command rate: above the limit the peer stops reading until the second is over.
        const auto now = Clock::now();
        if (now - window_start >= std::chrono::seconds(1)) {
            window_start = now;
            window_commands = session_->commands();
        } else if (session_->commands() - window_commands > limits_.commands_per_second) {
            asio::steady_timer pause(socket_.get_executor(),
                                     window_start + std::chrono::seconds(1));
            co_await pause.async_wait(as_tuple(use_awaitable));
        }
    }
    if (!closing_) begin_close();
}

asio::awaitable<void> Connection::writer() {
    auto self = shared_from_this();
    for (;;) {
        if (closed_) break;
        if (queue_.empty() || handshaking_) {
            if (closing_ && queue_.empty()) break;
            co_await writer_signal_.async_wait(as_tuple(use_awaitable));
            continue;
        }
        std::string chunk = std::move(queue_.front());
        queue_.pop_front();
        boost::system::error_code ec;
        if (tls_) {
            auto r = co_await asio::async_write(*tls_stream_, asio::buffer(chunk),
                                                as_tuple(use_awaitable));
            ec = std::get<0>(r);
        } else {
            auto r =
                co_await asio::async_write(socket_, asio::buffer(chunk), as_tuple(use_awaitable));
            ec = std::get<0>(r);
        }
        queued_bytes_ -= chunk.size();
        if (queue_.empty()) drained_signal_.cancel();
        if (ec) break;
    }
    close_now();
}

asio::awaitable<void> Connection::watchdog() {
    auto self = shared_from_this();
    while (!closed_) {
        co_await deadline_.async_wait(as_tuple(use_awaitable));
        if (closed_) break;
        if (deadline_.expiry() > Clock::now()) continue;  // moved on: a new deadline was set
        if (!timed_out_ && session_) {
            // Say why, then give the client a moment to read it before cutting the line.
            timed_out_ = true;
            enqueue(session_->timeout_message());
            begin_close();
            deadline_.expires_after(limits_.close_grace);
            continue;
        }
        close_now();
    }
}

}  // namespace coitest::peer::detail
