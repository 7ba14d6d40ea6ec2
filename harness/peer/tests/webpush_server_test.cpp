// The running peer's WEBPUSH over real sockets: coitest's IMAP and LMTP clients on one side,
// coitest's push-service endpoint (harness/pushservice, its own CA given to the peer as the push
// CA) on the other. The tests decrypt what arrives with the user agent's key and verify its VAPID
// signature against the key GETMETADATA published; a push service that never answers must not
// hold up IMAP or delivery; 429 with Retry-After and 410 are honoured; an untrusted push service
// gets nothing. Interop direction 1 of issue 6: a push the peer sent is decrypted by npm http_ece
// and its VAPID JWT verified by node's crypto (skipped with the reason when node or the modules
// are missing).
#include "imap/session.hpp"
#include "net/tls.hpp"
#include "peer/server.hpp"
#include "pushservice/push_service.hpp"
#include "smtp/session.hpp"
#include "webpush/base64url.hpp"

#include <gtest/gtest.h>

// Boost 1.81 process v2 with std::filesystem forgets these two (they must come first).
// clang-format off
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
// clang-format on

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace coitest::peer {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace client = ::coitest::imap;
namespace ps = ::coitest::pushservice;
namespace wp = ::coitest::webpush;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kSubs = "/private/vendor/vendor.dovecot/webpush/subscriptions";
const std::string kVapid = "/private/vendor/vendor.dovecot/webpush/vapid";

#define CO_ASSERT_TRUE(cond)                 \
    if (!(cond)) {                           \
        ADD_FAILURE() << "not true: " #cond; \
        co_return;                           \
    }

template <class F>
void run(F body) {
    asio::io_context io;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await body();
            done = true;
        },
        asio::detached);
    io.run_for(90s);
    ASSERT_TRUE(done) << "test coroutine did not finish";
}

// A file holding the push service's CA, removed at the end of the test.
struct CaFile {
    fs::path path;
    explicit CaFile(const ps::PushService& svc)
        : path(fs::temp_directory_path() /
               fmt::format("coitest-peer-push-ca-{}-{}.pem", ::getpid(), ++counter())) {
        EXPECT_TRUE(svc.write_ca_pem(path));
    }
    ~CaFile() {
        std::error_code ec;
        fs::remove(path, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

std::unique_ptr<Server> start_peer(ServerOptions o) {
    auto s = Server::start(std::move(o));
    if (!s) {
        ADD_FAILURE() << s.error().message;
        return nullptr;
    }
    return std::move(*s);
}

std::string password_of(const Server& s, std::string_view address) {
    for (const auto& u : s.accounts())
        if (u.address == address) return u.password;
    return {};
}

asio::awaitable<std::optional<client::Session>> login(const Server& s_ref,
                                                      const std::string& user_ref,
                                                      net::Transcript& transcript) {
    const Server& s = s_ref;
    const std::string user = user_ref;
    client::SessionOptions o;
    o.connect.name = "c";
    o.connect.step_timeout = 10s;
    o.connect.tls = *net::make_client_tls_context({s.ca_file().string(), false});
    auto r = co_await client::Session::connect(*s.endpoints().imaps, o, transcript);
    if (!r) {
        ADD_FAILURE() << "connect: " << r.error().message;
        co_return std::nullopt;
    }
    client::Session session = std::move(*r);
    const std::string password = password_of(s, user);
    auto l = co_await session.login(user, password);
    if (!l || !l->ok()) {
        ADD_FAILURE() << "login failed for " << user;
        co_return std::nullopt;
    }
    co_return std::optional<client::Session>(std::move(session));
}

asio::awaitable<bool> lmtp_deliver(const Server& s_ref, const std::string& to_ref,
                                   const std::string& msg_ref, net::Transcript& t) {
    const Server& s = s_ref;
    const std::string to = to_ref;
    const std::string msg = msg_ref;
    smtp::SessionOptions o;
    o.connect.step_timeout = 10s;
    auto c = co_await smtp::Session::connect(*s.endpoints().lmtp, o, t);
    if (!c) co_return false;
    smtp::Session session = std::move(*c);
    auto h = co_await session.establish("test.invalid");
    if (!h || !h->positive()) co_return false;
    const std::vector<std::string> rcpts{to};
    auto sent = co_await session.send_message("bob@example.org", rcpts, msg);
    co_return sent && sent->all_delivered();
}

std::string subscription_json(const ps::Subscription& sub, std::string_view msgtype = "all") {
    return json{
        {"client", "coitest peer test"},
        {"device", "loopback"},
        {"msgtype", msgtype},
        {"resource",
         {{"endpoint", sub.endpoint}, {"keys", {{"p256dh", sub.p256dh}, {"auth", sub.auth}}}}}}
        .dump();
}

// SETMETADATA of one WebPush entry; true when answered OK.
asio::awaitable<bool> set_entry(client::Session& imap, const std::string& name_ref,
                                const std::optional<std::string>& value_ref) {
    const std::vector<client::MetadataEntry> entries{{name_ref, value_ref}};
    auto r = co_await imap.setmetadata("", entries);
    co_return r && r->ok();
}

// The value of one server entry (nullopt when NIL or missing).
asio::awaitable<std::optional<std::string>> get_entry(client::Session& imap,
                                                      const std::string& name_ref) {
    const std::string name = name_ref;
    const std::vector<std::string> names{name};
    auto r = co_await imap.getmetadata("", names);
    if (!r || !r->result.ok()) co_return std::nullopt;
    for (const auto& e : r->value)
        if (e.name == name) co_return e.value;
    co_return std::nullopt;
}

asio::awaitable<std::optional<wp::P256PublicKey>> published_key(client::Session& imap) {
    auto pem = co_await get_entry(imap, kVapid);
    if (!pem) co_return std::nullopt;
    auto key = wp::P256PublicKey::from_pem(*pem);
    if (!key) {
        ADD_FAILURE() << "the VAPID entry is not a PEM public key: " << key.error().message;
        co_return std::nullopt;
    }
    co_return *key;
}

// The peer's record of the push for `endpoint` (the n-th one), once its outcome is known.
asio::awaitable<std::optional<PushRecord>> outcome(Server& s, std::string endpoint_ref,
                                                   std::size_t nth, Clock::duration wait) {
    const std::string endpoint = std::move(endpoint_ref);
    const auto deadline = Clock::now() + wait;
    const auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    while (Clock::now() < deadline) {
        std::size_t seen = 0;
        for (const auto& r : s.recorder().pushes())
            if (r.endpoint == endpoint && ++seen == nth) co_return r;
        timer.expires_after(20ms);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return std::nullopt;
}

const std::string kChatMessage =
    "From: Bob Example <Bob@Example.org>\r\nTo: alice@example.org\r\n"
    "Subject: Chat: hello\r\nDate: Tue, 31 Dec 2019 23:20:50 +0000\r\n"
    "Message-ID: <chat$group.4321dcba1234.m1@example.org>\r\nChat-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nhello over COI \xC3\xA9\r\n";

struct Fixture {
    std::unique_ptr<ps::PushService> svc;
    std::unique_ptr<CaFile> ca;
    std::unique_ptr<Server> peer;
};

// A push service on `executor` and a peer that trusts its CA (unless `trust` is false).
Fixture make(const asio::any_io_executor& executor, ServerOptions o = {}, bool trust = true) {
    Fixture f;
    auto svc = ps::PushService::start(executor);
    if (!svc) {
        ADD_FAILURE() << svc.error().message;
        return f;
    }
    f.svc = std::move(*svc);
    f.ca = std::make_unique<CaFile>(*f.svc);
    if (trust) o.webpush.push_ca = f.ca->path;
    o.imap_port.reset();
    o.submission_port.reset();
    o.submissions_port.reset();
    f.peer = start_peer(std::move(o));
    return f;
}

TEST(PeerWebPush, ValidationThenMessagePushDecryptAndVerify) {
    run([&]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        Fixture f = make(ex);
        CO_ASSERT_TRUE(f.svc && f.peer);
        net::Transcript t;
        auto alice = co_await login(*f.peer, "alice@example.org", t);
        CO_ASSERT_TRUE(alice);
        auto key = co_await published_key(*alice);
        CO_ASSERT_TRUE(key);

        auto sub = f.svc->subscribe();
        CO_ASSERT_TRUE(sub);
        const std::string entry = kSubs + "/peer-test-0001";
        const bool subscribed = co_await set_entry(*alice, entry, subscription_json(*sub));
        CO_ASSERT_TRUE(subscribed);

        // The validation push: encrypted, signed with the published key, the header present.
        auto v = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        CO_ASSERT_TRUE(v);
        ps::OpenOptions expect;
        expect.expected_vapid_key = *key;
        const auto opened = f.svc->open(*v, expect);
        EXPECT_TRUE(opened.ok()) << opened.describe();
        CO_ASSERT_TRUE(opened.plaintext);
        EXPECT_EQ(v->header("WebPush-Validation"), std::optional<std::string>(""));
        EXPECT_EQ(v->header("Content-Encoding"), std::optional<std::string>("aes128gcm"));
        CO_ASSERT_TRUE(opened.vapid_claims);
        EXPECT_EQ(opened.vapid_claims->aud, f.svc->origin());
        EXPECT_TRUE(opened.vapid_claims->sub.starts_with("mailto:"));
        const json validation = json::parse(*opened.plaintext);
        EXPECT_EQ(validation.size(), 1u);
        const std::string value = validation["validation"];

        const bool validated = co_await set_entry(*alice, entry + "/validate", value);
        EXPECT_TRUE(validated);
        auto listed = co_await get_entry(*alice, entry);
        CO_ASSERT_TRUE(listed);
        EXPECT_EQ(json::parse(*listed)["validated"], true);

        // A chat message over LMTP: the push carries the payload fields.
        const auto delivered_at = Clock::now();
        const bool delivered = co_await lmtp_deliver(*f.peer, "alice@example.org", kChatMessage, t);
        CO_ASSERT_TRUE(delivered);
        auto m = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        CO_ASSERT_TRUE(m);
        const double ms =
            std::chrono::duration<double, std::milli>(m->received - delivered_at).count();
        std::cout << fmt::format("[ measured ] LMTP delivery started -> push received: {:.1f} ms\n",
                                 ms);
        const auto msg = f.svc->open(*m, expect);
        EXPECT_TRUE(msg.ok()) << msg.describe();
        CO_ASSERT_TRUE(msg.plaintext && msg.ece && opened.ece);
        EXPECT_NE(msg.ece->keyid, opened.ece->keyid);  // a fresh sender key for each push
        EXPECT_FALSE(m->header("WebPush-Validation"));
        const json p = json::parse(*msg.plaintext);
        EXPECT_EQ(p["from-email"], "bob@example.org");
        EXPECT_EQ(p["from-name"], "Bob Example");
        EXPECT_EQ(p["subject"], "Chat: hello");
        EXPECT_EQ(p["content"], "hello over COI \xC3\xA9\r\n");
        EXPECT_EQ(p["date"], "2019-12-31T23:20:50Z");
        EXPECT_EQ(p["msg-id"], "chat$group.4321dcba1234.m1@example.org");
        EXPECT_EQ(p["folder"], "INBOX");
        EXPECT_EQ(p["uid"], 1);
        EXPECT_TRUE(p["uidvalidity"].is_number_unsigned());
        EXPECT_EQ(p["group-id"], "4321dcba1234");

        auto rec = co_await outcome(*f.peer, sub->endpoint, 2, 10s);
        CO_ASSERT_TRUE(rec);
        EXPECT_EQ(rec->outcome, "delivered");
        EXPECT_EQ(rec->status, 201u);
    });
}

TEST(PeerWebPush, AHangingPushServiceBlocksNeitherImapNorDelivery) {
    run([&]() -> asio::awaitable<void> {
        ServerOptions o;
        o.webpush.push_timeout = 60s;  // far longer than this test runs
        const auto ex = co_await asio::this_coro::executor;
        Fixture f = make(ex, o);
        CO_ASSERT_TRUE(f.svc && f.peer);
        net::Transcript t;
        auto alice = co_await login(*f.peer, "alice@example.org", t);
        CO_ASSERT_TRUE(alice);
        auto sub = f.svc->subscribe(ps::Reply::silence());
        CO_ASSERT_TRUE(sub);
        const std::string entry = kSubs + "/hanging-0001";
        const bool subscribed = co_await set_entry(*alice, entry, subscription_json(*sub));
        CO_ASSERT_TRUE(subscribed);
        // The push arrived; the service now says nothing.
        auto v = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        CO_ASSERT_TRUE(v);

        // Meanwhile everything else works: IMAP commands, validation, delivery, APPEND.
        auto noop = co_await alice->noop();
        EXPECT_TRUE(noop && noop->ok());
        const auto opened = f.svc->open(*v);
        CO_ASSERT_TRUE(opened.plaintext);
        const std::string value = json::parse(*opened.plaintext)["validation"];
        const bool validated = co_await set_entry(*alice, entry + "/validate", value);
        EXPECT_TRUE(validated);
        const bool delivered = co_await lmtp_deliver(*f.peer, "alice@example.org", kChatMessage, t);
        EXPECT_TRUE(delivered);
        auto bob = co_await login(*f.peer, "bob@example.org", t);
        CO_ASSERT_TRUE(bob);
        auto app = co_await bob->append("INBOX", kChatMessage);
        EXPECT_TRUE(app && app->result.ok());
        // The message push went out too, and also hangs.
        auto m = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        EXPECT_TRUE(m);
        // All of the above finished while the first push was still waiting for an answer.
        for (const auto& r : f.peer->recorder().pushes())
            EXPECT_NE(r.endpoint, sub->endpoint) << "a push to the silent service has an outcome";
        EXPECT_GE(f.peer->recorder().commands().size(), 4u);
    });
}

TEST(PeerWebPush, RetryAfterIsHonouredAndGoneDeletesTheSubscription) {
    run([&]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        Fixture f = make(ex);
        CO_ASSERT_TRUE(f.svc && f.peer);
        net::Transcript t;
        auto alice = co_await login(*f.peer, "alice@example.org", t);
        CO_ASSERT_TRUE(alice);
        auto sub = f.svc->subscribe(ps::Reply::with_status(429, "1"));
        CO_ASSERT_TRUE(sub);
        const std::string entry = kSubs + "/retry-00001";
        const bool subscribed = co_await set_entry(*alice, entry, subscription_json(*sub));
        CO_ASSERT_TRUE(subscribed);
        auto first = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        CO_ASSERT_TRUE(first);
        f.svc->set_reply(sub->id, ps::Reply::created());
        auto second = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        CO_ASSERT_TRUE(second);
        // Not before Retry-After said (a lower bound only: the peer may wait longer).
        EXPECT_GE(second->received - first->received, 1s);
        auto rec = co_await outcome(*f.peer, sub->endpoint, 1, 10s);
        CO_ASSERT_TRUE(rec);
        EXPECT_EQ(rec->outcome, "delivered");
        EXPECT_EQ(rec->attempts, 2u);

        // Validated, then the service forgets the subscription: 410 deletes it at the peer.
        const auto opened = f.svc->open(*second);
        CO_ASSERT_TRUE(opened.plaintext);
        const std::string value = json::parse(*opened.plaintext)["validation"];
        const bool validated = co_await set_entry(*alice, entry + "/validate", value);
        CO_ASSERT_TRUE(validated);
        f.svc->set_reply(sub->id, ps::Reply::with_status(410));
        const bool delivered = co_await lmtp_deliver(*f.peer, "alice@example.org", kChatMessage, t);
        CO_ASSERT_TRUE(delivered);
        auto gone = co_await outcome(*f.peer, sub->endpoint, 2, 10s);
        CO_ASSERT_TRUE(gone);
        EXPECT_EQ(gone->outcome, "gone");
        EXPECT_EQ(gone->status, 410u);
        auto still = co_await get_entry(*alice, entry);
        EXPECT_FALSE(still) << "the subscription outlived 410 Gone";
    });
}

TEST(PeerWebPush, AnUntrustedPushServiceGetsNothing) {
    run([&]() -> asio::awaitable<void> {
        // The peer is not given the service's CA: the system roots do not know it.
        const auto ex = co_await asio::this_coro::executor;
        Fixture f = make(ex, ServerOptions{}, false);
        CO_ASSERT_TRUE(f.svc && f.peer);
        net::Transcript t;
        auto alice = co_await login(*f.peer, "alice@example.org", t);
        CO_ASSERT_TRUE(alice);
        auto sub = f.svc->subscribe();
        CO_ASSERT_TRUE(sub);
        const bool subscribed =
            co_await set_entry(*alice, kSubs + "/untrusted-01", subscription_json(*sub));
        CO_ASSERT_TRUE(subscribed);
        auto rec = co_await outcome(*f.peer, sub->endpoint, 1, 30s);
        CO_ASSERT_TRUE(rec);
        EXPECT_EQ(rec->outcome, "failed");
        EXPECT_NE(rec->error.find("certificate"), std::string::npos) << rec->error;
        EXPECT_EQ(rec->attempts, 1u);  // an untrusted certificate is not retried
        EXPECT_TRUE(f.svc->requests_for(sub->id).empty());
    });
}

// --- interop direction 1: npm http_ece + node crypto judge the peer's push -------------------

struct NodeTools {
    fs::path node, modules;
    std::string skip;  // why the test cannot run, when it cannot
};

NodeTools node_tools() {
    NodeTools n;
    const char* env = std::getenv("COITEST_NODE_MODULES");
    if (!env || !*env) {
        n.skip = "COITEST_NODE_MODULES is not set (scripts/test sets it)";
        return n;
    }
    n.modules = env;
    if (!fs::exists(n.modules / "http_ece" / "package.json")) {
        n.skip = fmt::format("no http_ece under {} (scripts/test installs it)", n.modules.string());
        return n;
    }
    n.node = bp::environment::find_executable("node");
    if (n.node.empty()) n.skip = "node is not installed";
    return n;
}

// Runs webpush_interop.js with `request` on stdin; killed after 30 s.
json run_node(const NodeTools& n, const json& request) {
    const char* source = std::getenv("COITEST_SOURCE_DIR");
    const fs::path script =
        fs::path(source ? source : ".") / "harness" / "peer" / "tests" / "webpush_interop.js";
    asio::io_context io;
    asio::writable_pipe in(io);
    asio::readable_pipe out(io);
    asio::readable_pipe errors(io);
    // The child inherits this environment.
    bp::process child(io, n.node, {script.string(), n.modules.string()},
                      bp::process_stdio{in, out, errors});
    const std::string input = request.dump();
    std::string text, error_text;
    asio::async_write(in, asio::buffer(input), [&](boost::system::error_code, std::size_t) {
        boost::system::error_code ignored;
        in.close(ignored);
    });
    asio::async_read(out, asio::dynamic_buffer(text),
                     [](boost::system::error_code, std::size_t) {});
    asio::async_read(errors, asio::dynamic_buffer(error_text),
                     [](boost::system::error_code, std::size_t) {});
    io.run_for(30s);
    if (!io.stopped()) {
        boost::system::error_code ignored;
        child.terminate(ignored);
        return json{{"error", "webpush_interop.js did not finish within 30 s"}};
    }
    child.wait();
    json answer = json::parse(text, nullptr, false);
    if (answer.is_discarded())
        return json{{"error", "webpush_interop.js printed no JSON: " + text + error_text}};
    return answer;
}

TEST(PeerWebPush, InteropNodeHttpEceDecryptsAndNodeCryptoVerifiesThePeersPush) {
    const NodeTools tools = node_tools();
    if (!tools.skip.empty()) GTEST_SKIP() << tools.skip;
    std::optional<ps::RecordedRequest> pushed;
    std::optional<ps::Subscription> subscription;
    std::string vapid_pem, origin, opened_plaintext;
    run([&]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        Fixture f = make(ex);
        CO_ASSERT_TRUE(f.svc && f.peer);
        net::Transcript t;
        auto alice = co_await login(*f.peer, "alice@example.org", t);
        CO_ASSERT_TRUE(alice);
        auto pem = co_await get_entry(*alice, kVapid);
        CO_ASSERT_TRUE(pem);
        vapid_pem = *pem;
        auto sub = f.svc->subscribe();
        CO_ASSERT_TRUE(sub);
        subscription = *sub;
        origin = f.svc->origin();
        const std::string entry = kSubs + "/interop-0001";
        const bool subscribed = co_await set_entry(*alice, entry, subscription_json(*sub));
        CO_ASSERT_TRUE(subscribed);
        auto v = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        CO_ASSERT_TRUE(v);
        const auto opened = f.svc->open(*v);
        CO_ASSERT_TRUE(opened.plaintext);
        const bool validated =
            co_await set_entry(*alice, entry + "/validate",
                               json::parse(*opened.plaintext)["validation"].get<std::string>());
        CO_ASSERT_TRUE(validated);
        const bool delivered = co_await lmtp_deliver(*f.peer, "alice@example.org", kChatMessage, t);
        CO_ASSERT_TRUE(delivered);
        pushed = co_await f.svc->wait_for_push(sub->id, Clock::now() + 10s);
        CO_ASSERT_TRUE(pushed);
        const auto m = f.svc->open(*pushed);
        CO_ASSERT_TRUE(m.plaintext);
        opened_plaintext = *m.plaintext;
    });
    ASSERT_TRUE(pushed && subscription);

    json headers = json::array();
    for (const auto& [name, value] : pushed->headers) headers.push_back({name, value});
    const json request = {
        {"headers", headers},
        {"body", wp::base64url_encode(pushed->body)},
        {"ua_private", wp::base64url_encode(subscription->ua_private.scalar())},
        {"auth", subscription->auth},
        {"vapid_pem", vapid_pem},
        {"audience", origin},
    };
    const json answer = run_node(tools, request);
    ASSERT_FALSE(answer.contains("error")) << answer.dump();
    EXPECT_EQ(answer["content_encoding"], "aes128gcm");
    EXPECT_EQ(answer["plaintext"], opened_plaintext);
    EXPECT_EQ(json::parse(answer["plaintext"].get<std::string>())["from-email"], "bob@example.org");
    EXPECT_EQ(answer["jwt_header"]["alg"], "ES256");
    EXPECT_EQ(answer["signature_ok"], true);
    EXPECT_EQ(answer["k_is_published_key"], true);
    EXPECT_EQ(answer["claims"]["aud"], origin);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_GT(answer["claims"]["exp"].get<std::int64_t>(), now);
    EXPECT_LE(answer["claims"]["exp"].get<std::int64_t>(), now + 24 * 3600);
    EXPECT_TRUE(answer["claims"]["sub"].get<std::string>().starts_with("mailto:"));

    // The same script must refuse a tampered push: the judge is real.
    json tampered = request;
    std::string body = pushed->body;
    body[body.size() - 1] = static_cast<char>(body.back() ^ 1);
    tampered["body"] = wp::base64url_encode(body);
    const json refused = run_node(tools, tampered);
    EXPECT_TRUE(refused.contains("decrypt_error")) << refused.dump();
}

}  // namespace
}  // namespace coitest::peer
