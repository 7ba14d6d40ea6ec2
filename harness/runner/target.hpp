#pragma once
// The implementation under test: endpoints, accounts, TLS settings (docs/target.md).
#include "model/error.hpp"
#include "net/endpoint.hpp"
#include "net/tls.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace coitest {

struct Account {
    std::string address;
    std::string login;
    std::string password;  // never printed, logged or written to a report
};

enum class DeliveryKind { lmtp, smtp, imap_append };

struct Delivery {
    DeliveryKind kind = DeliveryKind::imap_append;
    std::optional<net::Endpoint> endpoint;  // empty for imap_append
};

// [webpush] (docs/target.md): where coitest's push endpoint listens for a server under test's
// pushes, and the CA (certificate and key, PEM files) it presents certificates from. The server
// under test is configured once to trust that CA; coitest reuses it run after run.
struct WebPushEndpoint {
    std::filesystem::path ca_cert_file;
    std::filesystem::path ca_key_file;
    std::string listen = "127.0.0.1";  // address the endpoint binds
    std::string host;                  // host in endpoint URLs; empty: `listen`
};

struct Target {
    std::string name;
    std::vector<std::string> profiles;
    std::optional<net::Endpoint> imap;
    std::optional<net::Endpoint> smtp;
    Delivery delivery;
    net::TlsOptions tls;
    std::vector<Account> accounts;
    std::optional<WebPushEndpoint> webpush;  // absent: tests that need pushes are not applicable

    // "imap+starttls://127.0.0.1:14143, deliver lmtp://…" — no secrets.
    std::string describe() const;
    bool claims(std::string_view profile) const;
};

// Flags given on the command line; each overrides the target file.
struct TargetFlags {
    std::string imap, smtp, deliver;    // URLs
    std::vector<std::string> accounts;  // ADDR:PASSWORD_FILE or ADDR:env:VAR
    std::vector<std::string> profiles;
    std::string ca_file;
    bool insecure = false;
};

// Reads the file (if any), applies flags, resolves passwords. Every problem is one sentence
// naming the file, line or flag at fault.
Result<Target> load_target(const std::optional<std::filesystem::path>& file,
                           const TargetFlags& flags);
Result<Target> parse_target(std::string_view toml_text, const std::filesystem::path& source);

}  // namespace coitest
