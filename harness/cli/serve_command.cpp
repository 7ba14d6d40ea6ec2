// `coitest serve` (DESIGN §11): the reference peer on loopback until stopped.
#include "cli/serve_command.hpp"

#include "peer/deviation.hpp"
#include "peer/server.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coitest::cli {

namespace {

struct ServeFlags {
    std::string listen = "127.0.0.1";
    int imap_port = 0, imaps_port = 0, smtp_port = 0, smtps_port = 0, lmtp_port = 0;
    std::string users_file;
    bool plain = false;
    std::vector<std::string> deviations;
    bool list_deviations = false;
    std::string tls_cert, tls_key;
    std::string data_dir;
    std::string print_endpoints = "text";
    bool verbose = false;
    std::size_t max_connections = 1000;
    // WEBPUSH
    std::string push_ca, vapid_key;
    std::size_t push_subscription_limit = 10;
    double push_validation_time = 300;
    double push_timeout = 10;
    bool no_webpush = false;
};

std::optional<std::uint16_t> port(int p) {
    if (p < 0) return std::nullopt;
    return static_cast<std::uint16_t>(p);
}

int list_deviations() {
    std::cout << "Deviations (coitest serve --deviate NAME); each breaks one requirement of "
                 "suites/requirements/coi-server.toml or webpush.toml:\n\n";
    for (const auto& d : peer::all_deviations())
        std::cout << fmt::format("  {:<32} breaks {}\n  {:<32} {}\n\n", d.name, d.requirement, "",
                                 d.effect);
    return 0;
}

void print_text(const peer::Server& server, double ms) {
    const auto& e = server.endpoints();
    std::cout << fmt::format("coitest serve: ready in {:.1f} ms\n", ms);
    auto line = [](std::string_view what, const std::optional<net::Endpoint>& ep,
                   std::string_view note = {}) {
        if (ep) std::cout << fmt::format("  {:<12} {}{}\n", what, ep->url(), note);
    };
    line("IMAP", e.imap, " (plain IMAP works there too)");
    line("IMAPS", e.imaps);
    line("Submission", e.submission);
    line("Submissions", e.submissions);
    line("LMTP", e.lmtp);
    if (!server.ca_file().empty())
        std::cout << fmt::format("  {:<12} {}\n", "CA file", server.ca_file().string());
    if (!server.vapid_public_pem().empty())
        std::cout << fmt::format("  {:<12} WEBPUSH on; VAPID public key:\n{}\n", "WebPush",
                                 server.vapid_public_pem());
    std::cout << "  Accounts (address password):\n";
    for (const auto& u : server.accounts())
        std::cout << fmt::format("    {} {}\n", u.address, u.password);
    std::cout << "Stop with Ctrl-C." << std::endl;
}

int run(const ServeFlags& f) {
    if (f.list_deviations) return list_deviations();
    peer::ServerOptions o;
    o.listen = f.listen;
    o.imap_port = port(f.imap_port);
    o.imaps_port = port(f.imaps_port);
    o.submission_port = port(f.smtp_port);
    o.submissions_port = port(f.smtps_port);
    o.lmtp_port = port(f.lmtp_port);
    o.plain = f.plain;
    o.tls_cert = f.tls_cert;
    o.tls_key = f.tls_key;
    o.data_dir = f.data_dir;
    o.max_connections = f.max_connections;
    o.webpush.enabled = !f.no_webpush;
    o.webpush.push_ca = f.push_ca;
    o.webpush.vapid_key = f.vapid_key;
    o.webpush.max_subscriptions = f.push_subscription_limit;
    o.webpush.validation_timeframe =
        std::chrono::milliseconds(static_cast<std::int64_t>(f.push_validation_time * 1000));
    o.webpush.push_timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(f.push_timeout * 1000));
    for (const auto& name : f.deviations) {
        const auto d = peer::deviation_from_name(name);
        if (!d) {
            std::cerr << fmt::format(
                "coitest: error: --deviate {}: no such deviation (see coitest serve "
                "--list-deviations)\n",
                name);
            return 2;
        }
        o.deviations.add(*d);
    }
    if (f.plain && o.deviations.any()) {
        std::cerr << "coitest: error: --plain has no COI to deviate from; drop --deviate\n";
        return 2;
    }
    if (!f.users_file.empty()) {
        auto users = peer::read_users_file(f.users_file);
        if (!users) {
            std::cerr << "coitest: error: " << users.error().message << "\n";
            return 2;
        }
        o.users = std::move(*users);
    }
    if (f.verbose)
        o.log = [](std::string_view line) { std::cerr << "coitest serve: " << line << "\n"; };

    // The server thread inherits this mask, so the signals reach sigwait() below only.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const auto started = std::chrono::steady_clock::now();
    auto server = peer::Server::start(std::move(o));
    if (!server) {
        std::cerr << "coitest: error: " << server.error().message << "\n";
        return server.error().kind == ErrorKind::usage ? 2 : 3;
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    if (f.print_endpoints == "json")
        std::cout << (*server)->endpoints_json() << std::endl;
    else
        print_text(**server, ms);

    int sig = 0;
    sigwait(&signals, &sig);
    (*server)->stop();
    if (f.print_endpoints != "json") std::cout << "coitest serve: stopped" << std::endl;
    return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<ServeFlags>();
    auto* cmd = app.add_subcommand(
        "serve",
        "Run coitest's own COI server (IMAP, SMTP submission, LMTP) on loopback until stopped");
    cmd->add_option("--listen", flags->listen, "Address to listen on")->capture_default_str();
    const auto ports = CLI::Range(-1, 65535);
    cmd->add_option("--imap-port", flags->imap_port, "IMAP (STARTTLS offered); 0 picks, -1 off")
        ->check(ports);
    cmd->add_option("--imaps-port", flags->imaps_port, "IMAP over implicit TLS; 0 picks, -1 off")
        ->check(ports);
    cmd->add_option("--smtp-port", flags->smtp_port,
                    "SMTP submission (STARTTLS offered); 0 picks, -1 off")
        ->check(ports);
    cmd->add_option("--smtps-port", flags->smtps_port,
                    "SMTP submission over implicit TLS; 0 picks, -1 off")
        ->check(ports);
    cmd->add_option("--lmtp-port", flags->lmtp_port, "LMTP delivery; 0 picks, -1 off")
        ->check(ports);
    cmd->add_option("--users", flags->users_file,
                    "File of address:password lines (default: built-in test users alice..judy"
                    "@example.org with random passwords)");
    cmd->add_flag("--plain", flags->plain,
                  "Present a plain IMAP server: no COI, no METADATA (clients' fallback mode)");
    cmd->add_option("--deviate", flags->deviations,
                    "Break one COI requirement on purpose (see --list-deviations)");
    cmd->add_flag("--list-deviations", flags->list_deviations,
                  "List the deviations and the requirement each breaks, then exit");
    cmd->add_option("--tls-cert", flags->tls_cert, "Server certificate chain (PEM)");
    cmd->add_option("--tls-key", flags->tls_key, "Server private key (PEM)");
    cmd->add_option("--data", flags->data_dir,
                    "Keep mail in this folder, crash-safely (default: memory only)");
    cmd->add_option("--print-endpoints", flags->print_endpoints,
                    "How to print endpoints and accounts once ready: text or json (one line)")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--max-connections", flags->max_connections, "Concurrent connections")
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--push-ca", flags->push_ca,
                    "CA certificate(s), PEM, that WebPush services must chain to (default: the "
                    "system's roots)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--vapid-key", flags->vapid_key,
                    "VAPID private key, P-256 PEM (default: generated; kept under --data)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--push-subscription-limit", flags->push_subscription_limit,
                    "WebPush subscriptions per account")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->add_option("--push-validation-time", flags->push_validation_time,
                    "Seconds a new WebPush subscription has to be validated")
        ->capture_default_str()
        ->check(CLI::Range(0.05, 86400.0));
    cmd->add_option("--push-timeout", flags->push_timeout,
                    "Seconds one push request may take (connect, TLS, send, answer)")
        ->capture_default_str()
        ->check(CLI::Range(0.05, 3600.0));
    cmd->add_flag("--no-webpush", flags->no_webpush, "Leave the WEBPUSH extension out");
    cmd->add_flag("-v,--verbose", flags->verbose,
                  "Log every command to stderr (credentials redacted)");
    cmd->callback([flags, &exit_code] { exit_code = run(*flags); });
}

}  // namespace coitest::cli
