// Interop with an independent implementation: npm http_ece 1.2.0 and web-push 3.6.7 (installed
// by scripts/test at $COITEST_NODE_MODULES). Both directions: what we produce, node decrypts and
// verifies; what web-push produces, we decrypt and verify. Skipped (with the reason) when node or
// the packages are missing.
#include "webpush/push_message.hpp"
#include "webpush/vapid.hpp"

#include "test_util.hpp"

#include <gmock/gmock.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

// Boost 1.81's Process v2 with BOOST_PROCESS_USE_STD_FS forgets includes (boost::optional and
// the type traits) that Boost.Filesystem's headers would otherwise have pulled in; they must
// come first.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>

#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace coitest::webpush {
namespace {

namespace bp = boost::process::v2;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::b64u;
using testing::err;
using ::testing::HasSubstr;
using testing::ok;

constexpr auto kNodeTimeout = std::chrono::seconds(30);

class Interop : public ::testing::Test {
  protected:
    fs::path modules;
    fs::path node;

    void SetUp() override {
        const char* env = std::getenv("COITEST_NODE_MODULES");
        if (!env || !*env) GTEST_SKIP() << "COITEST_NODE_MODULES is not set (scripts/test sets it)";
        modules = env;
        if (!fs::exists(modules / "web-push" / "package.json") ||
            !fs::exists(modules / "http_ece" / "package.json"))
            GTEST_SKIP() << "no web-push/http_ece under " << modules
                         << " (scripts/test installs them)";
        node = bp::environment::find_executable("node");
        if (node.empty()) GTEST_SKIP() << "node is not installed";
    }

    // Runs a helper with `request` on stdin; the answer is its stdout as JSON. The child is
    // killed after kNodeTimeout.
    json run(const std::string& script, const json& request) {
        asio::io_context io;
        asio::writable_pipe in(io);
        asio::readable_pipe out(io);
        asio::readable_pipe errors(io);
        std::string path = (fs::path(COITEST_WEBPUSH_INTEROP_DIR) / script).string();
        bp::process child(io, node, {path, modules.string()}, bp::process_stdio{in, out, errors});
        std::string input = request.dump();
        std::string text;
        std::string error_text;
        asio::async_write(in, asio::buffer(input), [&](boost::system::error_code, std::size_t) {
            boost::system::error_code ignored;
            in.close(ignored);  // EOF on the child's stdin
        });
        asio::async_read(out, asio::dynamic_buffer(text),
                         [](boost::system::error_code, std::size_t) {});
        asio::async_read(errors, asio::dynamic_buffer(error_text),
                         [](boost::system::error_code, std::size_t) {});
        io.run_for(kNodeTimeout);
        if (!io.stopped()) {
            boost::system::error_code ignored;
            child.terminate(ignored);
            throw std::runtime_error(script + " did not finish within 30 s");
        }
        child.wait();
        json answer = json::parse(text, nullptr, false);
        if (answer.is_discarded())
            throw std::runtime_error(script + " printed no JSON: " + text + error_text);
        if (answer.contains("error"))
            throw std::runtime_error(script + ": " + answer["error"].get<std::string>());
        return answer;
    }
};

// ---- (a) ours -> node ---------------------------------------------------------------------

TEST_F(Interop, HttpEceDecryptsOurPushMessage) {
    auto ua = ok(P256PrivateKey::generate());
    std::string auth = "0123456789abcdef";
    std::string message = R"({"chat":"héllo","n":1})";
    for (std::size_t padding : {0u, 33u}) {
        PushEncryptOptions options;
        options.padding = padding;
        std::string body = ok(encrypt_push({ua.public_key(), auth}, message, options));
        json answer = run("ua_side.js", {{"op", "decrypt"},
                                         {"body", base64url_encode(body)},
                                         {"ua_private", base64url_encode(ua.scalar())},
                                         {"auth", base64url_encode(auth)}});
        EXPECT_EQ(b64u(answer["plaintext"].get<std::string>()), message);
    }
}

TEST_F(Interop, HttpEceRejectsOurMessageWithAnotherAuthSecret) {
    // The node side really checks: the same body with a wrong secret fails there too.
    auto ua = ok(P256PrivateKey::generate());
    std::string body = ok(encrypt_push({ua.public_key(), "0123456789abcdef"}, "x"));
    EXPECT_THROW(run("ua_side.js", {{"op", "decrypt"},
                                    {"body", base64url_encode(body)},
                                    {"ua_private", base64url_encode(ua.scalar())},
                                    {"auth", base64url_encode("fedcba9876543210")}}),
                 std::runtime_error);
}

TEST_F(Interop, NodeVerifiesOurVapidHeader) {
    auto key = ok(P256PrivateKey::generate());
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    VapidClaims claims{"https://push.example.net", now + 3600, "mailto:ops@example.org"};
    json answer = run("ua_side.js", {{"op", "verify_vapid"},
                                     {"authorization", ok(vapid_authorization(key, claims))}});
    EXPECT_TRUE(answer["jws_ok"].get<bool>());
    EXPECT_TRUE(answer["crypto_ok"].get<bool>());
    EXPECT_EQ(answer["header"]["alg"], "ES256");
    EXPECT_EQ(answer["header"]["typ"], "JWT");
    EXPECT_EQ(answer["claims"]["aud"], claims.aud);
    EXPECT_EQ(answer["claims"]["exp"], claims.exp);
    EXPECT_EQ(answer["claims"]["sub"], claims.sub);

    // A header whose k does not match the signer fails on the node side as well.
    auto other = ok(P256PrivateKey::generate());
    std::string forged = "vapid t=" + ok(sign_vapid_jwt(other, claims)) +
                         ", k=" + base64url_encode(key.public_key().uncompressed_point());
    json rejected = run("ua_side.js", {{"op", "verify_vapid"}, {"authorization", forged}});
    EXPECT_FALSE(rejected["jws_ok"].get<bool>());
    EXPECT_FALSE(rejected["crypto_ok"].get<bool>());
}

// ---- (b) web-push -> ours -----------------------------------------------------------------

TEST_F(Interop, WeDecryptWebPushEncrypt) {
    auto ua = ok(P256PrivateKey::generate());
    std::string auth = "auth-secret-16o!";
    std::string message = "When I grow up, I want to be a watermelon";
    json answer =
        run("as_side.js", {{"op", "encrypt"},
                           {"ua_public", base64url_encode(ua.public_key().uncompressed_point())},
                           {"auth", base64url_encode(auth)},
                           {"plaintext", base64url_encode(message)}});
    std::string body = b64u(answer["body"].get<std::string>());
    auto out = ok(decrypt_push(ua, auth, body));
    EXPECT_EQ(out.plaintext, message);
    EXPECT_EQ(base64url_encode(out.as_public.uncompressed_point()), answer["sender_public"]);
    // And the check is real: a flipped octet fails.
    body[body.size() - 20] ^= 1;  // in the ciphertext, before the 16-octet tag
    EXPECT_THAT(err(decrypt_push(ua, auth, body)), HasSubstr("authentication tag"));
}

TEST_F(Interop, WeAcceptWebPushRequestDetails) {
    auto ua = ok(P256PrivateKey::generate());
    auto vapid_key = ok(P256PrivateKey::generate());
    std::string auth = "auth-secret-16o!";
    std::string message = std::string(3000, 'm');
    json answer =
        run("as_side.js",
            {{"op", "request"},
             {"endpoint", "https://push.example.net/p/abcdefghij"},
             {"ua_public", base64url_encode(ua.public_key().uncompressed_point())},
             {"auth", base64url_encode(auth)},
             {"plaintext", base64url_encode(message)},
             {"vapid",
              {{"subject", "mailto:ops@example.org"},
               {"publicKey", base64url_encode(vapid_key.public_key().uncompressed_point())},
               {"privateKey", base64url_encode(vapid_key.scalar())}}}});
    EXPECT_EQ(answer["headers"]["Content-Encoding"], "aes128gcm");
    auto out = ok(decrypt_push(ua, auth, b64u(answer["body"].get<std::string>())));
    EXPECT_EQ(out.plaintext, message);

    auto credentials =
        ok(parse_vapid_authorization(answer["headers"]["Authorization"].get<std::string>()));
    VapidExpectations expect;
    expect.audience = "https://push.example.net";
    expect.expected_key = vapid_key.public_key();
    auto claims = ok(verify_vapid(credentials, expect));  // now = the system clock
    EXPECT_EQ(claims.sub, "mailto:ops@example.org");
    // web-push's default lifetime is 12 h: inside RFC 8292's 24 h.
    expect.audience = "https://push.example.com";
    EXPECT_THAT(err(verify_vapid(credentials, expect)), HasSubstr("aud mismatch"));
}

TEST_F(Interop, WeVerifyWebPushVapidHeadersWithNodeGeneratedKeys) {
    json keys = run("as_side.js", {{"op", "keys"}});
    // web-push refuses an expiration more than 24 h after the real clock: use the real time.
    std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    json answer = run("as_side.js", {{"op", "vapid"},
                                     {"audience", "https://push.example.net"},
                                     {"subject", "https://coi.example/contact"},
                                     {"publicKey", keys["publicKey"]},
                                     {"privateKey", keys["privateKey"]},
                                     {"expiration", now + 600}});
    auto credentials = ok(parse_vapid_authorization(answer["Authorization"].get<std::string>()));
    // web-push's private scalar gives the same public key through our from_scalar.
    auto private_key = ok(P256PrivateKey::from_scalar(b64u(keys["privateKey"].get<std::string>())));
    VapidExpectations expect{"https://push.example.net", now, 24 * 3600, private_key.public_key()};
    auto claims = ok(verify_vapid(credentials, expect));
    EXPECT_EQ(claims.exp, now + 600);
    EXPECT_EQ(claims.sub, "https://coi.example/contact");
    expect.now = now + 601;
    EXPECT_THAT(err(verify_vapid(credentials, expect)), HasSubstr("expired"));
}

}  // namespace
}  // namespace coitest::webpush
