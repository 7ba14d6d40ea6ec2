// The webpush tests against the reference peer (harness/peer): they pass on it, and each
// injected WebPush deviation is caught by the test citing the deviated requirement. The peer
// trusts the push endpoint's CA through its push-CA option, as `coitest server` wires it.
#include "peer/server.hpp"
#include "pushservice/ca.hpp"
#include "suite_harness.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace coitest::suites {
namespace {

namespace fs = std::filesystem;
using testing::run_webpush;
using testing::Verdicts;

class PeerTarget {
  public:
    explicit PeerTarget(peer::Deviations deviations = {}, bool webpush = true,
                        bool give_ca = true) {
        dir_ = fs::temp_directory_path() /
               ("coitest-wpsuite-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_));
        fs::create_directories(dir_);
        bool created = false;
        auto ca =
            pushservice::load_or_create_ca(dir_ / "push-ca.pem", dir_ / "push-ca.key", created);
        EXPECT_TRUE(ca) << (ca ? "" : ca.error().message);
        peer::ServerOptions o;
        o.deviations = deviations;
        o.webpush.enabled = webpush;
        o.webpush.push_ca = dir_ / "push-ca.pem";
        auto started = peer::Server::start(o);
        EXPECT_TRUE(started) << (started ? "" : started.error().message);
        if (!started) return;
        server_ = std::move(*started);
        target.name = "reference peer";
        target.profiles = {"webpush-server"};
        target.imap = server_->endpoints().imap;
        target.smtp = server_->endpoints().submission;
        target.delivery = {DeliveryKind::lmtp, server_->endpoints().lmtp};
        target.tls.ca_file = server_->ca_file().string();
        for (const auto& u : server_->accounts())
            target.accounts.push_back({u.address, u.address, u.password});
        if (give_ca) {
            WebPushEndpoint w;
            w.ca_cert_file = dir_ / "push-ca.pem";
            w.ca_key_file = dir_ / "push-ca.key";
            target.webpush = w;
        }
    }
    ~PeerTarget() {
        server_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    Target target;

  private:
    static inline int counter_ = 0;
    fs::path dir_;
    std::unique_ptr<peer::Server> server_;
};

TEST(WebPushSuiteOnPeer, EveryTestPassesOnTheReferencePeer) {
    PeerTarget peer;
    const Verdicts v = run_webpush(peer.target);
    EXPECT_GE(v.by_test.size(), 14u);
    // pass, or info where a test also records which MAY behaviour the peer chose.
    for (const auto& [id, r] : v.by_test)
        EXPECT_TRUE(r.verdict == Verdict::pass || r.verdict == Verdict::info)
            << id << ": " << r.reason << "\n"
            << v.summary();
    // Measured, for docs/webpush.md: delivery (LMTP) to push received at the endpoint.
    for (const char* id : {"webpush.push.new-message", "webpush.subscribe.validate"})
        for (const auto& e : v.at(id).transcript)
            if (e.data.find(" ms after ") != std::string::npos)
                std::cout << "[ measure  ] " << id << ": " << e.data << "\n";
    // The MAY records are there, as info findings inside passing tests.
    EXPECT_EQ(v.requirement("webpush.vapid.key", "webpush.vapid.per-user"), Verdict::info);
}

struct Caught {
    const char* deviation;
    const char* test;
    const char* requirement;
    Verdict expected;
};

TEST(WebPushSuiteOnPeer, EachWebPushDeviationIsCaughtByItsTest) {
    const Caught cases[] = {
        {"webpush-before-login", "webpush.capability.after-login",
         "webpush.capability.not-before-auth", Verdict::warn},
        {"webpush-unencrypted", "webpush.subscribe.validate", "webpush.encryption.rfc8291",
         Verdict::fail},
        {"webpush-foreign-vapid-key", "webpush.subscribe.validate", "webpush.vapid.signed",
         Verdict::fail},
        {"webpush-no-created", "webpush.subscribe.stored-form", "webpush.subscribe.created-added",
         Verdict::fail},
        {"webpush-accept-bad-id", "webpush.subscribe.id-rules", "webpush.subscribe.id-rules",
         Verdict::fail},
        {"webpush-push-mdn", "webpush.push.no-mdn", "webpush.push.no-mdn", Verdict::fail},
        {"webpush-accept-wrong-validation", "webpush.validate.rejects", "webpush.validate.no",
         Verdict::fail},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.deviation);
        auto d = peer::deviation_from_name(c.deviation);
        ASSERT_TRUE(d) << c.deviation << " is not a peer deviation";
        peer::Deviations ds;
        ds.add(*d);
        PeerTarget peer(ds);
        const Verdicts v = run_webpush(peer.target, {c.test});
        EXPECT_EQ(v.at(c.test).verdict, c.expected) << v.summary();
        EXPECT_EQ(v.requirement(c.test, c.requirement), c.expected) << v.summary();
        // The deviation breaks exactly one requirement: the test's others still pass.
        for (const auto& f : v.at(c.test).findings) {
            if (f.requirement == c.requirement) continue;
            EXPECT_TRUE(f.verdict == Verdict::pass || f.verdict == Verdict::info)
                << f.requirement << ": expected " << f.expected << " / seen " << f.seen;
        }
    }
}

TEST(WebPushSuiteOnPeer, WithoutWebPushTheCapabilityFailsAndTheRestIsNotApplicable) {
    PeerTarget peer({}, false);
    const Verdicts v = run_webpush(peer.target);
    EXPECT_EQ(v.requirement("webpush.capability.after-login", "webpush.capability.advertised"),
              Verdict::fail);
    for (const auto& [id, r] : v.by_test) {
        if (id == "webpush.capability.after-login") continue;
        EXPECT_EQ(r.verdict, Verdict::not_applicable) << id;
        EXPECT_NE(r.reason.find("WEBPUSH"), std::string::npos) << id << ": " << r.reason;
    }
}

TEST(WebPushSuiteOnPeer, WithoutAWebPushSectionPushTestsAreNotApplicable) {
    PeerTarget peer({}, true, false);
    const Verdicts v = run_webpush(peer.target);
    for (const char* id : {"webpush.subscribe.validate", "webpush.push.new-message",
                           "webpush.push.no-mdn", "webpush.response.gone"}) {
        EXPECT_EQ(v.at(id).verdict, Verdict::not_applicable) << id;
        EXPECT_NE(v.at(id).reason.find("[webpush]"), std::string::npos) << v.at(id).reason;
    }
    // What needs no push still runs.
    EXPECT_EQ(v.at("webpush.subscribe.id-rules").verdict, Verdict::pass) << v.summary();
    EXPECT_EQ(v.at("webpush.vapid.key").verdict, Verdict::info) << v.summary();  // + the MAY
    EXPECT_EQ(v.requirement("webpush.vapid.key", "webpush.vapid.pem-base64"), Verdict::pass);
}

}  // namespace
}  // namespace coitest::suites
