// The endpoint over real HTTPS: a Beast client posts good and bad pushes; every configured
// answer, every limit, and the hostile clients (oversize, slowloris, connection flood).
#include "test_support.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <malloc.h>

namespace coitest::pushservice {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using testing::good_push;
using ::testing::HasSubstr;
using testing::ok;
using testing::ServiceTest;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

class PushServiceTest : public ServiceTest {
  protected:
    webpush::P256PrivateKey vapid = ok(webpush::P256PrivateKey::generate());
};

TEST_F(PushServiceTest, AGoodPushIsRecordedAnswered201AndOpens) {
    start();
    const auto sub = ok(service->subscribe());
    EXPECT_EQ(sub.endpoint, fmt::format("https://127.0.0.1:{}/push/{}", service->port(), sub.id));
    EXPECT_EQ(ok(webpush::base64url_decode(sub.p256dh)).size(), 65u);
    EXPECT_EQ(ok(webpush::base64url_decode(sub.auth)).size(), 16u);
    EXPECT_NE(ok(service->subscribe()).endpoint, sub.endpoint);  // unique per subscription

    const std::string payload = R"({"uid":7,"folder":"INBOX"})";
    const auto request = good_push(sub, vapid, service->origin(), payload);
    auto res = post(request);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 201u);
    EXPECT_THAT(res->header("Location").value_or(""), HasSubstr("/message/"));

    auto push = run(service->wait_for_push(sub.id, std::chrono::steady_clock::now() + 5s));
    ASSERT_TRUE(push);
    EXPECT_EQ(push->method, "POST");
    EXPECT_EQ(push->target, "/push/" + sub.id);
    EXPECT_EQ(push->body, request.body);
    EXPECT_EQ(push->status, 201u);
    EXPECT_EQ(push->header("ttl"), "60");

    webpush::P256PublicKey published = vapid.public_key();
    OpenOptions expect;
    expect.expected_vapid_key = published;
    const auto opened = service->open(*push, expect);
    EXPECT_TRUE(opened.ok()) << opened.describe();
    EXPECT_EQ(opened.plaintext, payload);
    ASSERT_TRUE(opened.vapid_claims);
    EXPECT_EQ(opened.vapid_claims->aud, service->origin());
    EXPECT_EQ(opened.ttl, 60);
    ASSERT_TRUE(opened.ece);
    EXPECT_EQ(opened.ece->keyid.size(), 65u);

    // The same push judged against another published key: the VAPID check really compares.
    expect.expected_vapid_key = ok(webpush::P256PrivateKey::generate()).public_key();
    const auto foreign = service->open(*push, expect);
    EXPECT_TRUE(foreign.has(OpenedPush::Aspect::vapid));
    EXPECT_FALSE(foreign.has(OpenedPush::Aspect::decryption));
}

TEST_F(PushServiceTest, AClientTrustingAnotherCaIsRefusedTheHandshake) {
    start();
    const auto sub = ok(service->subscribe());
    const auto other = ok(generate_ca());
    auto tls = ok(client_tls_trusting(other.cert_pem));
    const auto request = good_push(sub, vapid, service->origin(), "{}");
    auto res = run([&]() -> asio::awaitable<Result<HttpsResponse>> {
        auto r = co_await https_request(request, tls, std::chrono::steady_clock::now() + 5s);
        co_return r;
    }());
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().kind, ErrorKind::tls) << res.error().message;
    EXPECT_TRUE(service->requests().empty());
}

TEST_F(PushServiceTest, EachPushIsHandedOutOnceInOrderAndWaitingEndsAtTheDeadline) {
    start();
    const auto a = ok(service->subscribe());
    const auto b = ok(service->subscribe());
    ASSERT_TRUE(post(good_push(a, vapid, service->origin(), "1")));
    ASSERT_TRUE(post(good_push(b, vapid, service->origin(), "b")));
    ASSERT_TRUE(post(good_push(a, vapid, service->origin(), "2")));
    const auto soon = [] { return std::chrono::steady_clock::now() + 2s; };
    auto first = run(service->wait_for_push(a.id, soon()));
    auto second = run(service->wait_for_push(a.id, soon()));
    ASSERT_TRUE(first && second);
    EXPECT_EQ(service->open(*first).plaintext, "1");
    EXPECT_EQ(service->open(*second).plaintext, "2");
    EXPECT_LT(first->sequence, second->sequence);
    auto none = run(service->wait_for_push(a.id, std::chrono::steady_clock::now() + 200ms));
    EXPECT_FALSE(none);
    EXPECT_EQ(service->requests_for(b.id).size(), 1u);
    EXPECT_EQ(service->requests().size(), 3u);
}

TEST_F(PushServiceTest, AWaiterIsWokenByAPushThatArrivesLater) {
    start();
    const auto sub = ok(service->subscribe());
    auto waiting =
        asio::co_spawn(io, service->wait_for_push(sub.id, std::chrono::steady_clock::now() + 10s),
                       asio::use_future);
    ASSERT_TRUE(post(good_push(sub, vapid, service->origin(), "late")));
    auto push = waiting.get();
    ASSERT_TRUE(push);
    EXPECT_EQ(service->open(*push).plaintext, "late");
}

TEST_F(PushServiceTest, UnknownUrlsAnswer404AndAreRecorded) {
    start();
    const auto sub = ok(service->subscribe());
    HttpsRequest r = good_push(sub, vapid, service->origin(), "{}");
    for (const std::string target : {"/push/nosuchsubscription", "/other", "/push/"}) {
        r.url = service->origin() + target;
        auto res = post(r);
        ASSERT_TRUE(res) << res.error().message;
        EXPECT_EQ(res->status, 404u) << target;
    }
    const auto all = service->requests();
    ASSERT_EQ(all.size(), 3u);
    for (const auto& rec : all) {
        EXPECT_EQ(rec.subscription_id, "");
        EXPECT_EQ(rec.status, 404u);
        EXPECT_TRUE(service->open(rec).has(OpenedPush::Aspect::unknown_subscription));
    }
    // A removed subscription's URL is unknown from then on.
    service->remove(sub.id);
    auto res = post(good_push(sub, vapid, service->origin(), "{}"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404u);
}

TEST_F(PushServiceTest, AnswersWithTheStatusConfiguredPerSubscription) {
    start();
    for (unsigned status : {201u, 404u, 410u, 413u, 429u, 400u}) {
        const std::string retry = status == 429 ? "7" : "";
        const auto sub = ok(service->subscribe(Reply::with_status(status, retry)));
        auto res = post(good_push(sub, vapid, service->origin(), "{}"));
        ASSERT_TRUE(res) << res.error().message;
        EXPECT_EQ(res->status, status);
        EXPECT_EQ(res->header("Retry-After").value_or(""), retry) << status;
        const auto recs = service->requests_for(sub.id);
        ASSERT_EQ(recs.size(), 1u);
        EXPECT_EQ(recs[0].status, status);
    }
    // set_reply changes the answer of an existing subscription.
    const auto sub = ok(service->subscribe());
    service->set_reply(sub.id, Reply::with_status(410));
    auto res = post(good_push(sub, vapid, service->origin(), "{}"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 410u);
}

TEST_F(PushServiceTest, NonPostRequestsToASubscriptionAnswer405) {
    start();
    const auto sub = ok(service->subscribe());
    HttpsRequest r = good_push(sub, vapid, service->origin(), "{}");
    r.method = "GET";
    r.body.clear();
    auto res = post(r);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405u);
}

TEST_F(PushServiceTest, HangingUpGivesTheClientNoAnswer) {
    start();
    const auto sub = ok(service->subscribe(Reply::hang_up()));
    auto res = post(good_push(sub, vapid, service->origin(), "{}"));
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().kind, ErrorKind::network) << res.error().message;
    const auto recs = service->requests_for(sub.id);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].status, 0u);
}

TEST_F(PushServiceTest, SilenceKeepsTheClientWaitingUntilItsOwnDeadline) {
    PushServiceOptions options;
    options.hold_limit = 60s;
    start(options);
    const auto sub = ok(service->subscribe(Reply::silence()));
    auto res = post(good_push(sub, vapid, service->origin(), "{}"), 700ms);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().kind, ErrorKind::timeout) << res.error().message;
    EXPECT_EQ(service->requests_for(sub.id).size(), 1u);
    // stop() ends the held connection; the destructor does not wait for the hold limit.
}

TEST_F(PushServiceTest, SilenceIsBoundedByTheHoldLimit) {
    PushServiceOptions options;
    options.hold_limit = 300ms;
    start(options);
    const auto sub = ok(service->subscribe(Reply::silence()));
    auto res = post(good_push(sub, vapid, service->origin(), "{}"), 20s);
    ASSERT_FALSE(res);
    // The endpoint closed (network), long before the client's own 20 s deadline (timeout).
    EXPECT_EQ(res.error().kind, ErrorKind::network) << res.error().message;
}

TEST_F(PushServiceTest, AnOversizeBodyIsAnswered413AndNotKept) {
    PushServiceOptions options;
    options.max_body = 64 * 1024;
    start(options);
    const auto sub = ok(service->subscribe());
    HttpsRequest r = good_push(sub, vapid, service->origin(), "{}");
    r.body = std::string(100 * 1024, 'x');
    auto res = post(r);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 413u);
    auto recs = service->requests_for(sub.id);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_TRUE(recs[0].body_over_limit);
    EXPECT_TRUE(recs[0].body.empty());
    EXPECT_EQ(recs[0].status, 413u);
    EXPECT_THAT(service->open(recs[0]).describe(OpenedPush::Aspect::decryption),
                HasSubstr("size limit"));

    // Exactly at the limit is fine (the boundary is the limit, not one below it).
    r.body = std::string(64 * 1024, 'x');
    auto at_limit = post(r);
    ASSERT_TRUE(at_limit) << at_limit.error().message;
    EXPECT_EQ(at_limit->status, 201u);
}

TEST_F(PushServiceTest, OversizeHeadersAreRefused) {
    PushServiceOptions options;
    options.max_header = 4096;
    start(options);
    const auto sub = ok(service->subscribe());
    HttpsRequest r = good_push(sub, vapid, service->origin(), "{}");
    r.headers.emplace_back("X-Padding", std::string(8000, 'p'));
    auto res = post(r);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 431u);
    EXPECT_TRUE(service->requests().empty());
    EXPECT_EQ(service->stats().bad_requests, 1u);
}

// A client that sends its request a byte at a time, never finishing: the endpoint closes it at
// its request deadline, and serves a well-behaved client meanwhile.
asio::awaitable<std::string> slowloris(std::uint16_t port, std::shared_ptr<ssl::context> tls,
                                       std::chrono::steady_clock::time_point give_up) {
    auto ex = co_await asio::this_coro::executor;
    ssl::stream<tcp::socket> stream(ex, *tls);
    tcp::endpoint where(asio::ip::make_address("127.0.0.1"), port);
    auto c = co_await stream.lowest_layer().async_connect(where, kTuple);
    if (std::get<0>(c)) co_return "connect failed";
    auto h = co_await stream.async_handshake(ssl::stream_base::client, kTuple);
    if (std::get<0>(h)) co_return "handshake failed";
    const std::string request = "POST /push/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    asio::steady_timer timer(ex);
    for (std::size_t i = 0; std::chrono::steady_clock::now() < give_up; ++i) {
        const char byte = i < request.size() ? request[i] : 'a';
        auto w = co_await asio::async_write(stream, asio::buffer(&byte, 1), kTuple);
        if (std::get<0>(w)) co_return "closed by the endpoint";
        timer.expires_after(50ms);
        auto t = co_await timer.async_wait(kTuple);
        (void)t;
    }
    co_return "still open at the client's deadline";
}

TEST_F(PushServiceTest, ASlowlorisClientIsCutOffAtTheRequestDeadline) {
    PushServiceOptions options;
    options.request_timeout = 500ms;
    start(options);
    auto tls = trusting_client();
    auto slow =
        asio::co_spawn(io, slowloris(service->port(), tls, std::chrono::steady_clock::now() + 20s),
                       asio::use_future);
    // Meanwhile a normal push is served.
    const auto sub = ok(service->subscribe());
    auto res = post(good_push(sub, vapid, service->origin(), "{}"));
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 201u);
    EXPECT_EQ(slow.get(), "closed by the endpoint");
    EXPECT_EQ(service->stats().timed_out, 1u);
    EXPECT_EQ(service->requests().size(), 1u);  // the unfinished request is not recorded
}

TEST_F(PushServiceTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
    PushServiceOptions options;
    options.max_connections = 2;
    options.request_timeout = 30s;
    start(options);
    // Two connections that never handshake occupy the endpoint.
    std::vector<std::unique_ptr<tcp::socket>> idle;
    asio::io_context client_io;
    const tcp::endpoint where(asio::ip::make_address("127.0.0.1"), service->port());
    for (int i = 0; i < 2; ++i) {
        idle.push_back(std::make_unique<tcp::socket>(client_io));
        idle.back()->connect(where);
    }
    // Let the endpoint accept both before the third arrives.
    for (int i = 0; i < 100 && service->stats().connections < 2; ++i)
        std::this_thread::sleep_for(10ms);
    ASSERT_EQ(service->stats().connections, 2u);
    tcp::socket third(client_io);
    third.connect(where);
    char byte;
    boost::system::error_code ec;
    asio::read(third, asio::buffer(&byte, 1), ec);  // EOF at once: closed by the endpoint
    EXPECT_EQ(ec, asio::error::eof) << ec.message();
    EXPECT_EQ(service->stats().refused_connections, 1u);
    // Once one of the two goes, a push is served again.
    idle.front()->close();
    const auto sub = ok(service->subscribe());
    Result<HttpsResponse> res = make_error(ErrorKind::internal, "not tried");
    for (int i = 0; i < 50; ++i) {
        res = post(good_push(sub, vapid, service->origin(), "{}"));
        if (res) break;
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 201u);
}

TEST_F(PushServiceTest, RecordingIsBoundedOldestFirst) {
    PushServiceOptions options;
    options.max_recorded = 5;
    start(options);
    const auto sub = ok(service->subscribe());
    for (int i = 0; i < 8; ++i)
        ASSERT_TRUE(post(good_push(sub, vapid, service->origin(), std::to_string(i))));
    const auto recs = service->requests();
    ASSERT_EQ(recs.size(), 5u);
    EXPECT_EQ(recs.front().sequence, 4u);
    EXPECT_EQ(service->open(recs.front()).plaintext, "3");
    EXPECT_EQ(service->stats().dropped_records, 3u);

    PushServiceOptions by_bytes;
    by_bytes.max_recorded_bytes = 3000;
    service.reset();
    start(by_bytes);
    const auto s2 = ok(service->subscribe());
    for (int i = 0; i < 6; ++i) {
        HttpsRequest r = good_push(s2, vapid, service->origin(), "{}");
        r.body = std::string(1000, 'b');
        ASSERT_TRUE(post(r));
    }
    EXPECT_LE(service->stats().recorded_bytes, 3000u);
    EXPECT_GE(service->stats().dropped_records, 3u);
}

TEST_F(PushServiceTest, StopClosesTheListenerAndWaitsEnd) {
    start();
    const auto sub = ok(service->subscribe());
    const std::uint16_t port = service->port();
    auto waiting =
        asio::co_spawn(io, service->wait_for_push(sub.id, std::chrono::steady_clock::now() + 30s),
                       asio::use_future);
    service->stop();
    EXPECT_FALSE(waiting.get());  // at once, not after 30 s
    asio::io_context client_io;
    tcp::socket s(client_io);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_EQ(ec, asio::error::connection_refused) << ec.message();
}

// Sends `count` copies of `request` over one keep-alive connection (the endpoint serves many
// requests per connection); returns how many were answered 201.
asio::awaitable<int> send_many(std::uint16_t port, std::shared_ptr<ssl::context> tls,
                               HttpsRequest request, int count) {
    namespace beast = boost::beast;
    namespace http = boost::beast::http;
    auto ex = co_await asio::this_coro::executor;
    beast::ssl_stream<beast::tcp_stream> stream(ex, *tls);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(60s);
    auto c = co_await lowest.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                           kTuple);
    if (std::get<0>(c)) co_return 0;
    auto h = co_await stream.async_handshake(ssl::stream_base::client, kTuple);
    if (std::get<0>(h)) co_return 0;
    const auto url = ok(parse_https_url(request.url));
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();
    beast::flat_buffer buffer;
    int created = 0;
    for (int i = 0; i < count; ++i) {
        auto w = co_await http::async_write(stream, req, kTuple);
        if (std::get<0>(w)) break;
        http::response<http::empty_body> res;
        auto r = co_await http::async_read(stream, buffer, res, kTuple);
        if (std::get<0>(r)) break;
        if (res.result_int() == 201) ++created;
    }
    co_return created;
}

// Not a limit test: measures what 1,000 recorded pushes of the largest size a push service must
// accept (4096-octet bodies) cost, for docs/webpush.md. Asserts only that the bound holds.
TEST_F(PushServiceTest, MemoryWithAThousandRecordedPushes) {
    start();
    const auto sub = ok(service->subscribe());
    HttpsRequest r = good_push(sub, vapid, service->origin(), std::string(3993, 'x'));
    ASSERT_EQ(r.body.size(), 4096u);
    const auto before = mallinfo2().uordblks;
    const int created = run(send_many(service->port(), trusting_client(), r, 1000));
    const auto after = mallinfo2().uordblks;
    EXPECT_EQ(created, 1000);
    const auto stats = service->stats();
    EXPECT_EQ(stats.recorded, 1000u);
    EXPECT_EQ(stats.connections, 1u);  // all on one keep-alive connection
    EXPECT_LE(stats.recorded_bytes, PushServiceOptions{}.max_recorded_bytes);
    std::cout << fmt::format(
        "[ measure  ] 1000 recorded pushes of 4096-octet bodies: heap +{} KiB (allocator), "
        "{} KiB by the service's own count\n",
        (after - before) / 1024, stats.recorded_bytes / 1024);
}

}  // namespace
}  // namespace coitest::pushservice
