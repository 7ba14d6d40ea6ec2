#include "peer/webpush_sender.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>

namespace coitest::peer::push {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// OpenSSL's own host name (or IP address) check against the endpoint's host, plus SNI.
bool prepare_verification(SSL* ssl, const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) == 1 &&
           SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

std::string tls_failure(SSL* ssl, const error_code& ec) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK)
        return fmt::format("certificate not trusted: {}", X509_verify_cert_error_string(verify));
    return ec.message();
}

std::string describe(const error_code& ec, std::string_view step) {
    if (ec == beast::error::timeout) return fmt::format("{}: no answer in time", step);
    return fmt::format("{}: {}", step, ec.message());
}

}  // namespace

Sender::Sender(asio::any_io_executor executor, VapidKeys keys, Deviations deviations,
               SenderOptions options, SenderEvents events)
    : executor_(std::move(executor)),
      keys_(std::move(keys)),
      deviations_(deviations),
      options_(std::move(options)),
      events_(std::move(events)) {}

void Sender::submit(PushJob job) {
    const double queued = events_.recorder ? events_.recorder->now() : 0;
    if (in_flight_ < options_.max_in_flight) {
        start(std::move(job), queued);
        return;
    }
    if (queue_.size() >= options_.max_queued) {
        Attempt none;
        none.error = fmt::format("{} pushes already waiting", queue_.size());
        record(job, none, 0, "dropped", queued);
        return;
    }
    queue_.emplace_back(std::move(job), queued);
}

void Sender::start(PushJob job, double queued) {
    ++in_flight_;
    // The completion handler holds the sender alive as long as the coroutine runs.
    asio::co_spawn(executor_, deliver(std::move(job), queued),
                   [self = shared_from_this()](std::exception_ptr) {});
}

void Sender::finished() {
    --in_flight_;
    if (queue_.empty() || in_flight_ >= options_.max_in_flight) return;
    auto next = std::move(queue_.front());
    queue_.pop_front();
    start(std::move(next.first), next.second);
}

void Sender::record(const PushJob& job, const Attempt& last, std::size_t attempts,
                    std::string outcome, double queued) {
    if (!events_.recorder) return;
    PushRecord r;
    r.account = job.account;
    r.subscription = job.subscription_id;
    r.endpoint = job.endpoint;
    r.validation = job.validation;
    r.status = last.status;
    r.attempts = attempts;
    r.outcome = std::move(outcome);
    r.error = last.error;
    r.queued = queued;
    r.done = events_.recorder->now();
    events_.recorder->push(std::move(r));
}

asio::awaitable<void> Sender::deliver(PushJob job, double queued) {
    Attempt last;
    std::size_t attempts = 0;
    auto url = parse_https_url(job.endpoint);
    if (!url) {
        last.error = url.error().message;
        record(job, last, 0, "failed", queued);
        finished();
        co_return;
    }
    const std::string origin = url->origin;
    for (;;) {
        // An earlier 429 from this push service holds every push to it back until then.
        const auto blocked = blocked_until_.find(origin);
        if (blocked != blocked_until_.end() && blocked->second > Clock::now()) {
            asio::steady_timer hold(executor_, blocked->second);
            co_await hold.async_wait(kNoThrow);
        }
        RequestSettings settings = options_.request;
        settings.now = unix_now();
        // Built for each attempt: a fresh ephemeral key, salt and JWT every time.
        auto request = build_push_request(job, keys_, settings, deviations_);
        if (!request) {
            last = Attempt{};
            last.error = request.error().message;
            record(job, last, attempts, "failed", queued);
            break;
        }
        ++attempts;
        Attempt result = co_await attempt(*request);
        last = std::move(result);
        const ResponseAction action = classify_response(last.status, last.retry_after, unix_now());
        if (action.kind == ResponseAction::Kind::delivered) {
            record(job, last, attempts, "delivered", queued);
            break;
        }
        if (action.kind == ResponseAction::Kind::gone) {
            if (events_.gone) events_.gone(job);
            record(job, last, attempts, "gone", queued);
            break;
        }
        if (action.kind == ResponseAction::Kind::failed || last.permanent) {
            if (last.error.empty()) last.error = "the push service refused the push";
            record(job, last, attempts, "failed", queued);
            break;
        }
        // Retry: after Retry-After when the service said so, else with doubling back-off.
        const auto wait =
            action.retry_after
                ? std::chrono::duration_cast<std::chrono::milliseconds>(*action.retry_after)
                : options_.first_backoff * (1 << std::min<std::size_t>(attempts - 1, 16));
        if (last.status == 429 && action.retry_after) {
            auto& until = blocked_until_[origin];
            until = std::max(until, Clock::now() + wait);
        }
        if (attempts >= options_.max_attempts) {
            if (last.error.empty()) last.error = fmt::format("gave up after {} attempts", attempts);
            record(job, last, attempts, "failed", queued);
            break;
        }
        if (wait > options_.max_wait) {
            last.error =
                fmt::format("Retry-After of {} s is longer than the peer waits",
                            std::chrono::duration_cast<std::chrono::seconds>(wait).count());
            record(job, last, attempts, "failed", queued);
            break;
        }
        asio::steady_timer pause(executor_, wait);
        co_await pause.async_wait(kNoThrow);
    }
    finished();
}

asio::awaitable<Sender::Attempt> Sender::attempt(const PushRequest& request) {
    Attempt out;
    const auto deadline = Clock::now() + options_.timeout;
    const std::string host = request.url.host;
    const std::string port = std::to_string(request.url.port);

    // A resolver has no deadline of its own: race it against one.
    tcp::resolver resolver(executor_);
    asio::steady_timer timer(executor_, deadline);
    auto resolved =
        co_await (resolver.async_resolve(host, port, kNoThrow) || timer.async_wait(kNoThrow));
    if (resolved.index() == 1) {
        out.error = fmt::format("cannot resolve {}: no answer in time", host);
        co_return out;
    }
    auto resolved_tuple = std::get<0>(std::move(resolved));
    if (const auto ec = std::get<0>(resolved_tuple)) {
        out.error = fmt::format("cannot resolve {}: {}", host, ec.message());
        co_return out;
    }
    const tcp::resolver::results_type results = std::get<1>(resolved_tuple);

    if (!options_.tls) {
        out.error = "no TLS context for push services";
        co_return out;
    }
    beast::ssl_stream<beast::tcp_stream> stream(executor_, *options_.tls);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_at(deadline);
    const auto connected = co_await lowest.async_connect(results, kNoThrow);
    if (const auto ec = std::get<0>(connected)) {
        out.error = describe(ec, fmt::format("cannot connect to {}:{}", host, port));
        co_return out;
    }
    if (!prepare_verification(stream.native_handle(), host)) {
        out.error = fmt::format("cannot verify the certificate of {}", host);
        co_return out;
    }
    lowest.expires_at(deadline);
    const auto shaken = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
    if (const auto ec = std::get<0>(shaken)) {
        out.error = ec == beast::error::timeout
                        ? describe(ec, "TLS handshake")
                        : fmt::format("TLS handshake with {}: {}", host,
                                      tls_failure(stream.native_handle(), ec));
        out.permanent = SSL_get_verify_result(stream.native_handle()) != X509_V_OK;
        co_return out;
    }

    http::request<http::string_body> req{http::verb::post, request.url.target, 11};
    req.set(http::field::host, request.url.port == 443 ? host : fmt::format("{}:{}", host, port));
    req.set(http::field::user_agent, "coitest-peer");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.prepare_payload();
    lowest.expires_at(deadline);
    const auto written = co_await http::async_write(stream, req, kNoThrow);
    if (const auto ec = std::get<0>(written)) {
        out.error = describe(ec, "sending the push");
        co_return out;
    }

    // The answer is bounded: headers and body together within max_response.
    beast::flat_buffer buffer(options_.max_response);
    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(options_.max_response, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(options_.max_response);
    lowest.expires_at(deadline);
    const auto read = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (const auto ec = std::get<0>(read)) {
        out.error = describe(ec, "reading the push service's answer");
        co_return out;
    }
    const auto& res = parser.get();
    out.status = res.result_int();
    if (const auto it = res.find(http::field::retry_after); it != res.end())
        out.retry_after = std::string(it->value());
    // No TLS close_notify exchange: the answer is in; a service that stalls here must not
    // hold the socket.
    error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest.close();
    co_return out;
}

}  // namespace coitest::peer::push
