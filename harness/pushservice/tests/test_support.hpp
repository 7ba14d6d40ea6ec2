#pragma once
// Shared by the push-service tests: an io_context on its own thread for the service, a way to
// run a coroutine there and wait for it, and a correct push to vary.
#include "pushservice/https_client.hpp"
#include "pushservice/push_service.hpp"
#include "webpush/base64url.hpp"
#include "webpush/push_message.hpp"
#include "webpush/vapid.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <memory>
#include <thread>

namespace coitest::pushservice::testing {

template <class T>
T ok(Result<T> r) {
    if (!r) throw std::runtime_error("unexpected error: " + r.error().message);
    return std::move(*r);
}
inline void ok(Result<void> r) {
    if (!r) throw std::runtime_error("unexpected error: " + r.error().message);
}

inline std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A push as a correct WebPush server sends it: aes128gcm to the subscription's keys, TTL, and
// a VAPID Authorization for `audience` signed with `vapid`.
inline HttpsRequest good_push(const Subscription& sub, const webpush::P256PrivateKey& vapid,
                              const std::string& audience, const std::string& plaintext) {
    webpush::Subscriber to{
        ok(webpush::P256PublicKey::from_point(ok(webpush::base64url_decode(sub.p256dh)))),
        ok(webpush::base64url_decode(sub.auth))};
    HttpsRequest r;
    r.url = sub.endpoint;
    r.body = ok(webpush::encrypt_push(to, plaintext));
    webpush::VapidClaims claims{audience, now_seconds() + 3600, "mailto:test@coitest.invalid"};
    r.headers = {{"TTL", "60"},
                 {"Content-Encoding", "aes128gcm"},
                 {"Content-Type", "application/octet-stream"},
                 {"Authorization", ok(webpush::vapid_authorization(vapid, claims))}};
    return r;
}

class ServiceTest : public ::testing::Test {
  protected:
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    std::unique_ptr<PushService> service;

    void TearDown() override {
        service.reset();  // before the io_context stops: its connections close on that thread
        work.reset();
        io.stop();
        thread.join();
    }

    void start(PushServiceOptions options = {}) {
        service = ok(PushService::start(io.get_executor(), std::move(options)));
    }

    // Runs `a` on the service's thread and waits for its result.
    template <class T>
    T run(boost::asio::awaitable<T> a) {
        return boost::asio::co_spawn(io, std::move(a), boost::asio::use_future).get();
    }

    std::shared_ptr<boost::asio::ssl::context> trusting_client() {
        return ok(client_tls_trusting(service->ca().cert_pem));
    }

    Result<HttpsResponse> post(const HttpsRequest& request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto tls = trusting_client();
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        return run(post_coro(request, tls, deadline));
    }

  private:
    static boost::asio::awaitable<Result<HttpsResponse>> post_coro(
        HttpsRequest request, std::shared_ptr<boost::asio::ssl::context> tls,
        std::chrono::steady_clock::time_point deadline) {
        auto r = co_await https_request(request, tls, deadline);
        co_return r;
    }
};

}  // namespace coitest::pushservice::testing
