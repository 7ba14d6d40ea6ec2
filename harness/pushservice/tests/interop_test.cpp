// Interop direction 2 of issue 6: npm web-push 3.6.7 (an independent Web Push implementation,
// installed by scripts/test at $COITEST_NODE_MODULES) sends to coitest's endpoint, which must
// decrypt and verify what it sent. Skipped with the reason when node or the package is missing.
#include "test_support.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
// clang-format off
// Boost 1.81 process v2 with std::filesystem forgets these two: they must come first.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
// Header-only Boost 1.81 never includes the definition of process_environment::on_setup; this
// test program is its only translation unit that needs it.
#include <boost/process/v2/impl/environment.ipp>
// clang-format on
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

extern char** environ;

namespace coitest::pushservice {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::ok;

constexpr auto kNodeTimeout = 30s;

class WebPushInterop : public testing::ServiceTest {
  protected:
    fs::path modules, node, ca_file;

    void SetUp() override {
        const char* env = std::getenv("COITEST_NODE_MODULES");
        if (!env || !*env) GTEST_SKIP() << "COITEST_NODE_MODULES is not set (scripts/test sets it)";
        modules = env;
        if (!fs::exists(modules / "web-push" / "package.json"))
            GTEST_SKIP() << "no web-push under " << modules << " (scripts/test installs it)";
        node = bp::environment::find_executable("node");
        if (node.empty()) GTEST_SKIP() << "node is not installed";
        start();
        ca_file =
            fs::temp_directory_path() / ("coitest-push-ca-" + std::to_string(::getpid()) + ".pem");
        ok(service->write_ca_pem(ca_file));
    }
    void TearDown() override {
        std::error_code ec;
        if (!ca_file.empty()) fs::remove(ca_file, ec);
        ServiceTest::TearDown();
    }

    // Runs send_notification.js with `request` on stdin, NODE_EXTRA_CA_CERTS naming the
    // endpoint's CA; killed after kNodeTimeout.
    json send(const json& request) {
        asio::io_context child_io;
        asio::writable_pipe in(child_io);
        asio::readable_pipe out(child_io);
        asio::readable_pipe errors(child_io);
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e)
            if (!std::string_view(*e).starts_with("NODE_EXTRA_CA_CERTS=")) env.emplace_back(*e);
        env.push_back("NODE_EXTRA_CA_CERTS=" + ca_file.string());
        const std::string script =
            (fs::path(COITEST_PUSHSERVICE_INTEROP_DIR) / "send_notification.js").string();
        bp::process child(child_io, node, {script, modules.string()},
                          bp::process_stdio{in, out, errors}, bp::process_environment(env));
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
        child_io.run_for(kNodeTimeout);
        if (!child_io.stopped()) {
            boost::system::error_code ignored;
            child.terminate(ignored);
            throw std::runtime_error("web-push did not finish within 30 s");
        }
        child.wait();
        json answer = json::parse(text, nullptr, false);
        if (answer.is_discarded())
            throw std::runtime_error("send_notification.js printed no JSON: " + text + error_text);
        return answer;
    }

    json request_for(const Subscription& sub, const webpush::P256PrivateKey& vapid,
                     const std::string& payload) {
        return {
            {"endpoint", sub.endpoint},
            {"p256dh", sub.p256dh},
            {"auth", sub.auth},
            {"payload", payload},
            {"vapid_public", webpush::base64url_encode(vapid.public_key().uncompressed_point())},
            {"vapid_private", webpush::base64url_encode(vapid.scalar())},
            {"subject", "mailto:interop@coitest.invalid"},
            {"ttl", 120}};
    }
};

TEST_F(WebPushInterop, TheEndpointDecryptsAndVerifiesWhatWebPushSends) {
    const auto vapid = ok(webpush::P256PrivateKey::generate());
    const auto sub = ok(service->subscribe());
    const std::string payload =
        R"({"from-email":"alice@example.org","subject":"h\u00e9llo","uid":42})";
    const json answer = send(request_for(sub, vapid, payload));
    ASSERT_FALSE(answer.contains("error")) << answer.dump();
    EXPECT_EQ(answer["status"], 201);

    auto push = run(service->wait_for_push(sub.id, std::chrono::steady_clock::now() + 5s));
    ASSERT_TRUE(push);
    OpenOptions expect;
    expect.expected_vapid_key = vapid.public_key();
    const auto opened = service->open(*push, expect);
    EXPECT_TRUE(opened.ok()) << opened.describe();
    EXPECT_EQ(opened.plaintext, payload);
    EXPECT_EQ(opened.ttl, 120);
    ASSERT_TRUE(opened.vapid_claims);
    EXPECT_EQ(opened.vapid_claims->aud, service->origin());
    EXPECT_EQ(opened.vapid_claims->sub, "mailto:interop@coitest.invalid");

    // The same push judged against a key web-push did not sign with: the check is real.
    expect.expected_vapid_key = ok(webpush::P256PrivateKey::generate()).public_key();
    EXPECT_TRUE(service->open(*push, expect).has(OpenedPush::Aspect::vapid));
}

TEST_F(WebPushInterop, WebPushSeesTheConfiguredStatus) {
    const auto vapid = ok(webpush::P256PrivateKey::generate());
    const auto sub = ok(service->subscribe(Reply::with_status(410)));
    const json answer = send(request_for(sub, vapid, "{}"));
    ASSERT_FALSE(answer.contains("error")) << answer.dump();
    EXPECT_EQ(answer["status"], 410);
    EXPECT_EQ(service->requests_for(sub.id).size(), 1u);
}

TEST_F(WebPushInterop, WebPushRefusesAnEndpointWhoseCaItWasNotGiven) {
    // Without NODE_EXTRA_CA_CERTS naming our CA, node must refuse the certificate: proves the
    // CA file is what makes the other tests work.
    std::error_code ec;
    fs::remove(ca_file, ec);
    ok(write_pem(ca_file, ok(generate_ca()).cert_pem, false));
    const auto vapid = ok(webpush::P256PrivateKey::generate());
    const auto sub = ok(service->subscribe());
    const json answer = send(request_for(sub, vapid, "{}"));
    EXPECT_TRUE(answer.contains("error")) << answer.dump();
    EXPECT_TRUE(service->requests().empty());
}

}  // namespace
}  // namespace coitest::pushservice
