// The sans-I/O parts of the peer's WEBPUSH extension: subscription IDs and JSON, msgtype,
// disposition-notification detection, payload building and shortening, request building and
// the reaction to push-service answers.
#include "peer/webpush_rules.hpp"
#include "peer/webpush_payload.hpp"
#include "peer/webpush_request.hpp"
#include "webpush/base64url.hpp"
#include "webpush/push_message.hpp"
#include "webpush/vapid.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <set>

namespace coitest::peer::push {
namespace {

namespace wp = coitest::webpush;
using nlohmann::json;

// A user agent: its key pair and auth secret, as a browser would make them.
struct UserAgent {
    wp::P256PrivateKey key = *wp::P256PrivateKey::generate();
    std::string auth = std::string("0123456789abcdef");
    std::string p256dh() const {
        return wp::base64url_encode(key.public_key().uncompressed_point());
    }
    std::string auth_b64() const { return wp::base64url_encode(auth); }
};

json subscription(const UserAgent& ua, std::string msgtype = "chat",
                  std::string endpoint = "https://push.example/p/abc") {
    return json{
        {"client", "coitest"},
        {"device", "unit test"},
        {"msgtype", msgtype},
        {"resource",
         {{"endpoint", endpoint}, {"keys", {{"p256dh", ua.p256dh()}, {"auth", ua.auth_b64()}}}}}};
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

// --- IDs ---------------------------------------------------------------------------------

TEST(WebPushId, LengthAndCharset) {
    EXPECT_TRUE(check_subscription_id("abcdefghij"));                            // 10
    EXPECT_TRUE(check_subscription_id("31754ee7-d3ee-4226-b112-6895ed26fcf8"));  // 36
    EXPECT_TRUE(check_subscription_id("A_b-C_d-E_9"));
    EXPECT_FALSE(check_subscription_id("abcdefghi"));                              // 9
    EXPECT_FALSE(check_subscription_id("31754ee7-d3ee-4226-b112-6895ed26fcf8a"));  // 37
    EXPECT_FALSE(check_subscription_id("abcde.fghij"));
    EXPECT_FALSE(check_subscription_id("abcde fghij"));
    EXPECT_FALSE(
        check_subscription_id("abcde\xC3\xA9"
                              "fghij"));
    EXPECT_FALSE(check_subscription_id(""));
}

TEST(WebPushId, EntryClassification) {
    const std::string base(kSubscriptionsEntry);
    auto e = classify_entry(base + "/abcdefghij");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, WebPushEntry::Kind::subscription);
    EXPECT_EQ(e->id, "abcdefghij");
    e = classify_entry(base + "/abcdefghij/validate");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, WebPushEntry::Kind::validate);
    EXPECT_EQ(e->id, "abcdefghij");
    EXPECT_EQ(classify_entry(base + "/abcdefghij/other")->kind, WebPushEntry::Kind::other);
    EXPECT_EQ(classify_entry(std::string(kVapidEntry))->kind, WebPushEntry::Kind::vapid);
    EXPECT_EQ(classify_entry(base)->kind, WebPushEntry::Kind::subscriptions);
    EXPECT_FALSE(classify_entry("/private/vendor/vendor.dovecot/coi/config/enabled"));
    EXPECT_FALSE(classify_entry("/private/vendor/vendor.dovecot/webpushx"));
}

// --- subscription JSON ---------------------------------------------------------------------

TEST(WebPushSubscription, WellFormedIsAcceptedAndStoredWithoutUnknownKeys) {
    UserAgent ua;
    json j = subscription(ua);
    j["unknown"] = {{"nested", 1}};
    j["resource"]["extra"] = "x";
    j["created"] = "1999-01-01T00:00:00Z";  // the server's member, not the client's
    j["validated"] = true;
    auto s = parse_subscription_request(j.dump());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->msgtype, MsgType::chat);
    EXPECT_EQ(s->p256dh_point(), ua.key.public_key().uncompressed_point());
    EXPECT_EQ(s->auth_secret(), ua.auth);
    EXPECT_FALSE(s->created);
    EXPECT_FALSE(s->validated);
    s->created = "2024-01-02T03:04:05Z";
    const json stored = json::parse(to_json(*s));
    EXPECT_FALSE(stored.contains("unknown"));
    EXPECT_FALSE(stored["resource"].contains("extra"));
    EXPECT_EQ(stored["created"], "2024-01-02T03:04:05Z");
    EXPECT_EQ(stored["validated"], false);
    EXPECT_EQ(stored["client"], "coitest");
    EXPECT_EQ(stored["resource"]["keys"]["p256dh"], ua.p256dh());
    // Stored and read back: the same subscription.
    auto back = parse_stored_subscription(to_json(*s));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->endpoint, s->endpoint);
    EXPECT_EQ(back->created, s->created);
}

TEST(WebPushSubscription, MsgtypeOnlyTheThreeLowerCaseValues) {
    UserAgent ua;
    for (const char* ok : {"chat", "mail", "all"})
        EXPECT_TRUE(parse_subscription_request(subscription(ua, ok).dump())) << ok;
    for (const char* bad : {"Chat", "MAIL", "All", "chat ", "", "any"})
        EXPECT_FALSE(parse_subscription_request(subscription(ua, bad).dump())) << bad;
    json missing = subscription(ua);
    missing.erase("msgtype");
    EXPECT_FALSE(parse_subscription_request(missing.dump()));
    json number = subscription(ua);
    number["msgtype"] = 1;
    EXPECT_FALSE(parse_subscription_request(number.dump()));
}

TEST(WebPushSubscription, LengthLimits) {
    UserAgent ua;
    json j = subscription(ua);
    j["client"] = std::string(128, 'c');
    EXPECT_TRUE(parse_subscription_request(j.dump()));
    j["client"] = std::string(129, 'c');
    EXPECT_FALSE(parse_subscription_request(j.dump()));
    j = subscription(ua);
    j["device"] = std::string(126, 'd') + "\xC3\xA9";  // 128 octets, 127 characters
    EXPECT_TRUE(parse_subscription_request(j.dump()));
    j["device"] = std::string(127, 'd') + "\xC3\xA9";  // 129 octets
    EXPECT_FALSE(parse_subscription_request(j.dump()));

    const std::string prefix = "https://push.example/";
    j = subscription(ua, "all", prefix + std::string(512 - prefix.size(), 'e'));
    EXPECT_TRUE(parse_subscription_request(j.dump()));
    j = subscription(ua, "all", prefix + std::string(513 - prefix.size(), 'e'));
    EXPECT_FALSE(parse_subscription_request(j.dump()));
    j = subscription(ua);
    j["resource"]["keys"]["p256dh"] = ua.p256dh() + std::string(300, 'A');
    EXPECT_FALSE(parse_subscription_request(j.dump()));
}

TEST(WebPushSubscription, EndpointMustBeHttps) {
    UserAgent ua;
    EXPECT_TRUE(parse_subscription_request(subscription(ua, "all", "HTTPS://x.example").dump()));
    for (const char* bad : {"http://push.example/p", "push.example/p", "https://", "https:///p",
                            "https://user@push.example/p", "https://push.example:99999/p",
                            "https://push example/p", "ftp://push.example"})
        EXPECT_FALSE(parse_subscription_request(subscription(ua, "all", bad).dump())) << bad;
}

TEST(WebPushSubscription, KeysMustBeUsable) {
    UserAgent ua;
    json j = subscription(ua);
    // Standard base64 with padding is the same key spelled differently: accepted.
    std::string std_b64 = ua.p256dh();
    for (char& c : std_b64) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    j["resource"]["keys"]["p256dh"] = std_b64;
    EXPECT_TRUE(parse_subscription_request(j.dump()));
    // Not on the curve: the public point with one bit of Y flipped.
    std::string point = ua.key.public_key().uncompressed_point();
    point[64] = static_cast<char>(point[64] ^ 1);
    j["resource"]["keys"]["p256dh"] = wp::base64url_encode(point);
    EXPECT_FALSE(parse_subscription_request(j.dump()));
    // The compressed form is not what RFC 8291 §4 asks for.
    const std::string pt = ua.key.public_key().uncompressed_point();
    const char sign = (static_cast<unsigned char>(pt[64]) & 1) ? '\x03' : '\x02';
    j["resource"]["keys"]["p256dh"] = wp::base64url_encode(std::string(1, sign) + pt.substr(1, 32));
    EXPECT_FALSE(parse_subscription_request(j.dump()));
    j["resource"]["keys"]["p256dh"] = "not base64!";
    EXPECT_FALSE(parse_subscription_request(j.dump()));
    j = subscription(ua);
    j["resource"]["keys"]["auth"] = wp::base64url_encode(std::string(15, 'a'));
    EXPECT_FALSE(parse_subscription_request(j.dump()));
    j["resource"]["keys"]["auth"] = wp::base64url_encode(std::string(17, 'a'));
    EXPECT_FALSE(parse_subscription_request(j.dump()));
    j["resource"]["keys"]["auth"] = "tBHItJI5svbpez7KI4CCXg==";  // the spec's example form
    EXPECT_TRUE(parse_subscription_request(j.dump()));
    j["resource"]["keys"].erase("auth");
    EXPECT_FALSE(parse_subscription_request(j.dump()));
}

TEST(WebPushSubscription, HostileJsonIsRefusedNotCrashed) {
    EXPECT_FALSE(parse_subscription_request(""));
    EXPECT_FALSE(parse_subscription_request("[]"));
    EXPECT_FALSE(parse_subscription_request("\"chat\""));
    EXPECT_FALSE(parse_subscription_request("{\"msgtype\":"));
    EXPECT_FALSE(parse_subscription_request(std::string(60000, '[') + std::string(60000, ']')));
    EXPECT_FALSE(parse_subscription_request("{\"msgtype\":\"chat\",\"resource\":[]}"));
    EXPECT_FALSE(
        parse_subscription_request("{\"msgtype\":\"chat\",\"resource\":{\"endpoint\":1}}"));
}

// --- msgtype and MDNs --------------------------------------------------------------------------

TEST(WebPushMsgtype, ChatMailAll) {
    EXPECT_TRUE(wants(MsgType::chat, true));
    EXPECT_FALSE(wants(MsgType::chat, false));
    EXPECT_FALSE(wants(MsgType::mail, true));
    EXPECT_TRUE(wants(MsgType::mail, false));
    EXPECT_TRUE(wants(MsgType::all, true));
    EXPECT_TRUE(wants(MsgType::all, false));
}

TEST(WebPushMdn, DispositionNotificationsAreRecognised) {
    EXPECT_TRUE(is_disposition_notification(
        "Content-Type: multipart/report; report-type=disposition-notification;\r\n"
        " boundary=\"b\"\r\n\r\n--b--\r\n"));
    EXPECT_TRUE(
        is_disposition_notification("From: a@x\r\ncontent-type: Multipart/Report; boundary=b; "
                                    "Report-Type=\"Disposition-Notification\"\r\n\r\n"));
    EXPECT_FALSE(is_disposition_notification(
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"));
    EXPECT_FALSE(is_disposition_notification(
        "Content-Type: multipart/mixed; report-type=disposition-notification\r\n\r\n"));
    EXPECT_FALSE(is_disposition_notification("Subject: disposition-notification\r\n\r\nhi"));
    // Only the top level counts: an MDN forwarded inside another message is a normal message.
    EXPECT_FALSE(is_disposition_notification(
        "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/report; "
        "report-type=disposition-notification; boundary=b\r\n\r\n--b--\r\n--o--\r\n"));
}

// --- payload -------------------------------------------------------------------------------

json payload_of(std::string_view message, std::string_view folder = "INBOX") {
    PayloadInput in;
    in.message = message;
    in.uid = 7;
    in.uidvalidity = 4242;
    in.folder = folder;
    const std::string text = build_payload(in);
    EXPECT_LE(text.size(), 3993u);
    return json::parse(text);
}

TEST(WebPushPayload, TheListedFields) {
    const json p = payload_of(
        "From: \"Alice Example\" <Alice@Example.ORG>\r\nTo: bob@example.org\r\n"
        "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nDate: Tue, 31 Dec 2019 23:20:50 +0100\r\n"
        "Message-ID: <chat$2923892892@domain.com>\r\nChat-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "hello \xC3\xA9\r\n");
    EXPECT_EQ(p["from-email"], "alice@example.org");
    EXPECT_EQ(p["from-name"], "Alice Example");
    EXPECT_EQ(p["subject"],
              "Gr\xC3\xBC\xC3\x9F"
              "e");
    EXPECT_EQ(p["content"], "hello \xC3\xA9\r\n");
    EXPECT_FALSE(p.contains("content-type"));      // text/plain
    EXPECT_FALSE(p.contains("content-encoding"));  // 8bit
    EXPECT_EQ(p["date"], "2019-12-31T23:20:50+01:00");
    EXPECT_EQ(p["msg-id"], "chat$2923892892@domain.com");
    EXPECT_EQ(p["uid"], 7);
    EXPECT_EQ(p["uidvalidity"], 4242);
    EXPECT_EQ(p["folder"], "INBOX");
    EXPECT_FALSE(p.contains("group-id"));
}

TEST(WebPushPayload, OptionalFieldsLeftOut) {
    const json p = payload_of("From: bob@example.org\r\nSubject:   \r\n\r\nbody");
    EXPECT_EQ(p["from-email"], "bob@example.org");
    EXPECT_FALSE(p.contains("from-name"));
    EXPECT_FALSE(p.contains("subject"));
    EXPECT_FALSE(p.contains("date"));
    EXPECT_FALSE(p.contains("msg-id"));
    EXPECT_EQ(p["content"], "body");
    EXPECT_EQ(p["content-encoding"], "7bit");  // absent means 7bit, which is not 8bit
    EXPECT_FALSE(p.contains("content-type"));
    const json q = payload_of("From: bob@example.org\r\n\r\nx", std::string(199, 'f'));
    EXPECT_TRUE(q.contains("folder"));
    const json r = payload_of("From: bob@example.org\r\n\r\nx", std::string(201, 'f'));
    EXPECT_FALSE(r.contains("folder"));
}

TEST(WebPushPayload, ContentTypeAndEncodingAccompanyContent) {
    const json p = payload_of(
        "From: a@x.example\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: Quoted-Printable\r\n\r\n<p>hi=3D</p>");
    EXPECT_EQ(p["content"], "<p>hi=3D</p>");
    EXPECT_EQ(p["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(p["content-encoding"], "quoted-printable");
    const json latin =
        payload_of("From: a@x.example\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nx");
    EXPECT_EQ(latin["content-type"], "text/plain; charset=iso-8859-1");
}

TEST(WebPushPayload, ContentOnlyWhenTheEncryptedPushStaysWithin4096) {
    const std::string head = "From: a@x.example\r\nContent-Type: text/html\r\n\r\n";
    const json big = payload_of(head + std::string(5000, 'x'));
    EXPECT_FALSE(big.contains("content"));
    EXPECT_FALSE(big.contains("content-type"));
    EXPECT_FALSE(big.contains("content-encoding"));
    EXPECT_EQ(big["from-email"], "a@x.example");
    const json small = payload_of(head + std::string(3000, 'x'));
    EXPECT_TRUE(small.contains("content"));
    // A body that is not UTF-8 cannot travel as a JSON string unchanged: left out.
    const json binary = payload_of(head + std::string("\xFF\xFE", 2));
    EXPECT_FALSE(binary.contains("content"));
}

TEST(WebPushPayload, GroupIdForCoiGroupMessages) {
    EXPECT_EQ(group_id("Message-ID: <chat$group.4321dcba1234.S2571BC.2878&8@sample.com>\r\n\r\n"),
              "4321dcba1234");
    EXPECT_EQ(group_id("Message-ID: <chat$x.1@sample.com>\r\n"
                       "References: <chat$group.abcdefabcdef.1@s.com> <other@s.com>\r\n\r\n"),
              "abcdefabcdef");
    EXPECT_FALSE(group_id("Message-ID: <chat$2923892892@domain.com>\r\n\r\n"));
    EXPECT_FALSE(
        group_id("Message-ID: <m@x>\r\nReferences: <m0@x> <chat$group.abcdefabcdef.1@s>\r\n\r\n"));
    const json p = payload_of(
        "From: a@x.example\r\nMessage-ID: <chat$group.4321dcba1234.S2571BC@sample.com>\r\n\r\nhi");
    EXPECT_EQ(p["group-id"], "4321dcba1234");
    const std::string long_id(129, 'g');
    EXPECT_FALSE(payload_of("From: a@x.example\r\nMessage-ID: <chat$group." + long_id +
                            ".1@s.com>\r\n\r\nhi")
                     .contains("group-id"));
}

// Shortening keeps whole characters and escapes, at least `limit` octets of JSON text, then …
TEST(WebPushTruncation, NeverInsideUtf8OrEscapes) {
    const std::string ellipsis = "\xE2\x80\xA6";
    const std::vector<std::string> units = {
        "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\"", "\\", "\x01", "\n"};
    for (const auto& unit : units) {
        for (std::size_t pad = 90; pad <= 100; ++pad) {
            const std::string original = std::string(pad, 'a') + unit + unit + std::string(20, 'b');
            bool cut = false;
            const std::string escaped = json_escape_shortened(original, 100, &cut);
            ASSERT_TRUE(cut);
            const json decoded = json::parse("\"" + escaped + "\"");  // never a broken escape
            const std::string value = decoded.get<std::string>();
            ASSERT_TRUE(valid_utf8(value)) << pad;
            ASSERT_TRUE(value.ends_with(ellipsis));
            const std::string kept = value.substr(0, value.size() - ellipsis.size());
            EXPECT_TRUE(original.starts_with(kept)) << "pad " << pad;
            // At least the first 100 octets (as JSON text) survive.
            EXPECT_GE(escaped.size() - ellipsis.size(), 100u) << "pad " << pad;
            EXPECT_LT(escaped.size() - ellipsis.size(), 100u + 6) << "pad " << pad;
        }
    }
    bool cut = true;
    EXPECT_EQ(json_escape_shortened(std::string(100, 'a'), 100, &cut), std::string(100, 'a'));
    EXPECT_FALSE(cut);
    EXPECT_EQ(json_escape_shortened(std::string(99, 'a') + "\xC3\xA9", 100, &cut),
              std::string(99, 'a') + "\xC3\xA9");  // ends exactly with the last character
    EXPECT_FALSE(cut);
}

TEST(WebPushTruncation, SubjectWithMultiByteAtTheBoundaryInThePayload) {
    // 98 ASCII octets, then three-octet characters across the 100-octet mark.
    const std::string subject = std::string(98, 's') + "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC";
    const json p = payload_of("From: a@x.example\r\nSubject: " + subject + "\r\n\r\n");
    const std::string got = p["subject"];
    EXPECT_EQ(got, std::string(98, 's') + "\xE2\x82\xAC" + "\xE2\x80\xA6");
    // from-email and msg-id shorten the same way.
    const std::string local(150, 'l');
    const json q =
        payload_of("From: <" + local + "@x.example>\r\nMessage-ID: <" + local + "@id>\r\n\r\n");
    EXPECT_EQ(q["from-email"], local.substr(0, 100) + "\xE2\x80\xA6");
    EXPECT_EQ(q["msg-id"], local.substr(0, 100) + "\xE2\x80\xA6");
}

TEST(WebPushTruncation, InvalidUtf8BecomesReplacementCharacters) {
    EXPECT_EQ(json_escape("a\xFF"
                          "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(json_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    EXPECT_EQ(json_escape("q\"\\\x1f"), "q\\\"\\\\\\u001f");
}

// --- requests and answers --------------------------------------------------------------------

PushJob job_for(const UserAgent& ua, bool validation) {
    PushJob j;
    j.account = "alice@example.org";
    j.subscription_id = "abcdefghij";
    j.endpoint = "https://push.example:8443/p/xyz?q=1";
    j.p256dh = ua.key.public_key().uncompressed_point();
    j.auth = ua.auth;
    j.payload = validation ? R"({"validation":"v"})" : R"({"uid":1})";
    j.validation = validation;
    return j;
}

std::string header(const PushRequest& r, std::string_view name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return "<absent>";
}

TEST(WebPushRequest, EncryptedSignedAndFreshEachTime) {
    UserAgent ua;
    VapidKeys keys{*wp::P256PrivateKey::generate(), std::nullopt};
    RequestSettings settings;
    settings.now = 1700000000;
    std::set<std::string> keyids;
    for (int i = 0; i < 2; ++i) {
        auto r = build_push_request(job_for(ua, true), keys, settings, {});
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->url.origin, "https://push.example:8443");
        EXPECT_EQ(r->url.target, "/p/xyz?q=1");
        EXPECT_EQ(header(*r, "Content-Encoding"), "aes128gcm");
        EXPECT_EQ(header(*r, "TTL"), "86400");
        EXPECT_EQ(header(*r, "WebPush-Validation"), "");
        auto plain = wp::decrypt_push(ua.key, ua.auth, r->body);
        ASSERT_TRUE(plain) << plain.error().message;
        EXPECT_EQ(plain->plaintext, R"({"validation":"v"})");
        keyids.insert(plain->header.keyid);
        auto creds = wp::parse_vapid_authorization(header(*r, "Authorization"));
        ASSERT_TRUE(creds);
        wp::VapidExpectations expect;
        expect.audience = "https://push.example:8443";
        expect.now = settings.now;
        expect.expected_key = keys.published.public_key();
        auto claims = wp::verify_vapid(*creds, expect);
        ASSERT_TRUE(claims) << claims.error().message;
        EXPECT_EQ(claims->sub, "mailto:postmaster@coitest.invalid");
        EXPECT_LE(claims->exp, settings.now + 24 * 3600);
    }
    EXPECT_EQ(keyids.size(), 2u);  // a fresh sender key for every push
    auto message = build_push_request(job_for(ua, false), keys, settings, {});
    ASSERT_TRUE(message);
    EXPECT_EQ(header(*message, "WebPush-Validation"), "<absent>");
}

TEST(WebPushRequest, DeviationsChangeWhatIsSent) {
    UserAgent ua;
    VapidKeys keys{*wp::P256PrivateKey::generate(), *wp::P256PrivateKey::generate()};
    RequestSettings settings;
    settings.now = 1700000000;
    Deviations unencrypted;
    unencrypted.add(Deviation::webpush_unencrypted);
    auto r = build_push_request(job_for(ua, false), keys, settings, unencrypted);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, R"({"uid":1})");
    EXPECT_EQ(header(*r, "Content-Encoding"), "<absent>");
    Deviations foreign;
    foreign.add(Deviation::webpush_foreign_vapid_key);
    r = build_push_request(job_for(ua, false), keys, settings, foreign);
    ASSERT_TRUE(r);
    auto creds = wp::parse_vapid_authorization(header(*r, "Authorization"));
    ASSERT_TRUE(creds);
    EXPECT_TRUE(creds->key == keys.foreign->public_key());
    EXPECT_FALSE(creds->key == keys.published.public_key());
}

TEST(WebPushResponse, Classification) {
    using K = ResponseAction::Kind;
    EXPECT_EQ(classify_response(201, "", 0).kind, K::delivered);
    EXPECT_EQ(classify_response(404, "", 0).kind, K::gone);
    EXPECT_EQ(classify_response(410, "", 0).kind, K::gone);
    EXPECT_EQ(classify_response(400, "", 0).kind, K::failed);
    EXPECT_EQ(classify_response(413, "", 0).kind, K::failed);
    EXPECT_EQ(classify_response(0, "", 0).kind, K::retry);
    EXPECT_EQ(classify_response(503, "", 0).kind, K::retry);
    const auto a = classify_response(429, " 7 ", 0);
    EXPECT_EQ(a.kind, K::retry);
    ASSERT_TRUE(a.retry_after);
    EXPECT_EQ(a.retry_after->count(), 7);
    EXPECT_FALSE(classify_response(429, "", 0).retry_after);
    EXPECT_FALSE(classify_response(429, "soon", 0).retry_after);
    // HTTP-date: 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
    const auto d = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->count(), 30);
}

TEST(WebPushUrl, OriginAndTarget) {
    auto u = parse_https_url("https://Push.Example/a/b");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "push.example");
    EXPECT_EQ(u->port, 443);
    EXPECT_EQ(u->origin, "https://push.example");
    EXPECT_EQ(u->target, "/a/b");
    u = parse_https_url("https://127.0.0.1:4433");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->origin, "https://127.0.0.1:4433");
    EXPECT_EQ(u->target, "/");
    u = parse_https_url("https://[::1]:8443/x#frag");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->origin, "https://[::1]:8443");
    EXPECT_EQ(u->target, "/x");
}

}  // namespace
}  // namespace coitest::peer::push
