#include "peer/webpush_rules.hpp"

#include "peer/mime.hpp"
#include "webpush/base64url.hpp"
#include "webpush/p256.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>

namespace coitest::peer::push {

namespace {

using ordered_json = nlohmann::ordered_json;

Error refused(std::string why) {
    return make_error(ErrorKind::protocol, std::move(why));
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// Keys are written in base64url (RFC 8291 §4); some clients use the standard alphabet or pad.
// Both decode to the same octets, so the peer accepts either spelling.
std::string decode_key(std::string_view text) {
    std::string normal(text);
    for (char& c : normal) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    auto d = coitest::webpush::base64url_decode(normal);
    return d ? *d : std::string();
}

// Nesting depth of a JSON text, strings skipped; parsing something deeper is refused before the
// parser sees it (a value of 64 KiB of brackets must not cost recursion).
std::size_t json_depth(std::string_view text) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
        if ((c == '}' || c == ']') && depth > 0) --depth;
    }
    return deepest;
}

// A member that must be a string when present.
Result<std::optional<std::string>> optional_string(const nlohmann::json& obj, const char* name,
                                                   std::size_t max) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::optional<std::string>();
    if (!it->is_string()) return refused(fmt::format("\"{}\" must be a string", name));
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max)
        return refused(
            fmt::format("\"{}\" is {} octets long; at most {} are allowed", name, s.size(), max));
    return std::optional<std::string>(s);
}

Result<std::string> required_string(const nlohmann::json& obj, const char* name, std::size_t max) {
    auto s = optional_string(obj, name, max);
    if (!s) return s.error();
    if (!*s) return refused(fmt::format("\"{}\" is missing", name));
    return **s;
}

}  // namespace

std::string_view to_string(MsgType t) {
    switch (t) {
        case MsgType::chat:
            return "chat";
        case MsgType::mail:
            return "mail";
        case MsgType::all:
            return "all";
    }
    return "all";
}

std::optional<MsgType> msgtype_from(std::string_view text) {
    if (text == "chat") return MsgType::chat;
    if (text == "mail") return MsgType::mail;
    if (text == "all") return MsgType::all;
    return std::nullopt;
}

bool wants(MsgType t, bool chat_message) {
    switch (t) {
        case MsgType::chat:
            return chat_message;
        case MsgType::mail:
            return !chat_message;
        case MsgType::all:
            return true;
    }
    return false;
}

std::optional<WebPushEntry> classify_entry(std::string_view entry) {
    if (entry != kPrefix && !entry.starts_with(std::string(kPrefix) + "/")) return std::nullopt;
    WebPushEntry e;
    if (entry == kVapidEntry) {
        e.kind = WebPushEntry::Kind::vapid;
        return e;
    }
    if (entry == kSubscriptionsEntry) {
        e.kind = WebPushEntry::Kind::subscriptions;
        return e;
    }
    const std::string parent = std::string(kSubscriptionsEntry) + "/";
    if (!entry.starts_with(parent)) return e;  // other
    std::string_view rest = entry.substr(parent.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
        e.kind = WebPushEntry::Kind::subscription;
        e.id = std::string(rest);
        return e;
    }
    if (rest.substr(slash + 1) == "validate") {
        e.kind = WebPushEntry::Kind::validate;
        e.id = std::string(rest.substr(0, slash));
    }
    return e;
}

std::string subscription_entry(std::string_view id) {
    return fmt::format("{}/{}", kSubscriptionsEntry, id);
}

Result<void> check_subscription_id(std::string_view id) {
    if (id.size() < 10 || id.size() > 36)
        return refused(fmt::format(
            "the subscription ID is {} characters long; it must have 10 to 36", id.size()));
    for (char c : id) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                        (c >= 'a' && c <= 'z') || c == '-' || c == '_';
        if (!ok)
            return refused(
                fmt::format("the subscription ID holds '{}'; only [0-9A-Za-z_-] are allowed", c));
    }
    return {};
}

std::string Subscription::p256dh_point() const {
    return decode_key(p256dh);
}

std::string Subscription::auth_secret() const {
    return decode_key(auth);
}

Result<Subscription> parse_subscription_request(std::string_view text,
                                                const SubscriptionLimits& limits) {
    if (json_depth(text) > limits.max_depth)
        return refused(fmt::format("the JSON nests deeper than {} levels", limits.max_depth));
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return refused("the subscription is not valid JSON");
    if (!j.is_object()) return refused("the subscription must be a JSON object");
    Subscription s;
    auto client = optional_string(j, "client", limits.max_name);
    if (!client) return client.error();
    s.client = *client;
    auto device = optional_string(j, "device", limits.max_name);
    if (!device) return device.error();
    s.device = *device;
    // msgtype has no default in the spec; a subscription without one is refused rather than
    // guessed, so a client learns of its mistake at once.
    auto msgtype = required_string(j, "msgtype", 16);
    if (!msgtype) return msgtype.error();
    const auto type = msgtype_from(*msgtype);
    if (!type)
        return refused(
            fmt::format("\"msgtype\" is \"{}\"; only chat, mail or all (lower case)", *msgtype));
    s.msgtype = *type;

    const auto resource = j.find("resource");
    if (resource == j.end() || !resource->is_object())
        return refused("\"resource\" must be an object with endpoint and keys");
    auto endpoint = required_string(*resource, "endpoint", limits.max_endpoint);
    if (!endpoint) return make_error(ErrorKind::protocol, "resource." + endpoint.error().message);
    if (auto url = parse_https_url(*endpoint); !url)
        return refused(fmt::format("resource.endpoint: {}", url.error().message));
    s.endpoint = *endpoint;

    const auto keys = resource->find("keys");
    if (keys == resource->end() || !keys->is_object())
        return refused("\"resource.keys\" must be an object with p256dh and auth");
    auto p256dh = required_string(*keys, "p256dh", limits.max_p256dh);
    if (!p256dh) return make_error(ErrorKind::protocol, "resource.keys." + p256dh.error().message);
    s.p256dh = *p256dh;
    const std::string point = s.p256dh_point();
    if (point.size() != 65 || point[0] != '\x04')
        return refused(
            "resource.keys.p256dh must be the base64url uncompressed P-256 point (65 octets)");
    if (auto key = coitest::webpush::P256PublicKey::from_point(point); !key)
        return refused(
            fmt::format("resource.keys.p256dh is not a point on P-256: {}", key.error().message));
    auto auth = required_string(*keys, "auth", 64);
    if (!auth) return make_error(ErrorKind::protocol, "resource.keys." + auth.error().message);
    s.auth = *auth;
    if (s.auth_secret().size() != 16)
        return refused("resource.keys.auth must be 16 octets, base64url");
    return s;
}

Result<Subscription> parse_stored_subscription(std::string_view text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return refused("stored subscription is not JSON");
    Subscription s;
    auto str = [&](const nlohmann::json& o, const char* name) -> std::optional<std::string> {
        const auto it = o.find(name);
        if (it == o.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
    };
    s.client = str(j, "client");
    s.device = str(j, "device");
    s.created = str(j, "created");
    if (const auto v = j.find("validated"); v != j.end() && v->is_boolean())
        s.validated = v->get<bool>();
    s.msgtype = msgtype_from(str(j, "msgtype").value_or("all")).value_or(MsgType::all);
    const auto r = j.find("resource");
    if (r == j.end() || !r->is_object()) return refused("stored subscription has no resource");
    s.endpoint = str(*r, "endpoint").value_or("");
    const auto k = r->find("keys");
    if (k != r->end() && k->is_object()) {
        s.p256dh = str(*k, "p256dh").value_or("");
        s.auth = str(*k, "auth").value_or("");
    }
    return s;
}

std::string to_json(const Subscription& s) {
    ordered_json j;
    if (s.created) j["created"] = *s.created;
    j["validated"] = s.validated;
    if (s.client) j["client"] = *s.client;
    if (s.device) j["device"] = *s.device;
    j["msgtype"] = std::string(to_string(s.msgtype));
    j["resource"] = {{"endpoint", s.endpoint}, {"keys", {{"p256dh", s.p256dh}, {"auth", s.auth}}}};
    // Client strings may hold invalid UTF-8; they are stored with U+FFFD rather than refused.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<HttpsUrl> parse_https_url(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (url.size() < scheme.size() || !iequal(url.substr(0, scheme.size()), scheme))
        return refused("the push endpoint must be an https:// URL");
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return refused("the URL holds spaces or non-ASCII octets");
    }
    std::string_view rest = url.substr(scheme.size());
    const auto path_at = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_at);
    std::string target(path_at == std::string_view::npos ? "/" : rest.substr(path_at));
    if (const auto hash = target.find('#'); hash != std::string::npos) target.resize(hash);
    if (target.empty() || target[0] == '?') target.insert(0, "/");
    if (authority.find('@') != std::string_view::npos)
        return refused("the URL must not carry user information");
    HttpsUrl u;
    std::string_view port_text;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return refused("unterminated IPv6 address in URL");
        u.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return refused("garbage after the IPv6 address in URL");
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (u.host.empty()) return refused("the URL has no host");
    for (auto& c : u.host) c = lower(c);
    if (!port_text.empty()) {
        unsigned long port = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9' || port > 65535)
                return refused("the URL's port is not a number");
            port = port * 10 + static_cast<unsigned long>(c - '0');
        }
        if (port == 0 || port > 65535) return refused("the URL's port is out of range");
        u.port = static_cast<std::uint16_t>(port);
    }
    u.target = std::move(target);
    const std::string host =
        u.host.find(':') != std::string::npos ? fmt::format("[{}]", u.host) : u.host;
    u.origin = u.port == 443 ? fmt::format("https://{}", host)
                             : fmt::format("https://{}:{}", host, u.port);
    return u;
}

bool is_disposition_notification(std::string_view message) {
    const auto fields = mime::parse_header(message);
    const auto value = mime::header_value(fields, "Content-Type");
    if (!value) return false;
    const mime::ContentType ct = mime::parse_content_type(*value);
    if (!iequal(ct.type, "multipart") || !iequal(ct.subtype, "report")) return false;
    const auto report = ct.param("report-type");
    return report && iequal(*report, "disposition-notification");
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", tm);
}

}  // namespace coitest::peer::push
