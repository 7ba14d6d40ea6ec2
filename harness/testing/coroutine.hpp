#pragma once
// Test support: run a test body coroutine to completion on an io_context, and assertion macros
// usable inside coroutines. Shared by the net, imap, smtp and suite tests.
//
// g++ 12: never put co_await inside a gtest macro (its temporaries are destroyed twice); await
// into a local first, then assert on the local.
#include "net/endpoint.hpp"

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>

// ASSERT_* cannot leave a coroutine (it expands to `return`): these record the failure and
// co_return.
#define CO_ASSERT_TRUE(cond)                 \
    if (!(cond)) {                           \
        ADD_FAILURE() << "not true: " #cond; \
        co_return;                           \
    }
#define CO_ASSERT_EQ(a, b) \
    if (!((a) == (b))) {   \
        EXPECT_EQ(a, b);   \
        co_return;         \
    }

namespace coitest::testing {

// Runs `body()` (returning awaitable<void>) on `io` for at most `limit`. When the body finishes,
// `finished` runs; by default it stops `io`, because fake peers' acceptors would keep it busy.
// A body that does not finish in time is a test failure.
template <class F>
void run_coroutine(boost::asio::io_context& io, F body, std::function<void()> finished = {},
                   std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    bool done = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            co_await body();
            done = true;
            if (finished)
                finished();
            else
                io.stop();
        },
        boost::asio::detached);
    io.run_for(limit);
    EXPECT_TRUE(done) << "test coroutine did not finish";
}

// A loopback endpoint on `port`.
inline net::Endpoint loopback(std::uint16_t port, net::Protocol protocol = net::Protocol::imap,
                              net::Security security = net::Security::plain) {
    return net::Endpoint{protocol, security, "127.0.0.1", port};
}

}  // namespace coitest::testing
