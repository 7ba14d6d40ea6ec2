// open_push without sockets: each problem it names is provoked by one broken request and absent
// from the correct one.
#include "test_support.hpp"

#include <gmock/gmock.h>

namespace coitest::pushservice {
namespace {

using testing::good_push;
using ::testing::HasSubstr;
using testing::now_seconds;
using testing::ok;
using A = OpenedPush::Aspect;

constexpr const char* kAudience = "https://127.0.0.1:4433";

class OpenPush : public ::testing::Test {
  protected:
    Subscription sub = ok(make_subscription("abc", std::string(kAudience) + "/push/abc"));
    webpush::P256PrivateKey vapid = ok(webpush::P256PrivateKey::generate());

    RecordedRequest recorded(const HttpsRequest& r) {
        RecordedRequest rec;
        rec.subscription_id = sub.id;
        rec.method = "POST";
        rec.target = "/push/abc";
        rec.headers = r.headers;
        rec.body = r.body;
        return rec;
    }
    RecordedRequest good(const std::string& plaintext = R"({"uid":1})") {
        return recorded(good_push(sub, vapid, kAudience, plaintext));
    }
    static void set_header(RecordedRequest& r, const std::string& name, const std::string& value) {
        for (auto& [k, v] : r.headers)
            if (k == name) v = value;
    }
    static void drop_header(RecordedRequest& r, const std::string& name) {
        std::erase_if(r.headers, [&](const auto& h) { return h.first == name; });
    }
};

TEST_F(OpenPush, ACorrectPushHasNoProblem) {
    OpenOptions o;
    o.expected_vapid_key = vapid.public_key();
    const auto opened = open_push(good("hello"), sub, kAudience, o);
    EXPECT_TRUE(opened.ok()) << opened.describe();
    EXPECT_EQ(opened.plaintext, "hello");
    EXPECT_EQ(opened.ttl, 60);
    ASSERT_TRUE(opened.vapid_key);
    EXPECT_TRUE(*opened.vapid_key == vapid.public_key());
    EXPECT_EQ(opened.vapid_claims->sub, "mailto:test@coitest.invalid");
}

TEST_F(OpenPush, ContentEncodingMissingOrWrong) {
    auto r = good();
    drop_header(r, "Content-Encoding");
    auto opened = open_push(r, sub, kAudience);
    EXPECT_EQ(opened.problems.size(), 1u) << opened.describe();
    EXPECT_THAT(opened.describe(A::content_encoding), HasSubstr("no Content-Encoding"));
    EXPECT_EQ(opened.plaintext, R"({"uid":1})");  // the body itself is fine

    r = good();
    set_header(r, "Content-Encoding", "aesgcm");
    opened = open_push(r, sub, kAudience);
    EXPECT_THAT(opened.describe(A::content_encoding), HasSubstr("'aesgcm', not aes128gcm"));
    set_header(r, "Content-Encoding", " AES128GCM ");  // tokens are case-insensitive
    EXPECT_TRUE(open_push(r, sub, kAudience).ok());
}

TEST_F(OpenPush, TtlMissingOrNotANumber) {
    auto r = good();
    drop_header(r, "TTL");
    EXPECT_THAT(open_push(r, sub, kAudience).describe(A::ttl), HasSubstr("no TTL"));
    for (const char* bad : {"", "-1", "1.5", "soon", "99999999999999999999"}) {
        r = good();
        set_header(r, "TTL", bad);
        auto opened = open_push(r, sub, kAudience);
        EXPECT_TRUE(opened.has(A::ttl)) << bad;
        EXPECT_FALSE(opened.ttl) << bad;
    }
    r = good();
    set_header(r, "TTL", "0");
    EXPECT_EQ(open_push(r, sub, kAudience).ttl, 0);
}

TEST_F(OpenPush, VapidMissingMalformedForeignOrForAnotherAudience) {
    auto r = good();
    drop_header(r, "Authorization");
    EXPECT_THAT(open_push(r, sub, kAudience).describe(A::vapid), HasSubstr("no Authorization"));

    r = good();
    set_header(r, "Authorization", "Bearer abc");
    EXPECT_TRUE(open_push(r, sub, kAudience).has(A::vapid));

    // Signed by a key other than the published one.
    OpenOptions o;
    o.expected_vapid_key = ok(webpush::P256PrivateKey::generate()).public_key();
    auto opened = open_push(good(), sub, kAudience, o);
    EXPECT_TRUE(opened.has(A::vapid));
    EXPECT_EQ(opened.problems.size(), 1u) << opened.describe();

    // aud names another origin.
    EXPECT_TRUE(open_push(good(), sub, "https://127.0.0.1:1", {}).has(A::vapid));

    // Expired.
    r = good();
    webpush::VapidClaims old{kAudience, now_seconds() - 10, "mailto:x@y"};
    set_header(r, "Authorization", ok(webpush::vapid_authorization(vapid, old)));
    EXPECT_TRUE(open_push(r, sub, kAudience).has(A::vapid));

    // Oversize header value: refused before parsing.
    r = good();
    set_header(r, "Authorization", "vapid t=" + std::string(20000, 'a'));
    EXPECT_THAT(open_push(r, sub, kAudience).describe(A::vapid), HasSubstr("too long"));
}

TEST_F(OpenPush, UndecryptableBodies) {
    // Encrypted to another subscription's keys.
    const auto other = ok(make_subscription("other", "https://x/push/other"));
    auto r = recorded(good_push(other, vapid, kAudience, "secret"));
    auto opened = open_push(r, sub, kAudience);
    EXPECT_TRUE(opened.has(A::decryption));
    EXPECT_FALSE(opened.plaintext);
    EXPECT_TRUE(opened.ece);  // the header still parsed: keyid and salt are reported

    // Plain JSON sent as if it were encrypted.
    r = good();
    r.body = R"({"uid":1})";
    EXPECT_TRUE(open_push(r, sub, kAudience).has(A::decryption));

    // A flipped octet in the ciphertext.
    r = good();
    r.body.back() ^= 1;
    EXPECT_TRUE(open_push(r, sub, kAudience).has(A::decryption));

    r = good();
    r.body.clear();
    EXPECT_THAT(open_push(r, sub, kAudience).describe(A::decryption), HasSubstr("no body"));
}

TEST_F(OpenPush, EveryProblemIsNamedNotOnlyTheFirst) {
    RecordedRequest r;
    r.subscription_id = sub.id;
    r.body = "not encrypted";
    const auto opened = open_push(r, sub, kAudience);
    EXPECT_TRUE(opened.has(A::content_encoding));
    EXPECT_TRUE(opened.has(A::ttl));
    EXPECT_TRUE(opened.has(A::vapid));
    EXPECT_TRUE(opened.has(A::decryption));
    EXPECT_THAT(opened.describe(), HasSubstr("TTL: no TTL header"));
}

TEST_F(OpenPush, AFreshKeyIdPerPush) {
    // What the ephemeral-key judgement rests on: two correct pushes carry different keyids.
    const auto a = open_push(good(), sub, kAudience);
    const auto b = open_push(good(), sub, kAudience);
    ASSERT_TRUE(a.ece && b.ece);
    EXPECT_NE(a.ece->keyid, b.ece->keyid);
    EXPECT_NE(a.ece->salt, b.ece->salt);
}

}  // namespace
}  // namespace coitest::pushservice
