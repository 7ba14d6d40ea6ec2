#include "pushservice/push_service.hpp"

#include "webpush/base64url.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <list>
#include <map>
#include <mutex>

namespace coitest::pushservice {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kPushPrefix = "/push/";
const std::string kNoRetry;  // named, never a braced temporary into a coroutine (g++ 12)

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

Result<std::string> random_id() {
    unsigned char octets[24];
    if (RAND_bytes(octets, sizeof octets) != 1)
        return make_error(ErrorKind::internal, "the random generator failed");
    return webpush::base64url_encode(
        std::string_view(reinterpret_cast<const char*>(octets), sizeof octets));
}

Result<std::shared_ptr<ssl::context>> server_tls(const LeafMaterial& leaf) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                     ec);
    ctx->use_certificate_chain(asio::buffer(leaf.cert_pem), ec);
    if (ec) return make_error(ErrorKind::tls, "the endpoint certificate: " + ec.message());
    ctx->use_private_key(asio::buffer(leaf.key_pem), ssl::context::pem, ec);
    if (ec) return make_error(ErrorKind::tls, "the endpoint key: " + ec.message());
    return ctx;
}

}  // namespace

struct PushService::State : std::enable_shared_from_this<PushService::State> {
    struct Entry {
        Subscription subscription;
        Reply reply;
    };

    State(asio::any_io_executor ex, PushServiceOptions opts)
        : executor(std::move(ex)), options(std::move(opts)), acceptor(executor) {}

    asio::any_io_executor executor;
    PushServiceOptions options;
    CaMaterial ca;
    std::shared_ptr<ssl::context> tls;
    tcp::acceptor acceptor;
    std::uint16_t port = 0;
    std::string host;
    std::string origin;
    std::atomic<bool> stopped{false};

    // Shared with callers on other threads.
    mutable std::mutex mutex;
    std::map<std::string, Entry, std::less<>> subscriptions;
    std::map<std::string, std::uint64_t, std::less<>> handed_out;  // wait_for_push cursors
    std::deque<RecordedRequest> records;
    ServiceStats stats;
    std::uint64_t next_sequence = 1;

    // Executor only.
    std::list<asio::steady_timer*> waiters;
    std::list<std::weak_ptr<Stream>> connections;
    std::size_t active = 0;

    void close_all() {
        boost::system::error_code ec;
        acceptor.close(ec);
        for (auto& weak : connections)
            if (auto s = weak.lock()) beast::get_lowest_layer(*s).close();
        for (auto* t : waiters) t->cancel();
    }

    // Stores `r` (assigning its sequence number) and wakes every waiter.
    void record(RecordedRequest& r) {
        {
            std::lock_guard lock(mutex);
            r.sequence = next_sequence++;
            stats.recorded_bytes += r.memory_size();
            records.push_back(r);
            while (!records.empty() && (records.size() > options.max_recorded ||
                                        stats.recorded_bytes > options.max_recorded_bytes)) {
                stats.recorded_bytes -= records.front().memory_size();
                records.pop_front();
                ++stats.dropped_records;
            }
            stats.recorded = records.size();
        }
        for (auto* t : waiters) t->cancel();
    }

    void count(std::uint64_t ServiceStats::*field) {
        std::lock_guard lock(mutex);
        ++(stats.*field);
    }

    // What the URL names and how to answer it.
    std::pair<std::string, Reply> route(const http::request<http::string_body>& req) {
        const std::string_view target(req.target().data(), req.target().size());
        if (target.starts_with(kPushPrefix)) {
            const std::string_view id = target.substr(kPushPrefix.size());
            std::lock_guard lock(mutex);
            if (auto it = subscriptions.find(id); it != subscriptions.end()) {
                if (req.method() != http::verb::post)
                    return {std::string(id), Reply::with_status(405)};
                return {std::string(id), it->second.reply};
            }
        }
        return {std::string(), Reply::with_status(404)};
    }
};

namespace {

using StatePtr = std::shared_ptr<PushService::State>;

// Registers a connection so stop() can close it, and counts it against the limit.
class ConnectionGuard {
  public:
    ConnectionGuard(StatePtr s, const std::shared_ptr<Stream>& stream) : s_(std::move(s)) {
        it_ = s_->connections.insert(s_->connections.end(), stream);
        ++s_->active;
    }
    ~ConnectionGuard() {
        s_->connections.erase(it_);
        --s_->active;
    }
    ConnectionGuard(const ConnectionGuard&) = delete;
    ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  private:
    StatePtr s_;
    std::list<std::weak_ptr<Stream>>::iterator it_;
};

RecordedRequest to_record(const http::request<http::string_body>& req, std::string id) {
    RecordedRequest r;
    r.subscription_id = std::move(id);
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& field : req)
        r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    r.body = req.body();
    r.received_at = std::chrono::system_clock::now();
    r.received = Clock::now();
    return r;
}

asio::awaitable<void> write_status(StatePtr s, Stream& stream, unsigned status,
                                   const std::string& retry_after, std::uint64_t sequence,
                                   bool keep_alive) {
    http::response<http::empty_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "coitest-push");
    if (status == 201)
        res.set(http::field::location, fmt::format("{}/message/{}", s->origin, sequence));
    if (!retry_after.empty()) res.set(http::field::retry_after, retry_after);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(s->options.request_timeout);
    auto w = co_await http::async_write(stream, res, kTuple);
    (void)w;
}

// Closes politely when it can: a TLS close_notify, bounded by the request timeout.
asio::awaitable<void> finish(StatePtr s, Stream& stream) {
    beast::get_lowest_layer(stream).expires_after(
        std::min(s->options.request_timeout, std::chrono::milliseconds(1000)));
    auto r = co_await stream.async_shutdown(kTuple);
    (void)r;
    beast::get_lowest_layer(stream).close();
}

// After refusing a request whose body is still coming (413, 431): read and discard what the
// client sends, bounded in bytes and time, so it gets to read the answer instead of a reset.
asio::awaitable<void> linger(StatePtr s, Stream& stream) {
    beast::get_lowest_layer(stream).expires_after(
        std::min(s->options.request_timeout, std::chrono::milliseconds(2000)));
    std::array<char, 16 * 1024> sink;
    std::size_t discarded = 0;
    while (discarded < 4 * 1024 * 1024) {
        auto got = co_await stream.async_read_some(asio::buffer(sink), kTuple);
        if (std::get<0>(got)) break;
        discarded += std::get<1>(got);
    }
    beast::get_lowest_layer(stream).close();
}

asio::awaitable<void> serve(StatePtr s, tcp::socket socket) {
    auto stream = std::make_shared<Stream>(std::move(socket), *s->tls);
    ConnectionGuard guard(s, stream);
    const auto& opt = s->options;

    beast::get_lowest_layer(*stream).expires_after(opt.request_timeout);
    auto hs = co_await stream->async_handshake(ssl::stream_base::server, kTuple);
    if (const auto ec = std::get<0>(hs)) {
        s->count(ec == beast::error::timeout ? &ServiceStats::timed_out
                                             : &ServiceStats::bad_requests);
        co_return;
    }
    // Never more than one request's worth of bytes buffered.
    beast::flat_buffer buffer(opt.max_header + opt.max_body + 4096);
    for (std::size_t n = 0; n < opt.max_requests_per_connection && !s->stopped; ++n) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opt.max_header));
        parser.body_limit(opt.max_body);
        // One deadline for the whole request: trickling bytes does not extend it.
        beast::get_lowest_layer(*stream).expires_after(opt.request_timeout);
        auto rd = co_await http::async_read(*stream, buffer, parser, kTuple);
        const auto ec = std::get<0>(rd);
        if (ec == http::error::body_limit) {
            RecordedRequest r = to_record(parser.get(), {});
            r.subscription_id = s->route(parser.get()).first;
            r.body.clear();
            r.body_over_limit = true;
            r.status = 413;
            s->record(r);
            co_await write_status(s, *stream, 413, kNoRetry, r.sequence, false);
            co_await linger(s, *stream);
            co_return;
        }
        if (ec == http::error::header_limit) {
            s->count(&ServiceStats::bad_requests);
            co_await write_status(s, *stream, 431, kNoRetry, 0, false);
            co_await linger(s, *stream);
            co_return;
        }
        if (ec == beast::error::timeout) {
            // An idle keep-alive connection timing out is no offence; a half-sent request is.
            if (parser.got_some()) s->count(&ServiceStats::timed_out);
            co_return;
        }
        if (ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == ssl::error::stream_truncated || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset)
            co_return;
        if (ec) {
            s->count(&ServiceStats::bad_requests);
            co_await write_status(s, *stream, 400, kNoRetry, 0, false);
            co_await finish(s, *stream);
            co_return;
        }

        const auto& req = parser.get();
        auto routed = s->route(req);
        const Reply reply = routed.second;
        RecordedRequest r = to_record(req, std::move(routed.first));
        r.status = reply.kind == Reply::Kind::status ? reply.status : 0;
        s->record(r);

        if (reply.kind == Reply::Kind::hang_up) {
            beast::get_lowest_layer(*stream).close();
            co_return;
        }
        if (reply.kind == Reply::Kind::silence) {
            // Wait for the client to give up (or stop(), or the hold limit), answering nothing.
            beast::get_lowest_layer(*stream).expires_after(opt.hold_limit);
            char byte = 0;
            for (;;) {
                auto got = co_await stream->async_read_some(asio::buffer(&byte, 1), kTuple);
                if (std::get<0>(got)) break;
            }
            beast::get_lowest_layer(*stream).close();
            co_return;
        }
        const bool keep_alive = req.keep_alive();
        co_await write_status(s, *stream, reply.status, reply.retry_after, r.sequence, keep_alive);
        if (!keep_alive) {
            co_await finish(s, *stream);
            co_return;
        }
    }
    co_await finish(s, *stream);
}

asio::awaitable<void> serve_safely(StatePtr s, tcp::socket socket) {
    try {
        co_await serve(s, std::move(socket));
    } catch (const std::exception&) {
        // A bug here must not take the test run down; the connection is simply gone.
        s->count(&ServiceStats::bad_requests);
    }
}

asio::awaitable<void> accept_loop(StatePtr s) {
    asio::steady_timer backoff(s->executor);
    while (!s->stopped) {
        auto accepted = co_await s->acceptor.async_accept(kTuple);
        auto ec = std::get<0>(accepted);
        if (ec) {
            if (s->stopped || ec == asio::error::operation_aborted || !s->acceptor.is_open())
                co_return;
            // Out of descriptors and the like: wait a little instead of spinning.
            backoff.expires_after(std::chrono::milliseconds(20));
            auto w = co_await backoff.async_wait(kTuple);
            (void)w;
            continue;
        }
        tcp::socket socket = std::move(std::get<1>(accepted));
        if (s->active >= s->options.max_connections) {
            s->count(&ServiceStats::refused_connections);
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        s->count(&ServiceStats::connections);
        asio::co_spawn(s->executor, serve_safely(s, std::move(socket)), asio::detached);
    }
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return std::nullopt;
}

std::size_t RecordedRequest::memory_size() const {
    std::size_t n = sizeof(*this) + subscription_id.capacity() + method.capacity() +
                    target.capacity() + body.capacity();
    for (const auto& [k, v] : headers)
        n += sizeof(std::pair<std::string, std::string>) + k.capacity() + v.capacity();
    return n;
}

Result<Subscription> make_subscription(std::string id, std::string endpoint) {
    auto key = webpush::P256PrivateKey::generate();
    if (!key) return key.error();
    std::string secret(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), 16) != 1)
        return make_error(ErrorKind::internal, "the random generator failed");
    const std::string point = key->public_key().uncompressed_point();
    return Subscription{std::move(id),
                        std::move(endpoint),
                        webpush::base64url_encode(point),
                        webpush::base64url_encode(secret),
                        std::move(*key),
                        std::move(secret)};
}

Result<std::unique_ptr<PushService>> PushService::start(asio::any_io_executor executor,
                                                        PushServiceOptions options) {
    auto s = std::make_shared<State>(std::move(executor), std::move(options));
    s->host = s->options.public_host.empty() ? s->options.listen : s->options.public_host;
    if (s->options.ca) {
        if (auto ok = check_ca(*s->options.ca); !ok) return ok.error();
        s->ca = *s->options.ca;
    } else {
        auto ca = generate_ca();
        if (!ca) return ca.error();
        s->ca = std::move(*ca);
    }
    std::vector<std::string> names{s->host};
    for (const char* n : {"127.0.0.1", "localhost"})
        if (s->host != n) names.emplace_back(n);
    auto leaf = issue_leaf(s->ca, names);
    if (!leaf) return leaf.error();
    auto tls = server_tls(*leaf);
    if (!tls) return tls.error();
    s->tls = std::move(*tls);

    boost::system::error_code ec;
    const auto address = asio::ip::make_address(s->options.listen, ec);
    if (ec)
        return make_error(ErrorKind::config,
                          fmt::format("push endpoint: '{}' is not an IP address to listen on",
                                      s->options.listen));
    const tcp::endpoint where(address, s->options.port);
    s->acceptor.open(where.protocol(), ec);
    if (!ec) s->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) s->acceptor.bind(where, ec);
    if (!ec) s->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return make_error(ErrorKind::network,
                          fmt::format("push endpoint: cannot listen on {}:{}: {}",
                                      s->options.listen, s->options.port, ec.message()));
    s->port = s->acceptor.local_endpoint().port();
    const bool v6 = s->host.find(':') != std::string::npos;
    s->origin = v6 ? fmt::format("https://[{}]:{}", s->host, s->port)
                   : fmt::format("https://{}:{}", s->host, s->port);
    asio::co_spawn(s->executor, accept_loop(s), asio::detached);
    return std::unique_ptr<PushService>(new PushService(std::move(s)));
}

PushService::PushService(std::shared_ptr<State> state) : state_(std::move(state)) {}

PushService::~PushService() {
    stop();
}

void PushService::stop() {
    if (state_->stopped.exchange(true)) return;
    // Inline when called on the service's executor, so the port is free when stop() returns.
    asio::dispatch(state_->executor, [s = state_] { s->close_all(); });
}

std::uint16_t PushService::port() const {
    return state_->port;
}
std::string PushService::origin() const {
    return state_->origin;
}
const CaMaterial& PushService::ca() const {
    return state_->ca;
}

Result<void> PushService::write_ca_pem(const std::filesystem::path& file) const {
    return write_pem(file, state_->ca.cert_pem, false);
}

Result<Subscription> PushService::subscribe(Reply reply) {
    auto id = random_id();
    if (!id) return id.error();
    auto sub = make_subscription(*id, fmt::format("{}{}{}", state_->origin, kPushPrefix, *id));
    if (!sub) return sub.error();
    std::lock_guard lock(state_->mutex);
    state_->subscriptions.insert_or_assign(*id, State::Entry{*sub, std::move(reply)});
    return sub;
}

void PushService::set_reply(std::string_view id, Reply reply) {
    std::lock_guard lock(state_->mutex);
    if (auto it = state_->subscriptions.find(id); it != state_->subscriptions.end())
        it->second.reply = std::move(reply);
}

void PushService::remove(std::string_view id) {
    std::lock_guard lock(state_->mutex);
    if (auto it = state_->subscriptions.find(id); it != state_->subscriptions.end())
        state_->subscriptions.erase(it);
}

std::optional<Subscription> PushService::subscription(std::string_view id) const {
    std::lock_guard lock(state_->mutex);
    if (auto it = state_->subscriptions.find(id); it != state_->subscriptions.end())
        return it->second.subscription;
    return std::nullopt;
}

std::vector<RecordedRequest> PushService::requests() const {
    std::lock_guard lock(state_->mutex);
    return {state_->records.begin(), state_->records.end()};
}

std::vector<RecordedRequest> PushService::requests_for(std::string_view id) const {
    std::lock_guard lock(state_->mutex);
    std::vector<RecordedRequest> out;
    for (const auto& r : state_->records)
        if (r.subscription_id == id) out.push_back(r);
    return out;
}

ServiceStats PushService::stats() const {
    std::lock_guard lock(state_->mutex);
    return state_->stats;
}

asio::awaitable<std::optional<RecordedRequest>> PushService::wait_for_push(
    std::string subscription_id, Clock::time_point deadline) {
    const std::string id = std::move(subscription_id);  // copied before the first suspension
    auto s = state_;
    asio::steady_timer timer(s->executor);
    for (;;) {
        std::optional<RecordedRequest> found;
        {
            std::lock_guard lock(s->mutex);
            std::uint64_t& cursor = s->handed_out[id];
            for (const auto& r : s->records)
                if (r.subscription_id == id && r.sequence > cursor) {
                    cursor = r.sequence;
                    found = r;
                    break;
                }
        }
        if (found) co_return found;
        if (s->stopped || Clock::now() >= deadline) co_return std::nullopt;
        timer.expires_at(deadline);
        auto it = s->waiters.insert(s->waiters.end(), &timer);
        auto waited = co_await timer.async_wait(kTuple);
        (void)waited;
        s->waiters.erase(it);
    }
}

OpenedPush PushService::open(const RecordedRequest& request, const OpenOptions& options) const {
    auto sub = subscription(request.subscription_id);
    if (!sub) {
        OpenedPush out;
        out.problems.push_back(
            {OpenedPush::Aspect::unknown_subscription,
             request.subscription_id.empty()
                 ? fmt::format("{} names no subscription of this endpoint", request.target)
                 : "the subscription was removed from the endpoint"});
        return out;
    }
    return open_push(request, *sub, state_->origin, options);
}

}  // namespace coitest::pushservice
