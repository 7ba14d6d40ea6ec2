#pragma once
// One push as data (what the store decided to send) and as an HTTP request (RFC 8030 §5,
// encrypted per RFC 8291, signed per RFC 8292), plus how the peer reacts to the push service's
// answer (webpush-spec.md "Push Service Response Codes"). Sans-I/O: push_sender.cpp moves the
// bytes.
#include "model/error.hpp"
#include "peer/deviation.hpp"
#include "peer/webpush_rules.hpp"
#include "webpush/p256.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::peer::push {

// What the store hands to the sender.
struct PushJob {
    std::string account;          // the address the subscription belongs to
    std::string subscription_id;  // its ID
    std::string endpoint;         // resource.endpoint
    std::string p256dh;           // the user agent's public point, 65 octets
    std::string auth;             // its auth secret, 16 octets
    std::string payload;          // the JSON plaintext
    bool validation = false;      // the validation push (WebPush-Validation header)
};

// The keys the peer signs with. `foreign` is used only under the webpush-foreign-vapid-key
// deviation: a key nobody published.
struct VapidKeys {
    coitest::webpush::P256PrivateKey published;
    std::optional<coitest::webpush::P256PrivateKey> foreign;
};

struct RequestSettings {
    std::string subject = "mailto:postmaster@coitest.invalid";  // VAPID sub (RFC 8292 §2.1)
    std::chrono::seconds jwt_lifetime{12 * 3600};               // exp = now + this (at most 24 h)
    std::uint32_t ttl = 24 * 3600;                              // RFC 8030 §5.2
    std::int64_t now = 0;                                       // seconds since the epoch
};

struct PushRequest {
    HttpsUrl url;
    std::vector<std::pair<std::string, std::string>> headers;  // besides Host and Content-Length
    std::string body;
};

// Encrypts (a fresh ephemeral key and salt each time) and signs `job`. Deviations:
// webpush-unencrypted sends the JSON as it is; webpush-foreign-vapid-key signs with keys.foreign.
Result<PushRequest> build_push_request(const PushJob& job, const VapidKeys& keys,
                                       const RequestSettings& settings,
                                       const Deviations& deviations);

// What to do after the push service answered `status` (0: no answer at all).
struct ResponseAction {
    enum class Kind {
        delivered,  // 2xx
        retry,      // 429, 5xx, no answer: again after `wait` (if attempts remain)
        gone,       // 404, 410: delete the subscription
        failed,     // any other answer: give up on this push
    };
    Kind kind = Kind::failed;
    std::optional<std::chrono::seconds> retry_after;  // from the Retry-After header
};
// `retry_after` is the header's value (empty when absent): delta-seconds or an HTTP-date
// (RFC 9110 §10.2.3), judged against `now_seconds`.
ResponseAction classify_response(unsigned status, std::string_view retry_after,
                                 std::int64_t now_seconds);
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::int64_t now_seconds);

}  // namespace coitest::peer::push
