#include "suites/server/webpush/common.hpp"

#include "webpush/base64url.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <exception>

namespace coitest::suites::webpush_suite {

namespace asio = boost::asio;
using json = nlohmann::json;

std::string subscription_entry(std::string_view id) {
    return fmt::format("{}/{}", kSubscriptions, id);
}

std::string new_registration_id() {
    unsigned char octets[15];
    if (RAND_bytes(octets, sizeof octets) != 1)
        throw ErrorException(make_error(ErrorKind::internal, "the random generator failed"));
    return webpush::base64url_encode(
        std::string_view(reinterpret_cast<const char*>(octets), sizeof octets));
}

std::string shown(std::string_view text, std::size_t max) {
    std::string out;
    for (char c : text.substr(0, max)) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    if (text.size() > max) out += fmt::format("... ({} octets)", text.size());
    return out;
}

// --- the run ---------------------------------------------------------------------------------

pushservice::PushService& WebPushRun::endpoint(const asio::any_io_executor& executor,
                                               bool need_trust) {
    if (service_) {
        if (need_trust && !trusted_)
            ctx_.not_applicable(
                "the target file has no [webpush] section, so the server under test cannot "
                "trust coitest's push endpoint (docs/target.md)");
        return *service_;
    }
    pushservice::PushServiceOptions options;
    const auto& wp = ctx_.target().webpush;
    if (wp) {
        // Created when neither file exists (the run is single-threaded: no two tests race).
        bool created = false;
        auto ca = pushservice::load_or_create_ca(wp->ca_cert_file, wp->ca_key_file, created);
        if (!ca)
            ctx_.environment_error(
                fmt::format("the push endpoint's CA named in [webpush] cannot be used: {}",
                            ca.error().message));
        if (created)
            ctx_.note(
                fmt::format("created the push endpoint's CA {}: configure the server under "
                            "test to trust it",
                            wp->ca_cert_file.string()));
        options.ca = std::move(*ca);
        options.listen = wp->listen;
        options.public_host = wp->host;
        trusted_ = true;
    } else if (need_trust) {
        ctx_.not_applicable(
            "the target file has no [webpush] section, so the server under test cannot trust "
            "coitest's push endpoint (docs/target.md)");
    }
    auto started = pushservice::PushService::start(executor, std::move(options));
    service_ = ctx_.need(std::move(started), "starting coitest's push endpoint");
    ctx_.note(fmt::format("push endpoint at {}", service_->origin()));
    return *service_;
}

void WebPushRun::removed(std::size_t account, std::string_view id) {
    std::erase_if(created_, [&](const Created& c) { return c.account == account && c.id == id; });
}

asio::awaitable<void> WebPushRun::cleanup() {
    std::vector<std::size_t> accounts;
    for (const auto& c : created_)
        if (std::find(accounts.begin(), accounts.end(), c.account) == accounts.end())
            accounts.push_back(c.account);
    for (std::size_t account : accounts) {
        // A fresh connection: the test's own may be broken or mid-IDLE.
        const Account& a = ctx_.account(account);
        imap::SessionOptions options;
        options.connect = ctx_.connect_options("cleanup");
        auto connected =
            co_await imap::Session::connect(*ctx_.target().imap, options, ctx_.transcript());
        if (!connected) {
            ctx_.note("cleanup: cannot connect: " + connected.error().message);
            continue;
        }
        imap::Session s = std::move(*connected);
        auto login = co_await s.login(a.login, a.password);
        if (!login || !login->ok()) {
            ctx_.note("cleanup: login refused");
            continue;
        }
        for (const auto& c : created_) {
            if (c.account != account) continue;
            const std::vector<imap::MetadataEntry> nil{{subscription_entry(c.id), std::nullopt}};
            auto r = co_await s.setmetadata("", nil);
            if (!r || !r->ok())
                ctx_.note(fmt::format("cleanup: subscription {} not removed", c.id));
        }
        auto bye = co_await s.logout();
        (void)bye;
    }
    created_.clear();
    // Destroyed on the test's executor, after the server has been told to stop pushing.
    service_.reset();
}

TestCase webpush_test(std::string id, std::string title, std::string classname,
                      std::vector<std::string> requirements, std::vector<std::string> tags,
                      WebPushBody body, int accounts) {
    TestCase t;
    t.id = "webpush." + id;
    t.title = std::move(title);
    t.classname = std::move(classname);
    t.profile = "webpush-server";
    t.requirements = std::move(requirements);
    t.tags = std::move(tags);
    t.tags.push_back("webpush");
    t.accounts = accounts;
    t.body = [body = std::move(body)](TestContext& ctx) -> asio::awaitable<void> {
        WebPushRun run(ctx);
        std::exception_ptr failure;
        try {
            co_await body(ctx, run);
        } catch (...) {
            failure = std::current_exception();  // cleanup first; co_await is not allowed here
        }
        try {
            co_await run.cleanup();
        } catch (...) {
            // Cleanup is best effort; the verdict comes from the body.
        }
        if (failure) std::rethrow_exception(failure);
    };
    return t;
}

asio::awaitable<imap::Session> login_webpush(TestContext& ctx, std::string name,
                                             std::size_t account) {
    auto s = co_await login_imap(ctx, std::move(name), account);
    if (!s.has_capability("WEBPUSH")) {
        // Capabilities may not have come with the LOGIN completion: ask.
        auto caps = co_await s.capability();
        ctx.need(std::move(caps), "CAPABILITY");
    }
    if (!s.has_capability("WEBPUSH"))
        ctx.not_applicable(
            "the server does not advertise WEBPUSH after login (judged by "
            "webpush.capability.after-login)");
    co_return s;
}

std::string subscription_json(const pushservice::Subscription& sub, std::string_view msgtype,
                              const json& extra) {
    json j = {
        {"client", "coitest"},
        {"device", "coitest push endpoint"},
        {"msgtype", msgtype},
        {"resource",
         {{"endpoint", sub.endpoint}, {"keys", {{"p256dh", sub.p256dh}, {"auth", sub.auth}}}}}};
    for (const auto& [k, v] : extra.items()) j[k] = v;
    return j.dump();
}

asio::awaitable<imap::CommandResult> set_entry(TestContext& ctx, imap::Session& s,
                                               const std::string& entry,
                                               const std::optional<std::string>& value) {
    const std::vector<imap::MetadataEntry> entries{{entry, value}};
    auto r = co_await s.setmetadata("", entries);
    co_return ctx.need(std::move(r), fmt::format("SETMETADATA {}", entry));
}

asio::awaitable<Entry> get_entry(TestContext& ctx, imap::Session& s, const std::string& entry) {
    const std::vector<std::string> entries{entry};
    auto r = co_await s.getmetadata("", entries);
    auto got = ctx.need(std::move(r), fmt::format("GETMETADATA {}", entry));
    Entry out;
    out.status = describe_status(got.result);
    if (!got.result.ok()) co_return out;
    for (const auto& e : got.value)
        if (e.name == entry) out.value = e.value;
    co_return out;
}

const std::string* Listing::find(std::string_view id) const {
    for (const auto& [k, v] : subscriptions)
        if (k == id) return &v;
    return nullptr;
}

asio::awaitable<Listing> list_subscriptions(TestContext& ctx, imap::Session& s) {
    const std::vector<std::string> entries{std::string(kSubscriptions)};
    imap::MetadataOptions options;
    options.depth = "1";
    auto r = co_await s.getmetadata("", entries, options);
    auto got = ctx.need(std::move(r), "GETMETADATA (DEPTH 1) of the subscriptions");
    Listing out;
    out.ok = got.result.ok();
    out.status = describe_status(got.result);
    const std::string prefix = std::string(kSubscriptions) + "/";
    for (const auto& e : got.value) {
        if (!e.name.starts_with(prefix) || !e.value) continue;
        const std::string id = e.name.substr(prefix.size());
        if (id.find('/') != std::string::npos) continue;  // deeper than DEPTH 1 asked for
        out.subscriptions.emplace_back(id, *e.value);
    }
    co_return out;
}

VapidValue parse_vapid_value(std::string_view value) {
    VapidValue out;
    std::string_view v = value;
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' '))
        v.remove_suffix(1);
    while (!v.empty() && (v.front() == '\n' || v.front() == '\r' || v.front() == ' '))
        v.remove_prefix(1);
    if (v.starts_with("-----BEGIN PUBLIC KEY-----")) {
        out.form = "PEM";
        auto key = webpush::P256PublicKey::from_pem(std::string(v) + "\n");
        if (key)
            out.key = *key;
        else
            out.problem = "a PEM document that is not a P-256 public key: " + key.error().message;
        return out;
    }
    // The spec's words ("base 64-encoded form of the PEM encoded key") also read as base64 of
    // the PEM text: accepted, and said so.
    if (auto decoded = webpush::base64_decode(v, true);
        decoded && decoded->starts_with("-----BEGIN PUBLIC KEY-----")) {
        out.form = "base64 of a PEM document";
        auto key = webpush::P256PublicKey::from_pem(*decoded);
        if (key)
            out.key = *key;
        else
            out.problem =
                "base64 of a PEM document that is not a P-256 public key: " + key.error().message;
        return out;
    }
    if (auto point = webpush::base64url_decode(v);
        point && (point->size() == 65 || point->size() == 33)) {
        out.form = "a bare base64url EC point";
        out.problem = "a bare base64url EC point, not the PEM form";
        if (auto key = webpush::P256PublicKey::from_point(*point)) out.key = *key;
        return out;
    }
    out.form = "unrecognised";
    out.problem = "neither PEM nor base64 of a PEM public key";
    return out;
}

asio::awaitable<std::optional<webpush::P256PublicKey>> published_vapid_key(TestContext& ctx,
                                                                           imap::Session& s) {
    auto e = co_await get_entry(ctx, s, std::string(kVapidEntry));
    if (!e.value) co_return std::nullopt;
    co_return parse_vapid_value(*e.value).key;
}

std::optional<json> payload_of(const pushservice::RecordedRequest& request,
                               const pushservice::OpenedPush& opened, std::string& problem) {
    const std::string* text = opened.plaintext ? &*opened.plaintext : nullptr;
    if (!text) {
        json raw = json::parse(request.body, nullptr, false);
        if (raw.is_discarded() || !raw.is_object()) {
            problem = "the push did not decrypt: " +
                      opened.describe(pushservice::OpenedPush::Aspect::decryption);
            return std::nullopt;
        }
        return raw;  // sent in the clear
    }
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        problem = "the decrypted payload is not a JSON object (valid UTF-8): " + shown(*text);
        return std::nullopt;
    }
    return j;
}

asio::awaitable<std::optional<pushservice::RecordedRequest>> next_push(
    TestContext& ctx, pushservice::PushService& svc, const std::string& sub_id,
    std::chrono::steady_clock::duration window) {
    const auto deadline = std::min(std::chrono::steady_clock::now() + window, ctx.deadline());
    auto push = co_await svc.wait_for_push(sub_id, deadline);
    co_return push;
}

asio::awaitable<Validated> subscribe_validated(TestContext& ctx, WebPushRun& run, imap::Session& s,
                                               std::size_t account, std::string msgtype_in) {
    const std::string msgtype = std::move(msgtype_in);
    auto ex = co_await asio::this_coro::executor;
    auto& svc = run.endpoint(ex, true);
    auto sub = ctx.need(svc.subscribe(), "creating a push subscription at the endpoint");
    const std::string id = new_registration_id();
    const std::string entry = subscription_entry(id);
    const std::string value = subscription_json(sub, msgtype);
    auto stored = co_await set_entry(ctx, s, entry, value);
    if (!stored.ok())
        ctx.not_applicable(
            fmt::format("subscribing was answered {} (judged by webpush.subscribe.validate)",
                        describe_status(stored)));
    run.created(account, id);
    auto push = co_await next_push(ctx, svc, sub.id);
    if (!push)
        ctx.not_applicable(
            "no validation push arrived, so no subscription can be validated (judged by "
            "webpush.subscribe.validate)");
    std::string problem;
    auto payload = payload_of(*push, svc.open(*push), problem);
    if (!payload || !(*payload)["validation"].is_string())
        ctx.not_applicable(fmt::format(
            "the validation push cannot be read ({}; judged by webpush.subscribe.validate)",
            payload ? "no validation string" : problem));
    const std::string validation = (*payload)["validation"].get<std::string>();
    auto validated = co_await set_entry(ctx, s, entry + "/validate", validation);
    if (!validated.ok())
        ctx.not_applicable(fmt::format(
            "validating with the value of the validation push was answered {} (judged by "
            "webpush.subscribe.validate)",
            describe_status(validated)));
    co_return Validated{std::move(sub), id};
}

TestMessage webpush_message(TestContext& ctx, std::size_t from, std::size_t to, bool chat,
                            std::string subject, std::string from_name) {
    const std::string& from_addr = ctx.account(from).address;
    const std::string domain = from_addr.substr(from_addr.find('@') + 1);
    TestMessage m;
    // COI chat messages carry chat$ Message-IDs (coi-client-spec.md); plain mail does not.
    m.message_id = fmt::format("{}{}@{}", chat ? "chat$" : "", ctx.unique("coitest-push"), domain);
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    const std::string from_field = from_name.empty()
                                       ? fmt::format("<{}>", from_addr)
                                       : fmt::format("\"{}\" <{}>", from_name, from_addr);
    m.bytes = fmt::format(
        "From: {}\r\nTo: <{}>\r\nSubject: {}\r\nDate: {:%a, %d %b %Y %H:%M:%S +0000}\r\n"
        "Message-ID: <{}>\r\n{}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nHello from coitest.\r\n",
        from_field, ctx.account(to).address, subject, fmt::gmtime(now), m.message_id,
        chat ? "Chat-Version: 1.0\r\n" : "");
    return m;
}

TestMessage mdn_message(TestContext& ctx, std::size_t from, std::size_t to) {
    const std::string& from_addr = ctx.account(from).address;
    const std::string domain = from_addr.substr(from_addr.find('@') + 1);
    TestMessage m;
    m.message_id = fmt::format("chat${}@{}", ctx.unique("coitest-mdn"), domain);
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    m.bytes = fmt::format(
        "From: <{0}>\r\nTo: <{1}>\r\nSubject: Receipt Notification\r\n"
        "Date: {2:%a, %d %b %Y %H:%M:%S +0000}\r\nMessage-ID: <{3}>\r\nChat-Version: 1.0\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=disposition-notification; "
        "boundary=\"coitest-mdn\"\r\n\r\n"
        "--coitest-mdn\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "The message was displayed.\r\n"
        "--coitest-mdn\r\nContent-Type: message/disposition-notification\r\n\r\n"
        "Reporting-UA: coitest\r\nOriginal-Recipient: rfc822;{0}\r\n"
        "Final-Recipient: rfc822;{0}\r\nOriginal-Message-ID: <chat$original@{4}>\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
        "--coitest-mdn--\r\n",
        from_addr, ctx.account(to).address, fmt::gmtime(now), m.message_id, domain);
    return m;
}

void judge_transport(TestContext& ctx, const pushservice::OpenedPush& opened,
                     bool published_key_known, const std::string& where) {
    const bool coding = !opened.has(pushservice::OpenedPush::Aspect::content_encoding) &&
                        !opened.has(pushservice::OpenedPush::Aspect::decryption);
    ctx.check(
        "webpush.encryption.rfc8291", coding,
        "Content-Encoding: aes128gcm and a body that decrypts with the subscription's "
        "p256dh/auth (RFC 8291)",
        fmt::format("{}{}", opened.describe(pushservice::OpenedPush::Aspect::content_encoding),
                    opened.has(pushservice::OpenedPush::Aspect::content_encoding) &&
                            opened.has(pushservice::OpenedPush::Aspect::decryption)
                        ? "; "
                        : "") +
            opened.describe(pushservice::OpenedPush::Aspect::decryption),
        where);
    ctx.check("webpush.vapid.signed", !opened.has(pushservice::OpenedPush::Aspect::vapid),
              published_key_known
                  ? "Authorization: vapid t=<JWT for this endpoint's origin>, k=<the published "
                    "VAPID key>"
                  : "Authorization: vapid t=<JWT for this endpoint's origin>, k=<its key>",
              opened.describe(pushservice::OpenedPush::Aspect::vapid), where);
    ctx.check("webpush.request.ttl", !opened.has(pushservice::OpenedPush::Aspect::ttl),
              "a TTL header in seconds", opened.describe(pushservice::OpenedPush::Aspect::ttl),
              where);
}

}  // namespace coitest::suites::webpush_suite
