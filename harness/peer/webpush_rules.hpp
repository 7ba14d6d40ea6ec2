#pragma once
// WebPush server rules (specs/coi/webpush-spec.md), sans-I/O: the METADATA paths, what makes a
// subscription ID and a subscription JSON acceptable, how a subscription is stored and listed,
// which messages a msgtype asks for, and what counts as a disposition notification. The store
// (store_webpush.cpp) applies these; deviations (deviation.hpp) bend single rules there.
#include "model/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coitest::peer::push {

// webpush-spec.md "VAPID Key" and "Subscriptions" (the vendor prefix of the draft).
inline constexpr std::string_view kPrefix = "/private/vendor/vendor.dovecot/webpush";
inline constexpr std::string_view kVapidEntry = "/private/vendor/vendor.dovecot/webpush/vapid";
inline constexpr std::string_view kSubscriptionsEntry =
    "/private/vendor/vendor.dovecot/webpush/subscriptions";
inline constexpr std::string_view kCapability = "WEBPUSH";

// "Subscribe": which messages a subscription asks to be told about.
enum class MsgType { chat, mail, all };
std::string_view to_string(MsgType t);
// Exact, case-sensitive match of the three values (the RECOMMENDED reading).
std::optional<MsgType> msgtype_from(std::string_view text);
// chat: only messages carrying $Chat; mail: only the others; all: both.
bool wants(MsgType t, bool chat_message);

// What a METADATA entry under kPrefix names.
struct WebPushEntry {
    enum class Kind {
        vapid,          // .../webpush/vapid (read-only)
        subscriptions,  // .../webpush/subscriptions (the parent, for listing)
        subscription,   // .../webpush/subscriptions/<ID>
        validate,       // .../webpush/subscriptions/<ID>/validate
        other,          // anything else under the prefix
    };
    Kind kind = Kind::other;
    std::string id;  // subscription and validate
};
// nullopt: the entry is not under the WebPush prefix at all.
std::optional<WebPushEntry> classify_entry(std::string_view entry);
std::string subscription_entry(std::string_view id);

// "Subscribe": 10 to 36 characters of [0-9A-Za-z_-]. The error says which rule is broken.
Result<void> check_subscription_id(std::string_view id);

struct SubscriptionLimits {
    std::size_t max_name = 128;      // client, device (octets)
    std::size_t max_endpoint = 512;  // resource.endpoint (octets)
    std::size_t max_p256dh = 256;    // resource.keys.p256dh, as written (octets)
    std::size_t max_depth = 8;       // JSON nesting (unknown members may nest; they are dropped)
};

// One subscription as the peer stores it. Only the members the spec defines survive.
struct Subscription {
    std::optional<std::string> client;
    std::optional<std::string> device;
    MsgType msgtype = MsgType::all;
    std::string endpoint;
    std::string p256dh;                  // as the client wrote it (base64url)
    std::string auth;                    // as the client wrote it (base64url)
    std::optional<std::string> created;  // RFC 3339, added by the server
    bool validated = false;

    std::string p256dh_point() const;  // the decoded 65-octet point (empty if undecodable)
    std::string auth_secret() const;   // the decoded 16 octets (empty if undecodable)
};

// Judges a client's SETMETADATA value against the spec's rules: a JSON object; client and
// device strings of at most 128 octets; msgtype chat|mail|all; resource.endpoint an https URL of
// at most 512 octets; resource.keys.p256dh a P-256 public point (base64url, uncompressed, at
// most 256 octets written); resource.keys.auth 16 octets (base64url). Unknown members are
// ignored (and so never stored); `created` and `validated` from a client are ignored too. The
// error names the first broken rule in words a client developer understands.
Result<Subscription> parse_subscription_request(std::string_view json,
                                                const SubscriptionLimits& limits = {});
// Reads back what the store holds (written by to_json); lenient, for the peer's own data.
Result<Subscription> parse_stored_subscription(std::string_view json);
// The stored (and listed) form: created, validated, client, device, msgtype, resource — in the
// order of the spec's listing example. `created` is left out when the subscription has none.
std::string to_json(const Subscription& s);

// An https URL split the way a push request needs it. origin is "https://host[:port]" (the
// port only when not 443; IPv6 hosts in brackets): the VAPID aud claim (RFC 8292 §2).
struct HttpsUrl {
    std::string host;  // without brackets
    std::uint16_t port = 443;
    std::string target;  // path and query, "/" at least
    std::string origin;
};
Result<HttpsUrl> parse_https_url(std::string_view url);

// "Push Notification Payload": a message disposition notification (RFC 8098) is a top-level
// multipart/report with report-type=disposition-notification (names compared case-insensitively).
bool is_disposition_notification(std::string_view message);

// RFC 3339 UTC timestamp with seconds, e.g. 2019-10-16T16:14:17Z.
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace coitest::peer::push
