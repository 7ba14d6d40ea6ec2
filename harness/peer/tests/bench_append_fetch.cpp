// APPEND + UID FETCH round trips per second against any IMAP server, with coitest's own client:
//
//   peer_bench_append_fetch URL USER PASSWORD_FILE CA_FILE [N]
//
// e.g. against `coitest serve` and against the private Dovecot (scripts/dovecot-start), for the
// reference peer's notes. One connection, strictly sequential: each APPEND waits for its OK and
// each FETCH for its data, so the figure is latency-bound, as a chat client's work is.
#include "imap/session.hpp"
#include "net/tls.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

namespace asio = boost::asio;
using namespace coitest;

int main(int argc, char** argv) {
    if (argc < 5) {
        std::cerr << "usage: peer_bench_append_fetch URL USER PASSWORD_FILE CA_FILE [N]\n";
        return 2;
    }
    auto endpoint = net::parse_endpoint(argv[1]);
    if (!endpoint) {
        std::cerr << endpoint.error().message << "\n";
        return 2;
    }
    const std::string user = argv[2];
    std::string password;
    std::getline(std::ifstream(argv[3]), password);
    const std::string ca = argv[4];
    const int n = argc > 5 ? std::stoi(argv[5]) : 500;
    const std::string message =
        "From: <bench@example.org>\r\nTo: <bench@example.org>\r\nSubject: bench\r\n"
        "Message-ID: <bench@example.org>\r\n\r\n" +
        std::string(1000, 'x') + "\r\n";

    asio::io_context io;
    int rc = 1;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            net::Transcript transcript(64 * 1024);
            imap::SessionOptions o;
            o.connect.tls = *net::make_client_tls_context({ca, false});
            auto c = co_await imap::Session::connect(*endpoint, o, transcript);
            if (!c) {
                std::cerr << c.error().message << "\n";
                co_return;
            }
            imap::Session s = std::move(*c);
            auto l = co_await s.login(user, password);
            if (!l || !l->ok()) {
                std::cerr << "login failed\n";
                co_return;
            }
            auto sel = co_await s.select("INBOX");
            if (!sel) co_return;
            const auto start = std::chrono::steady_clock::now();
            for (int i = 0; i < n; ++i) {
                auto a = co_await s.append("INBOX", message);
                if (!a || !a->result.ok() || !a->value) {
                    std::cerr << "APPEND failed (or no APPENDUID)\n";
                    co_return;
                }
                const std::string uid = std::to_string(a->value->uids.ranges[0].first);
                auto f = co_await s.fetch(uid, "(BODY.PEEK[])", true);
                if (!f || f->value.empty()) {
                    std::cerr << "FETCH failed\n";
                    co_return;
                }
            }
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::cout << fmt::format("{} APPEND+UID FETCH round trips in {:.3f} s: {:.0f}/s\n", n,
                                     secs, n / secs);
            // Leave the mailbox as it was.
            auto st = co_await s.command("STORE 1:* +FLAGS.SILENT (\\Deleted)");
            auto ex = co_await s.command("EXPUNGE");
            (void)st;
            (void)ex;
            rc = 0;
        },
        asio::detached);
    io.run();
    return rc;
}
