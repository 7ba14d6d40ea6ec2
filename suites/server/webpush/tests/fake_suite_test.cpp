// Each webpush check against the scripted fake server: the correct fake passes every test, and
// each knob that breaks one rule makes the test citing that rule fail (or warn, for a SHOULD) --
// with the other checks of that test unaffected where they do not depend on the broken step.
#include "fake_webpush_server.hpp"
#include "suite_harness.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>

namespace coitest::suites {
namespace {

namespace fs = std::filesystem;
using testing::FakeWebPushOptions;
using testing::FakeWebPushServer;
using testing::run_webpush;
using testing::Verdicts;

class FakeSuite : public ::testing::Test {
  protected:
    fs::path dir = fs::temp_directory_path() /
                   ("coitest-wpfake-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pushservice::CaMaterial ca;

    void SetUp() override {
        fs::create_directories(dir);
        bool created = false;
        ca = pushservice::load_or_create_ca(dir / "ca.pem", dir / "ca.key", created).value();
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    Verdicts run(const FakeWebPushOptions& o, std::vector<std::string> tests) {
        FakeWebPushServer fake(o, ca);
        return run_webpush(fake.target(dir / "ca.pem", dir / "ca.key"), std::move(tests));
    }

    // The broken fake: `test` ends with `verdict`, and `requirement` is the reason.
    void expect_caught(const FakeWebPushOptions& broken, const std::string& test,
                       const std::string& requirement, Verdict verdict) {
        SCOPED_TRACE(test + " / " + requirement);
        const Verdicts v = run(broken, {test});
        EXPECT_EQ(v.requirement(test, requirement), verdict) << v.summary();
        EXPECT_EQ(v.at(test).verdict, verdict) << v.summary();
    }
};

TEST_F(FakeSuite, TheCorrectFakePassesEveryTest) {
    const Verdicts v = run({}, {});
    EXPECT_GE(v.by_test.size(), 14u);
    for (const auto& [id, r] : v.by_test)
        EXPECT_TRUE(r.verdict == Verdict::pass || r.verdict == Verdict::info)
            << id << ": " << r.reason << "\n"
            << v.summary();
}

TEST_F(FakeSuite, VapidKeyNotInPemFormFails) {
    FakeWebPushOptions o;
    o.vapid = FakeWebPushOptions::Vapid::raw_point;
    expect_caught(o, "webpush.vapid.key", "webpush.vapid.pem-base64", Verdict::fail);
    o.vapid = FakeWebPushOptions::Vapid::none;
    expect_caught(o, "webpush.vapid.key", "webpush.vapid.metadata", Verdict::fail);
    // Base64 of the PEM text is the other reading of the spec's words: accepted.
    o.vapid = FakeWebPushOptions::Vapid::base64_of_pem;
    const Verdicts v = run(o, {"webpush.vapid.key"});
    EXPECT_EQ(v.requirement("webpush.vapid.key", "webpush.vapid.pem-base64"), Verdict::pass);
}

TEST_F(FakeSuite, SubscribeRulesBroken) {
    FakeWebPushOptions o;
    o.check_id = false;
    expect_caught(o, "webpush.subscribe.id-rules", "webpush.subscribe.id-rules", Verdict::fail);
    o = {};
    o.check_msgtype = false;
    expect_caught(o, "webpush.subscribe.msgtype-values", "webpush.subscribe.msgtype-values",
                  Verdict::warn);
    o = {};
    o.keep_unknown_keys = true;
    expect_caught(o, "webpush.subscribe.stored-form", "webpush.subscribe.unknown-keys-dropped",
                  Verdict::warn);
    o = {};
    o.created = FakeWebPushOptions::Created::epoch_number;
    expect_caught(o, "webpush.subscribe.stored-form", "webpush.subscribe.created-added",
                  Verdict::fail);
    o = {};
    o.add_validated = false;
    expect_caught(o, "webpush.subscribe.stored-form", "webpush.list.depth-one", Verdict::fail);
    o = {};
    o.several = false;
    expect_caught(o, "webpush.subscribe.several-and-unsubscribe",
                  "webpush.subscribe.several-clients", Verdict::fail);
    o = {};
    o.nil_removes = false;
    expect_caught(o, "webpush.subscribe.several-and-unsubscribe", "webpush.unsubscribe.nil",
                  Verdict::fail);
    expect_caught(o, "webpush.unsubscribe.stops-pushes", "webpush.unsubscribe.nil", Verdict::fail);
    o = {};
    o.max_subscriptions = 0;
    expect_caught(o, "webpush.subscribe.limit", "webpush.subscribe.limit", Verdict::warn);
    o = {};
    o.limit_answers_bad = true;
    expect_caught(o, "webpush.subscribe.limit", "webpush.subscribe.limit-no", Verdict::fail);
}

TEST_F(FakeSuite, ValidationBroken) {
    FakeWebPushOptions o;
    o.validation_header = false;
    expect_caught(o, "webpush.subscribe.validate", "webpush.validation.header", Verdict::fail);
    o = {};
    o.validation_extra_member = true;
    expect_caught(o, "webpush.subscribe.validate", "webpush.validation.payload", Verdict::fail);
    o = {};
    o.send_ttl = false;
    expect_caught(o, "webpush.subscribe.validate", "webpush.request.ttl", Verdict::fail);
    o = {};
    o.validate_accepts_anything = true;
    expect_caught(o, "webpush.validate.rejects", "webpush.validate.no", Verdict::fail);
}

TEST_F(FakeSuite, NoValidationPushFailsAndMakesPushTestsNotApplicable) {
    FakeWebPushOptions o;
    o.send_validation = false;
    const Verdicts v = run(o, {"webpush.subscribe.validate", "webpush.push.new-message"});
    EXPECT_EQ(v.requirement("webpush.subscribe.validate", "webpush.validation.push"),
              Verdict::fail);
    EXPECT_EQ(v.at("webpush.push.new-message").verdict, Verdict::not_applicable);
}

TEST_F(FakeSuite, MessagePushesBroken) {
    FakeWebPushOptions o;
    o.wrong_uid = true;
    expect_caught(o, "webpush.push.new-message", "webpush.payload.fields", Verdict::warn);
    o = {};
    o.reuse_sender_key = true;
    expect_caught(o, "webpush.push.new-message", "webpush.encryption.ephemeral-key", Verdict::fail);
    o = {};
    o.oversize_payload = true;
    expect_caught(o, "webpush.push.new-message", "webpush.payload.size", Verdict::warn);
    o = {};
    o.cut_inside_utf8 = true;
    expect_caught(o, "webpush.payload.truncation", "webpush.payload.truncation", Verdict::fail);
    o = {};
    o.ignore_msgtype = true;
    expect_caught(o, "webpush.push.msgtype-filter", "webpush.push.msgtype-filter", Verdict::fail);
    o = {};
    o.push_mdn = true;
    expect_caught(o, "webpush.push.no-mdn", "webpush.push.no-mdn", Verdict::fail);
}

TEST_F(FakeSuite, PushServiceAnswersIgnored) {
    FakeWebPushOptions o;
    o.honour_gone = false;
    expect_caught(o, "webpush.response.gone", "webpush.response.gone", Verdict::warn);
    o = {};
    o.honour_retry_after = false;
    expect_caught(o, "webpush.response.retry-after", "webpush.response.retry-after", Verdict::warn);
}

}  // namespace
}  // namespace coitest::suites
