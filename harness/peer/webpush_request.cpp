#include "peer/webpush_request.hpp"

#include "peer/mime.hpp"
#include "webpush/push_message.hpp"
#include "webpush/vapid.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coitest::peer::push {

namespace wp = coitest::webpush;

Result<PushRequest> build_push_request(const PushJob& job, const VapidKeys& keys,
                                       const RequestSettings& settings,
                                       const Deviations& deviations) {
    auto url = parse_https_url(job.endpoint);
    if (!url) return url.error();
    PushRequest req;
    req.url = std::move(*url);
    req.headers.emplace_back("TTL", std::to_string(settings.ttl));

    if (deviations.has(Deviation::webpush_unencrypted)) {
        req.headers.emplace_back("Content-Type", "application/json");
        req.body = job.payload;
    } else {
        auto ua = wp::P256PublicKey::from_point(job.p256dh);
        if (!ua) return ua.error();
        const wp::Subscriber to{*ua, job.auth};
        // Default options: a fresh sender key pair and salt, discarded when this returns
        // (webpush-spec "Push Message Encryption").
        auto body = wp::encrypt_push(to, job.payload);
        if (!body) return body.error();
        req.headers.emplace_back("Content-Encoding", "aes128gcm");
        req.headers.emplace_back("Content-Type", "application/octet-stream");
        req.body = std::move(*body);
    }

    const wp::P256PrivateKey& signer =
        deviations.has(Deviation::webpush_foreign_vapid_key) && keys.foreign ? *keys.foreign
                                                                             : keys.published;
    wp::VapidClaims claims;
    claims.aud = req.url.origin;
    claims.exp = settings.now + std::min<std::int64_t>(settings.jwt_lifetime.count(), 24 * 3600);
    claims.sub = settings.subject;
    auto auth = wp::vapid_authorization(signer, claims);
    if (!auth) return auth.error();
    req.headers.emplace_back("Authorization", std::move(*auth));
    // The validation push carries the header with no value (webpush-spec "Sending a Validation
    // Push Message").
    if (job.validation) req.headers.emplace_back("WebPush-Validation", "");
    return req;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::int64_t now_seconds) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (value.size() > 9) return std::chrono::seconds(999999999);  // absurd; capped later
        return std::chrono::seconds(std::stoll(std::string(value)));
    }
    // An HTTP-date (IMF-fixdate, "GMT") reads as an RFC 5322 date.
    if (auto d = mime::parse_rfc5322_date(value)) {
        const long long delta = *d - now_seconds;
        return std::chrono::seconds(delta > 0 ? delta : 0);
    }
    return std::nullopt;
}

ResponseAction classify_response(unsigned status, std::string_view retry_after,
                                 std::int64_t now_seconds) {
    ResponseAction a;
    if (status >= 200 && status < 300) {
        a.kind = ResponseAction::Kind::delivered;
    } else if (status == 404 || status == 410) {
        a.kind = ResponseAction::Kind::gone;
    } else if (status == 0 || status == 429 || status >= 500) {
        a.kind = ResponseAction::Kind::retry;
        a.retry_after = parse_retry_after(retry_after, now_seconds);
    } else {
        a.kind = ResponseAction::Kind::failed;
    }
    return a;
}

}  // namespace coitest::peer::push
