#include "net/connection.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <optional>
#include <variant>

namespace coitest::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Connection::Impl {
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    std::string read_buffer;
    bool closed = false;

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

namespace {

double seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}

// Points OpenSSL's own host name (or IP address) check at the name the user connected to.
Result<void> prepare_verification(SSL* ssl, const std::string& host) {
    error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (!ec) {
        if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1)
            return make_error(ErrorKind::tls, fmt::format("cannot verify IP address {}", host));
    } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) != 1 ||
            SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)  // SNI, for names only
            return make_error(ErrorKind::tls, fmt::format("cannot verify host name {}", host));
    }
    (void)address;
    return {};
}

std::string tls_failure(SSL* ssl, const error_code& ec) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK)
        return fmt::format(
            "certificate verification failed: {} (use --ca-file, or --insecure to "
            "skip verification)",
            X509_verify_cert_error_string(verify));
    return ec.message();
}

}  // namespace

Connection::Connection(Endpoint endpoint, ConnectOptions options, Transcript& transcript,
                       std::unique_ptr<Impl> impl)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      transcript_(transcript),
      impl_(std::move(impl)) {}

Connection::~Connection() {
    close();
}

Clock::time_point Connection::cap(Clock::time_point deadline) const {
    return std::min(deadline, options_.hard_deadline);
}

asio::awaitable<Result<std::unique_ptr<Connection>>> Connection::connect(
    const Endpoint& endpoint, const ConnectOptions& options, Transcript& transcript) {
    using namespace asio::experimental::awaitable_operators;
    auto ex = co_await asio::this_coro::executor;
    const auto deadline = std::min(Clock::now() + options.connect_timeout, options.hard_deadline);
    const std::string where = endpoint.url();
    transcript.note(options.name, fmt::format("connecting to {}", where));

    if (endpoint.security != Security::plain && !options.tls)
        co_return make_error(ErrorKind::internal, "TLS endpoint without a TLS context");

    // A resolver has no deadline of its own: race it against one.
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, deadline);
    auto resolved =
        co_await (resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow) ||
                  timer.async_wait(kNoThrow));
    if (resolved.index() == 1)
        co_return make_error(ErrorKind::timeout,
                             fmt::format("cannot resolve {}: no answer within {:.1f} s",
                                         endpoint.host, seconds(options.connect_timeout)));
    // (No structured bindings that live across a co_await: g++ 12 mis-stores them.)
    auto resolved_tuple = std::get<0>(std::move(resolved));
    if (const auto rec = std::get<0>(resolved_tuple))
        co_return make_error(ErrorKind::network,
                             fmt::format("cannot resolve {}: {}", endpoint.host, rec.message()));
    const tcp::resolver::results_type results = std::get<1>(resolved_tuple);

    auto impl = std::make_unique<Impl>();
    impl->plain.emplace(ex);
    impl->plain->expires_at(deadline);
    const auto connected = co_await impl->plain->async_connect(results, kNoThrow);
    const auto cec = std::get<0>(connected);
    if (cec == beast::error::timeout)
        co_return make_error(ErrorKind::timeout,
                             fmt::format("cannot connect to {}: no answer within {:.1f} s", where,
                                         seconds(options.connect_timeout)));
    if (cec)
        co_return make_error(ErrorKind::network,
                             fmt::format("cannot connect to {}: {}", where, cec.message()));
    impl->plain->expires_never();

    std::unique_ptr<Connection> conn(
        new Connection(endpoint, options, transcript, std::move(impl)));
    if (endpoint.security == Security::tls) {
        auto tls = co_await conn->start_tls();
        if (!tls) co_return tls.error();
    }
    co_return conn;
}

asio::awaitable<Result<void>> Connection::start_tls() {
    if (impl_->tls) co_return make_error(ErrorKind::internal, "TLS is already active");
    if (!options_.tls)
        co_return make_error(ErrorKind::internal, "no TLS context for this connection");
    impl_->tls.emplace(std::move(*impl_->plain), *options_.tls);
    impl_->plain.reset();
    SSL* ssl = impl_->tls->native_handle();
    if (options_.tls->native_handle() &&
        SSL_CTX_get_verify_mode(options_.tls->native_handle()) != SSL_VERIFY_NONE) {
        if (auto r = prepare_verification(ssl, endpoint_.host); !r) co_return r.error();
    }
    transcript_.note(options_.name, "TLS handshake");
    impl_->lowest().expires_at(cap(Clock::now() + options_.connect_timeout));
    auto [ec] = co_await impl_->tls->async_handshake(asio::ssl::stream_base::client, kNoThrow);
    impl_->lowest().expires_never();
    if (ec == beast::error::timeout)
        co_return make_error(ErrorKind::timeout,
                             fmt::format("TLS handshake with {} did not finish within {:.1f} s",
                                         endpoint_.url(), seconds(options_.connect_timeout)));
    if (ec)
        co_return make_error(ErrorKind::tls, fmt::format("TLS handshake with {} failed: {}",
                                                         endpoint_.url(), tls_failure(ssl, ec)));
    transcript_.note(options_.name, fmt::format("TLS established ({})", SSL_get_version(ssl)));
    co_return Result<void>{};
}

asio::awaitable<Result<std::string>> Connection::read_some(Clock::time_point deadline,
                                                           OnTimeout on_timeout) {
    if (impl_->closed) co_return make_error(ErrorKind::network, "the connection is closed");
    const auto capped = cap(deadline);
    const auto waited = capped - Clock::now();
    // A peer that always has more bytes ready never lets a pending read expire: check the
    // deadline here too, or a flood would outlive every time limit.
    if (waited <= Duration::zero()) {
        const bool test_deadline = capped == options_.hard_deadline;
        transcript_.note(options_.name,
                         test_deadline ? "test deadline reached" : "read deadline passed");
        co_return make_error(
            ErrorKind::timeout,
            test_deadline
                ? fmt::format("the test's time limit ran out reading from {}", endpoint_.url())
                : fmt::format("{} kept sending past the read deadline (a flood?)",
                              endpoint_.url()));
    }
    impl_->read_buffer.resize(options_.max_read_chunk);
    // Beast's stream timeout closes the socket; a soft deadline cancels the read instead.
    const bool soft = on_timeout == OnTimeout::keep_open && capped != options_.hard_deadline;
    // Shared with the timer's handler, which may run after this read has completed.
    struct SoftState {
        bool done = false;
        bool expired = false;
    };
    auto state = std::make_shared<SoftState>();
    asio::steady_timer soft_timer(impl_->lowest().get_executor());
    if (soft) {
        impl_->lowest().expires_at(options_.hard_deadline);
        soft_timer.expires_at(capped);
        soft_timer.async_wait([impl = impl_.get(), state](error_code ec) {
            if (ec || state->done) return;  // the read completed first: touch nothing
            state->expired = true;
            error_code ignored;
            impl->lowest().socket().cancel(ignored);
        });
    } else {
        impl_->lowest().expires_at(capped);
    }
    auto buffer = asio::buffer(impl_->read_buffer);
    // (No co_await inside ?: — g++ 12 miscompiles it.)
    std::tuple<boost::system::error_code, std::size_t> outcome;
    if (impl_->tls)
        outcome = co_await impl_->tls->async_read_some(buffer, kNoThrow);
    else
        outcome = co_await impl_->plain->async_read_some(buffer, kNoThrow);
    state->done = true;
    soft_timer.cancel();
    auto [ec, n] = outcome;
    if (soft && state->expired && n == 0) {
        transcript_.note(options_.name, "nothing arrived by the deadline");
        co_return make_error(ErrorKind::timeout, fmt::format("{} sent nothing for {:.1f} s",
                                                             endpoint_.url(), seconds(waited)));
    }
    if (n > 0) {
        std::string data = impl_->read_buffer.substr(0, n);
        transcript_.record(options_.name, Direction::server, data);
        co_return data;
    }
    if (ec == beast::error::timeout) {
        const bool test_deadline = capped == options_.hard_deadline;
        transcript_.note(options_.name, test_deadline ? "test deadline reached" : "read timed out");
        impl_->closed = true;  // beast closed the socket on timeout
        co_return make_error(
            ErrorKind::timeout,
            test_deadline
                ? fmt::format("the test's time limit ran out waiting for {}", endpoint_.url())
                : fmt::format("{} sent nothing for {:.1f} s", endpoint_.url(), seconds(waited)));
    }
    impl_->closed = true;
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        transcript_.note(options_.name, "connection closed by the server");
        co_return make_error(ErrorKind::network,
                             fmt::format("{} closed the connection", endpoint_.url()));
    }
    transcript_.note(options_.name, fmt::format("read failed: {}", ec.message()));
    co_return make_error(impl_->tls && ec.category() == asio::error::get_ssl_category()
                             ? ErrorKind::tls
                             : ErrorKind::network,
                         fmt::format("reading from {} failed: {}", endpoint_.url(), ec.message()));
}

asio::awaitable<Result<bool>> Connection::wait_readable(Clock::time_point deadline) {
    using namespace asio::experimental::awaitable_operators;
    if (impl_->closed) co_return make_error(ErrorKind::network, "the connection is closed");
    if (impl_->tls) {
        // Bytes OpenSSL already holds (decrypted, or received but not yet decrypted) never make
        // the socket readable again.
        SSL* ssl = impl_->tls->native_handle();
        if (SSL_has_pending(ssl) == 1 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0) co_return true;
    }
    const auto capped = cap(deadline);
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, capped);
    // Cancelling a readiness wait consumes nothing and leaves the socket open (unlike a timed
    // out read, which beast closes).
    auto outcome =
        co_await (impl_->lowest().socket().async_wait(tcp::socket::wait_read, kNoThrow) ||
                  timer.async_wait(kNoThrow));
    if (outcome.index() == 1) {
        if (capped < deadline) {
            transcript_.note(options_.name, "test deadline reached");
            co_return make_error(
                ErrorKind::timeout,
                fmt::format("the test's time limit ran out waiting for {}", endpoint_.url()));
        }
        co_return false;
    }
    const auto ec = std::get<0>(std::get<0>(outcome));
    if (ec) {
        impl_->closed = true;
        co_return make_error(ErrorKind::network, fmt::format("waiting for {} failed: {}",
                                                             endpoint_.url(), ec.message()));
    }
    co_return true;
}

asio::awaitable<Result<void>> Connection::write(std::string_view data,
                                                const std::string* transcript_text) {
    if (impl_->closed) co_return make_error(ErrorKind::network, "the connection is closed");
    transcript_.record(options_.name, Direction::client, transcript_text ? *transcript_text : data);
    impl_->lowest().expires_at(cap(Clock::now() + options_.step_timeout));
    auto buffer = asio::buffer(data.data(), data.size());
    std::tuple<boost::system::error_code, std::size_t> outcome;
    if (impl_->tls)
        outcome = co_await asio::async_write(*impl_->tls, buffer, kNoThrow);
    else
        outcome = co_await asio::async_write(*impl_->plain, buffer, kNoThrow);
    const auto ec = std::get<0>(outcome);
    if (!ec) co_return Result<void>{};
    impl_->closed = true;
    if (ec == beast::error::timeout)
        co_return make_error(ErrorKind::timeout,
                             fmt::format("{} did not accept data for {:.1f} s", endpoint_.url(),
                                         seconds(options_.step_timeout)));
    co_return make_error(ErrorKind::network,
                         fmt::format("writing to {} failed: {}", endpoint_.url(), ec.message()));
}

void Connection::close() {
    if (!impl_ || impl_->closed) return;
    impl_->closed = true;
    error_code ec;
    // No TLS close_notify exchange: a broken peer could hold it for the whole deadline.
    impl_->lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    impl_->lowest().socket().close(ec);
}

bool Connection::is_tls() const {
    return impl_ && impl_->tls.has_value();
}

}  // namespace coitest::net
