#pragma once
// The reference peer as a running server (DESIGN §7): IMAP (STARTTLS and implicit TLS), SMTP
// submission (STARTTLS and implicit TLS) and LMTP on loopback, all on one thread of its own, the
// sessions sans-I/O (imap_session.hpp, smtp_session.hpp) and this file only moving bytes.
//
//   auto server = peer::Server::start(options);   // ports bound when this returns
//   server->endpoints().imap ...                  // where to connect
//   server->accounts()                            // addresses and passwords
//   server->ca_file()                             // PEM to verify TLS against
//   // stopped (connections closed, thread joined) when the unique_ptr goes
//
//   server->recorder().pushes()                   // WebPush requests sent and their outcome
//
// `coitest serve` wraps it (harness/cli/serve_command.cpp); `coitest server` with no target can
// run the server suite against it in-process.
#include "model/error.hpp"
#include "net/endpoint.hpp"
#include "peer/deviation.hpp"
#include "peer/recorder.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coitest::peer {

class Store;

struct UserEntry {
    std::string address;
    std::string password;
};

// The WEBPUSH extension (webpush-spec.md; docs/reference-peer.md "WebPush").
struct WebPushServerOptions {
    bool enabled = true;  // never with `plain`
    // CA certificate(s), PEM, that push services' certificates must chain to; empty: the
    // system's default roots. (`coitest serve --push-ca FILE`.)
    std::filesystem::path push_ca;
    // The VAPID key, a P-256 private key in PEM; empty: generated at start and, with a data
    // directory, kept there (DIR/webpush/vapid.pem) so clients' subscriptions stay valid.
    std::filesystem::path vapid_key;
    std::string vapid_subject = "mailto:postmaster@coitest.invalid";  // the JWT's sub
    std::size_t max_subscriptions = 10;                               // per account
    std::chrono::milliseconds validation_timeframe = std::chrono::minutes(5);
    std::chrono::milliseconds push_timeout{10000};  // one push attempt, end to end
    std::size_t max_attempts = 4;                   // 429, 5xx, no answer
    std::chrono::milliseconds first_backoff{1000};  // without Retry-After
    std::chrono::seconds max_retry_wait{600};       // longer Retry-After: the push is dropped
    std::uint32_t ttl = 24 * 3600;                  // the TTL header (RFC 8030 §5.2)
};

struct ServerOptions {
    std::string listen = "127.0.0.1";
    // nullopt: the listener is off; 0: a free port is picked.
    std::optional<std::uint16_t> imap_port = 0;         // plain, STARTTLS offered
    std::optional<std::uint16_t> imaps_port = 0;        // implicit TLS
    std::optional<std::uint16_t> submission_port = 0;   // plain, STARTTLS offered
    std::optional<std::uint16_t> submissions_port = 0;  // implicit TLS
    std::optional<std::uint16_t> lmtp_port = 0;         // plain (loopback delivery)
    std::vector<UserEntry> users;  // empty: the built-in test users, random passwords
    bool plain = false;            // no COI, no METADATA (clients' fallback mode)
    Deviations deviations;
    std::filesystem::path tls_cert, tls_key;    // PEM; empty: generated at start
    std::filesystem::path data_dir;             // empty: in memory only
    std::function<void(std::string_view)> log;  // -v: every command (credentials redacted)
    WebPushServerOptions webpush;

    // Robustness limits.
    std::size_t max_connections = 1000;
    std::size_t max_line = 64 * 1024;
    std::size_t max_message = 64ull * 1024 * 1024;
    std::uint64_t quota_bytes = 256ull * 1024 * 1024;
    std::size_t commands_per_second = 10000;  // per connection; above it the peer slows down
    std::chrono::seconds login_timeout{60};
    std::chrono::seconds autologout{30 * 60};
    std::chrono::seconds smtp_timeout{300};
};

// The names and addresses `coitest serve` and the embedded target use.
std::vector<std::string> builtin_user_names();  // alice bob carol ... (@example.org)
Result<std::vector<UserEntry>> read_users_file(const std::filesystem::path& file);

struct Endpoints {
    std::optional<net::Endpoint> imap;         // imap+starttls:// (plain IMAP works there too)
    std::optional<net::Endpoint> imaps;        // imaps://
    std::optional<net::Endpoint> submission;   // smtp+starttls://
    std::optional<net::Endpoint> submissions;  // smtps://
    std::optional<net::Endpoint> lmtp;         // lmtp://
};

class Server {
  public:
    static Result<std::unique_ptr<Server>> start(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    const Endpoints& endpoints() const;
    const std::vector<UserEntry>& accounts() const;
    const std::filesystem::path& ca_file() const;  // PEM of the CA (empty with user TLS files)
    // The VAPID public key as GETMETADATA returns it (SPKI PEM); empty without WEBPUSH.
    const std::string& vapid_public_pem() const;
    const ServerOptions& options() const;
    Recorder& recorder();
    // {"imap": "imap+starttls://...", ..., "ca_file": ..., "accounts": [{address, password}]}
    std::string endpoints_json() const;

    // Runs `f` on the server's thread with the store and waits for it (tests, inspection).
    void with_store(const std::function<void(Store&)>& f);

    // Stops accepting, closes every connection, joins the thread (the destructor does too).
    void stop();

  private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace coitest::peer
