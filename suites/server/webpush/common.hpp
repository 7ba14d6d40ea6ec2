#pragma once
// Profile `webpush` (coi/webpush-spec.md): what the WebPush server tests share. A test logs in,
// starts coitest's push endpoint on its own executor (pushservice/), subscribes with the keys
// the endpoint made, and judges what the server answers and what arrives at the endpoint.
// Requirement IDs: suites/requirements/webpush.toml.
#include "imap/session.hpp"
#include "pushservice/push_service.hpp"
#include "runner/context.hpp"
#include "runner/registry.hpp"
#include "suites/server/common/sessions.hpp"
#include "webpush/p256.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::suites::webpush_suite {

inline constexpr std::string_view kPrefix = "/private/vendor/vendor.dovecot/webpush";
inline constexpr std::string_view kVapidEntry = "/private/vendor/vendor.dovecot/webpush/vapid";
inline constexpr std::string_view kSubscriptions =
    "/private/vendor/vendor.dovecot/webpush/subscriptions";

// How long a push may take to arrive after what caused it (the validation push after
// SETMETADATA, a message push after delivery). The reference peer needs milliseconds; a server
// that batches or retries after a first failure needs seconds.
inline constexpr auto kPushWindow = std::chrono::seconds(15);
// How long to keep listening for a push that must NOT come, once the pushes that must come have
// arrived (or the messages were delivered).
inline constexpr auto kQuietWindow = std::chrono::seconds(3);

std::string subscription_entry(std::string_view id);
// A fresh registration ID: 20 characters of [0-9A-Za-z_-] (the spec allows 10 to 36).
std::string new_registration_id();

// What one test holds beyond the context: the push endpoint (started on demand) and the
// subscriptions it created, which are removed (SETMETADATA NIL, on a fresh connection per
// account) when the test ends, however it ends.
class WebPushRun {
  public:
    explicit WebPushRun(TestContext& ctx) : ctx_(ctx) {}

    // The endpoint, started on the test's executor with the CA the target names ([webpush]).
    // `need_trust`: the test needs pushes to arrive, so without a [webpush] section it is not
    // applicable (the server under test could not trust a CA it was never given).
    pushservice::PushService& endpoint(const boost::asio::any_io_executor& executor,
                                       bool need_trust);
    bool endpoint_trusted() const { return trusted_; }

    void created(std::size_t account, std::string id) {
        created_.push_back({account, std::move(id)});
    }
    void removed(std::size_t account, std::string_view id);
    boost::asio::awaitable<void> cleanup();

  private:
    struct Created {
        std::size_t account;
        std::string id;
    };
    TestContext& ctx_;
    std::unique_ptr<pushservice::PushService> service_;
    bool trusted_ = false;
    std::vector<Created> created_;
};

using WebPushBody = std::function<boost::asio::awaitable<void>(TestContext&, WebPushRun&)>;

// A test of profile `webpush-server` (test ID "webpush.<id>"); the run's cleanup always follows
// `body`.
TestCase webpush_test(std::string id, std::string title, std::string classname,
                      std::vector<std::string> requirements, std::vector<std::string> tags,
                      WebPushBody body, int accounts = 1);

// Logs in as `account`; a server without WEBPUSH after login makes the test not applicable.
boost::asio::awaitable<imap::Session> login_webpush(TestContext& ctx, std::string name,
                                                    std::size_t account);

// The subscription JSON a client stores: msgtype, resource.endpoint and keys from `sub`, plus
// `extra` members (for the unknown-key test).
std::string subscription_json(const pushservice::Subscription& sub, std::string_view msgtype,
                              const nlohmann::json& extra = nlohmann::json::object());

// SETMETADATA "" (entry value|NIL); the result is judged by the caller.
boost::asio::awaitable<imap::CommandResult> set_entry(TestContext& ctx, imap::Session& s,
                                                      const std::string& entry,
                                                      const std::optional<std::string>& value);
// GETMETADATA "" entry: its value, nullopt when NIL or absent. A refusal (NO/BAD) is nullopt
// with `status` saying so.
struct Entry {
    std::optional<std::string> value;
    std::string status;  // "OK", "NO [...]"
};
boost::asio::awaitable<Entry> get_entry(TestContext& ctx, imap::Session& s,
                                        const std::string& entry);
// GETMETADATA (DEPTH 1) "" subscriptions: registration ID -> stored JSON text.
struct Listing {
    bool ok = false;
    std::string status;
    std::vector<std::pair<std::string, std::string>> subscriptions;
    const std::string* find(std::string_view id) const;
};
boost::asio::awaitable<Listing> list_subscriptions(TestContext& ctx, imap::Session& s);

// The VAPID value as published, judged as the spec's PEM form (sans-I/O).
struct VapidValue {
    std::optional<webpush::P256PublicKey> key;
    std::string form;     // "PEM", "base64 of a PEM document", ...
    std::string problem;  // why it is not a P-256 public key in PEM form ("" when it is)
};
VapidValue parse_vapid_value(std::string_view value);
boost::asio::awaitable<std::optional<webpush::P256PublicKey>> published_vapid_key(TestContext& ctx,
                                                                                  imap::Session& s);

// Subscribes (msgtype) at `endpoint`, waits for the validation push and validates with its
// value. Anything short of a validated subscription makes the test not applicable, naming the
// test that judges the failing step.
struct Validated {
    pushservice::Subscription sub;
    std::string id;  // the registration ID
};
boost::asio::awaitable<Validated> subscribe_validated(TestContext& ctx, WebPushRun& run,
                                                      imap::Session& s, std::size_t account,
                                                      std::string msgtype);

// A message from account `from` to `to` with a unique Message-ID (no angle brackets in
// TestMessage::message_id); `chat` adds Chat-Version (COI: the server marks it $Chat).
TestMessage webpush_message(TestContext& ctx, std::size_t from, std::size_t to, bool chat,
                            std::string subject = "coitest push", std::string from_name = {});
// A read receipt (RFC 8098 multipart/report; report-type=disposition-notification).
TestMessage mdn_message(TestContext& ctx, std::size_t from, std::size_t to);

// Waits for the next push to `sub_id` (up to kPushWindow, capped by the test's deadline).
boost::asio::awaitable<std::optional<pushservice::RecordedRequest>> next_push(
    TestContext& ctx, pushservice::PushService& svc, const std::string& sub_id,
    std::chrono::steady_clock::duration window = kPushWindow);

// The JSON payload of a push: the decrypted plaintext or, when the body does not decrypt, the
// body itself if it is JSON (a server that forgot to encrypt still has its payload judged on
// its own; webpush.encryption.rfc8291 judges the encryption). nullopt: problem says why.
std::optional<nlohmann::json> payload_of(const pushservice::RecordedRequest& request,
                                         const pushservice::OpenedPush& opened,
                                         std::string& problem);

// Judges how a push was encrypted (webpush.encryption.rfc8291), signed (webpush.vapid.signed)
// and labelled (webpush.request.ttl); the test must declare the three.
void judge_transport(TestContext& ctx, const pushservice::OpenedPush& opened,
                     bool published_key_known, const std::string& where);

// A short, printable rendering of a server value for expected/seen texts.
std::string shown(std::string_view text, std::size_t max = 160);

// Registration (register.cpp).
void register_webpush_capability(Registry& r);
void register_webpush_subscribe(Registry& r);
void register_webpush_validation(Registry& r);
void register_webpush_push(Registry& r);
void register_webpush_responses(Registry& r);

}  // namespace coitest::suites::webpush_suite
