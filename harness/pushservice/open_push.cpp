// open_push: judging one recorded request as a Web Push message (sans-I/O).
#include "pushservice/push_service.hpp"
#include "webpush/push_message.hpp"

#include <fmt/format.h>

#include <chrono>

namespace coitest::pushservice {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// A header value as it may be quoted in a message: printable, and short.
std::string shown(std::string_view v) {
    std::string out;
    for (char c : v.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (v.size() > 80) out += "...";
    return out;
}

}  // namespace

std::string_view to_string(OpenedPush::Aspect aspect) {
    switch (aspect) {
        case OpenedPush::Aspect::content_encoding:
            return "Content-Encoding";
        case OpenedPush::Aspect::ttl:
            return "TTL";
        case OpenedPush::Aspect::vapid:
            return "VAPID";
        case OpenedPush::Aspect::decryption:
            return "decryption";
        case OpenedPush::Aspect::unknown_subscription:
            return "subscription";
    }
    return "?";
}

bool OpenedPush::has(Aspect aspect) const {
    for (const auto& p : problems)
        if (p.aspect == aspect) return true;
    return false;
}

std::string OpenedPush::describe(Aspect aspect) const {
    std::string out;
    for (const auto& p : problems)
        if (p.aspect == aspect) out += (out.empty() ? "" : "; ") + p.message;
    return out;
}

std::string OpenedPush::describe() const {
    std::string out;
    for (const auto& p : problems)
        out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", to_string(p.aspect), p.message);
    return out;
}

OpenedPush open_push(const RecordedRequest& request, const Subscription& subscription,
                     std::string_view audience, const OpenOptions& options) {
    using A = OpenedPush::Aspect;
    OpenedPush out;
    auto problem = [&](A aspect, std::string message) {
        out.problems.push_back({aspect, std::move(message)});
    };

    // RFC 8291 §4: the aes128gcm content coding, and it must say so.
    if (auto ce = request.header("Content-Encoding"); !ce)
        problem(A::content_encoding, "no Content-Encoding header (aes128gcm expected)");
    else if (!iequals(trim(*ce), "aes128gcm"))
        problem(A::content_encoding,
                fmt::format("Content-Encoding is '{}', not aes128gcm", shown(*ce)));

    // RFC 8030 §5.2: TTL is required, in delta-seconds.
    if (auto ttl = request.header("TTL"); !ttl) {
        problem(A::ttl, "no TTL header");
    } else {
        const std::string_view v = trim(*ttl);
        const bool digits = !v.empty() && v.size() <= 18 &&
                            v.find_first_not_of("0123456789") == std::string_view::npos;
        if (!digits)
            problem(A::ttl, fmt::format("TTL '{}' is not a number of seconds", shown(*ttl)));
        else
            out.ttl = std::stoll(std::string(v));
    }

    // RFC 8292: "Authorization: vapid t=<JWT>, k=<key>", verified against the endpoint's origin.
    if (auto auth = request.header("Authorization"); !auth) {
        problem(A::vapid, "no Authorization header");
    } else if (auth->size() > webpush::kMaxVapidHeaderValue) {
        problem(A::vapid, fmt::format("Authorization header of {} octets is too long to be VAPID",
                                      auth->size()));
    } else {
        auto creds = webpush::parse_vapid_authorization(*auth);
        if (!creds) {
            problem(A::vapid, creds.error().message);
        } else {
            out.vapid_key = creds->key;
            webpush::VapidExpectations expect;
            expect.audience = std::string(audience);
            expect.now = options.now ? options.now
                                     : std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count();
            expect.expected_key = options.expected_vapid_key;
            auto claims = webpush::verify_vapid(*creds, expect);
            if (!claims)
                problem(A::vapid, claims.error().message);
            else
                out.vapid_claims = std::move(*claims);
        }
    }

    // RFC 8291 §3-4: decrypt with the user agent's key and auth secret.
    if (request.body_over_limit) {
        problem(A::decryption, "the body was over the endpoint's size limit and was not kept");
    } else if (request.body.empty()) {
        problem(A::decryption, "the request has no body");
    } else {
        std::size_t header_length = 0;
        if (auto h = webpush::parse_ece_header(request.body, header_length)) out.ece = *h;
        auto decrypted = webpush::decrypt_push(subscription.ua_private, subscription.auth_secret,
                                               request.body, options.max_plaintext);
        if (!decrypted) {
            problem(A::decryption, decrypted.error().message);
        } else {
            out.ece = decrypted->header;
            out.plaintext = std::move(decrypted->plaintext);
        }
    }
    return out;
}

}  // namespace coitest::pushservice
