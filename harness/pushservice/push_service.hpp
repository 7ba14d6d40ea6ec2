#pragma once
// coitest's own Web Push service endpoint (RFC 8030 §5, as webpush-spec.md "Push Service
// Response Codes" describes it): an HTTPS server on loopback that a WebPush server under test
// POSTs pushes to. It plays the push service and the user agent at once: each subscription holds
// the user agent's key pair and auth secret, so a test can decrypt what arrived and verify its
// VAPID signature (open()).
//
//   auto svc = PushService::start(co_await asio::this_coro::executor, options);
//   auto sub = (*svc)->subscribe();           // endpoint URL, p256dh, auth for SETMETADATA
//   auto push = co_await (*svc)->wait_for_push(sub.id, deadline);
//   auto opened = (*svc)->open(*push, {.expected_vapid_key = published});
//
// Everything runs on the executor given to start(); wait_for_push must be awaited there too.
// The other members may be called from any thread. Bounded throughout: body and header sizes,
// a deadline for each request (a client that never finishes cannot hold a connection), a
// connection limit, and a cap on what is recorded. Stopped (acceptor and every connection
// closed) by stop() or the destructor; coroutines still running keep the state alive until they
// end, so destroying the service from inside one of them is safe.
#include "model/error.hpp"
#include "pushservice/ca.hpp"
#include "webpush/ece.hpp"
#include "webpush/p256.hpp"
#include "webpush/vapid.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::pushservice {

using Clock = std::chrono::steady_clock;

// How the endpoint answers pushes to one subscription.
struct Reply {
    enum class Kind {
        status,   // an HTTP response with `status`
        hang_up,  // read the request, then close the connection without a word
        silence,  // read the request, then say nothing until the client gives up (or hold_limit)
    };
    Kind kind = Kind::status;
    unsigned status = 201;
    std::string retry_after;  // sent as Retry-After when non-empty (429)

    static Reply created() { return {}; }
    static Reply with_status(unsigned status, std::string retry_after = {}) {
        return {Kind::status, status, std::move(retry_after)};
    }
    static Reply hang_up() { return {Kind::hang_up, 0, {}}; }
    static Reply silence() { return {Kind::silence, 0, {}}; }
};

struct PushServiceOptions {
    std::string listen = "127.0.0.1";
    std::uint16_t port = 0;        // 0: a free port
    std::string public_host;       // host in endpoint URLs; empty: `listen`
    std::optional<CaMaterial> ca;  // nullopt: a fresh CA for this service

    std::size_t max_body = 64 * 1024;                   // larger: 413
    std::size_t max_header = 16 * 1024;                 // larger: 431
    std::chrono::milliseconds request_timeout{10'000};  // TLS handshake, and each whole request
    std::chrono::milliseconds hold_limit{30'000};       // Reply::silence holds at most this long
    std::size_t max_connections = 64;                   // more: accepted and closed at once
    std::size_t max_requests_per_connection = 1000;
    std::size_t max_recorded = 10'000;  // oldest records dropped beyond these
    std::size_t max_recorded_bytes = 64 * 1024 * 1024;
};

// A subscription as the user agent holds it.
struct Subscription {
    std::string id;        // the random part of the URL
    std::string endpoint;  // https://127.0.0.1:PORT/push/<id>
    std::string p256dh;    // base64url of the 65-octet public point (for SETMETADATA)
    std::string auth;      // base64url of the 16-octet auth secret (for SETMETADATA)
    webpush::P256PrivateKey ua_private;
    std::string auth_secret;  // the 16 octets
};

struct RecordedRequest {
    std::uint64_t sequence = 0;   // 1, 2, ... in arrival order, over the whole service
    std::string subscription_id;  // empty when the URL named no subscription
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
    std::string body;  // empty when the body was over the limit (then body_over_limit)
    bool body_over_limit = false;
    std::chrono::system_clock::time_point received_at;
    Clock::time_point received;
    unsigned status = 0;  // what was answered; 0 when the endpoint hung up or stayed silent

    // The first header field named `name` (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
    std::size_t memory_size() const;  // roughly what this record holds, for the bound
};

struct ServiceStats {
    std::uint64_t connections = 0;          // accepted and served
    std::uint64_t refused_connections = 0;  // over max_connections
    std::uint64_t timed_out = 0;            // handshake or request not complete in time
    std::uint64_t bad_requests = 0;         // unparseable HTTP, TLS failures
    std::uint64_t dropped_records = 0;      // evicted by the recording bound
    std::size_t recorded = 0;
    std::size_t recorded_bytes = 0;
};

// What open() found in one push.
struct OpenedPush {
    enum class Aspect {
        content_encoding,  // Content-Encoding: aes128gcm (RFC 8291 §4)
        ttl,               // TTL header present, delta-seconds (RFC 8030 §5.2)
        vapid,             // Authorization: vapid, verified (RFC 8292)
        decryption,        // the body decrypts with the subscription's keys (RFC 8291)
        unknown_subscription,
    };
    struct Problem {
        Aspect aspect;
        std::string message;
    };
    std::vector<Problem> problems;  // empty: everything checked is right

    std::optional<std::string> plaintext;
    std::optional<webpush::EceHeader> ece;  // salt, rs, keyid (the sender's ephemeral point)
    std::optional<webpush::VapidClaims> vapid_claims;  // when the signature verified
    std::optional<webpush::P256PublicKey> vapid_key;   // k=, when it parsed
    std::optional<std::int64_t> ttl;

    bool ok() const { return problems.empty(); }
    bool has(Aspect aspect) const;
    // The messages of `aspect` ("" when none), or of every problem.
    std::string describe(Aspect aspect) const;
    std::string describe() const;
};

struct OpenOptions {
    std::optional<webpush::P256PublicKey> expected_vapid_key;  // e.g. the published key
    std::int64_t now = 0;  // seconds since the epoch for exp; 0: the system clock
    std::size_t max_plaintext = 64 * 1024;
};

std::string_view to_string(OpenedPush::Aspect aspect);

// Sans-I/O: judges `request` as a push to `subscription` whose origin (the VAPID audience) is
// `audience`. Every problem is reported, not only the first.
OpenedPush open_push(const RecordedRequest& request, const Subscription& subscription,
                     std::string_view audience, const OpenOptions& options = {});

// Generates a subscription's user-agent keys and secret (P256PrivateKey::generate and 16 random
// octets) for `endpoint`.
Result<Subscription> make_subscription(std::string id, std::string endpoint);

class PushService {
  public:
    static Result<std::unique_ptr<PushService>> start(boost::asio::any_io_executor executor,
                                                      PushServiceOptions options = {});
    ~PushService();
    PushService(const PushService&) = delete;
    PushService& operator=(const PushService&) = delete;

    std::uint16_t port() const;
    std::string origin() const;  // https://HOST:PORT, the VAPID audience
    const CaMaterial& ca() const;
    Result<void> write_ca_pem(const std::filesystem::path& file) const;

    // A new subscription with a unique URL; pushes to it are answered `reply`.
    Result<Subscription> subscribe(Reply reply = Reply::created());
    void set_reply(std::string_view subscription_id, Reply reply);
    // Forgets the subscription: its URL answers 404 from now on.
    void remove(std::string_view subscription_id);
    std::optional<Subscription> subscription(std::string_view id) const;

    // Every request still recorded, oldest first; or those for one subscription.
    std::vector<RecordedRequest> requests() const;
    std::vector<RecordedRequest> requests_for(std::string_view subscription_id) const;
    ServiceStats stats() const;

    // The next push to `subscription_id` that no earlier wait_for_push returned (each push is
    // handed out once, in arrival order), or nullopt when none arrives by `deadline`. Must be
    // awaited on the service's executor.
    boost::asio::awaitable<std::optional<RecordedRequest>> wait_for_push(
        std::string subscription_id, Clock::time_point deadline);

    // open_push with this service's subscription and origin.
    OpenedPush open(const RecordedRequest& request, const OpenOptions& options = {}) const;

    // Closes the acceptor and every connection (idempotent; the destructor calls it).
    void stop();

    struct State;

  private:
    explicit PushService(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace coitest::pushservice
