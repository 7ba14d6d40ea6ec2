#include "runner/preflight.hpp"

#include "net/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>

namespace coitest {

Result<void> preflight(const Target& target, std::shared_ptr<boost::asio::ssl::context> tls,
                       std::chrono::milliseconds connect_timeout) {
    if (!target.imap) return make_error(ErrorKind::config, "the target has no IMAP endpoint");
    boost::asio::io_context io;
    Result<void> outcome = make_error(ErrorKind::internal, "preflight did not run");
    net::Transcript transcript;
    net::ConnectOptions options;
    options.name = "preflight";
    options.connect_timeout = connect_timeout;
    options.step_timeout = connect_timeout;
    options.tls = std::move(tls);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            auto conn = co_await net::Connection::connect(*target.imap, options, transcript);
            if (!conn) {
                outcome = conn.error();
                co_return;
            }
            // A greeting proves a live server, not just a listening port.
            auto greeting = co_await (*conn)->read_some();
            if (!greeting) {
                outcome = greeting.error();
                co_return;
            }
            outcome = Result<void>{};
        },
        [&](std::exception_ptr) { signals.cancel(); });
    // Ctrl-C while the target is slow to answer ends the preflight at once; the caller still
    // writes its (interrupted) reports.
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        outcome = make_error(ErrorKind::interrupted, "interrupted before the first test ran");
        io.stop();
    });
    io.run();
    return outcome;
}

}  // namespace coitest
