#include "fake_webpush_server.hpp"

#include "pushservice/https_client.hpp"
#include "webpush/base64url.hpp"
#include "webpush/push_message.hpp"
#include "webpush/vapid.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <strings.h>

#include <map>
#include <regex>

namespace coitest::suites::testing {

namespace asio = boost::asio;
using json = nlohmann::json;
using coitest::testing::PeerSocket;

namespace {

constexpr std::string_view kSubs = "/private/vendor/vendor.dovecot/webpush/subscriptions/";
constexpr std::string_view kVapid = "/private/vendor/vendor.dovecot/webpush/vapid";

struct Tok {
    enum Kind { atom, string, open, close } kind;
    std::string text;
};

// Quoted strings, atoms and parentheses of one command line (literals are spliced in by the
// reader as string tokens).
void tokenize(std::string_view s, std::vector<Tok>& out) {
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ') {
            ++i;
        } else if (c == '(') {
            out.push_back({Tok::open, "("});
            ++i;
        } else if (c == ')') {
            out.push_back({Tok::close, ")"});
            ++i;
        } else if (c == '"') {
            std::string v;
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\' && i + 1 < s.size()) ++i;
                v += s[i];
            }
            ++i;
            out.push_back({Tok::string, v});
        } else {
            std::size_t j = i;
            while (j < s.size() && s[j] != ' ' && s[j] != '(' && s[j] != ')') ++j;
            out.push_back({Tok::atom, std::string(s.substr(i, j - i))});
            i = j;
        }
    }
}

// "{12}" or "{12+}" at the end of `line`: the literal's size.
std::optional<std::size_t> literal_at_end(const std::string& line, bool& plus, std::size_t& at) {
    static const std::regex re(R"(\{(\d+)(\+?)\}$)");
    std::smatch m;
    if (!std::regex_search(line, m, re)) return std::nullopt;
    plus = m[2].length() > 0;
    at = static_cast<std::size_t>(m.position(0));
    return std::stoul(m[1].str());
}

asio::awaitable<std::optional<std::vector<Tok>>> read_command(PeerSocket& p) {
    std::vector<Tok> toks;
    std::string line = co_await p.read_until("\r\n");
    if (line.size() < 2) co_return std::nullopt;
    line.resize(line.size() - 2);
    for (;;) {
        bool plus = false;
        std::size_t at = 0;
        const auto n = literal_at_end(line, plus, at);
        if (!n) break;
        tokenize(std::string_view(line).substr(0, at), toks);
        if (!plus && !co_await p.send("+ go\r\n")) co_return std::nullopt;
        std::string acc;
        while (acc.size() < *n + 2) {
            std::string more = co_await p.read_until("\r\n");
            if (more.empty()) co_return std::nullopt;
            acc += more;
        }
        toks.push_back({Tok::string, acc.substr(0, *n)});
        line = acc.substr(*n, acc.size() - *n - 2);
    }
    tokenize(line, toks);
    co_return toks;
}

std::string literal(const std::string& v) {
    return fmt::format("{{{}}}\r\n{}", v.size(), v);
}

std::string header_of(const std::string& message, std::string_view name) {
    std::size_t pos = 0;
    while (pos < message.size()) {
        const auto end = message.find("\r\n", pos);
        const std::string line = message.substr(pos, end - pos);
        if (line.empty()) break;
        if (line.size() > name.size() && line[name.size()] == ':' &&
            strncasecmp(line.c_str(), std::string(name).c_str(), name.size()) == 0) {
            std::string v = line.substr(name.size() + 1);
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            return v;
        }
        if (end == std::string::npos) break;
        pos = end + 2;
    }
    return {};
}

std::string cut(const std::string& s, bool inside_utf8) {
    if (s.size() <= 100) return s;
    std::size_t n = 100;
    if (!inside_utf8)
        while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n) + "\xe2\x80\xa6";
}

std::string json_string_raw(const std::string& s) {  // escapes only what JSON must; no UTF-8 check
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

struct FakeWebPushServer::State {
    struct Sub {
        json stored;  // what GETMETADATA returns
        std::string endpoint, p256dh, auth, msgtype;
        bool validated = false;
        std::string validation;
    };
    struct Message {
        std::uint32_t uid;
        std::string bytes;
        bool chat;
    };
    struct User {
        std::map<std::string, Sub> subs;  // by registration ID, in ID order
        std::vector<std::string> order;   // insertion order (for "several = false")
        std::vector<Message> inbox;
        std::uint32_t next_uid = 1;
    };
    FakeWebPushOptions o;
    std::shared_ptr<asio::ssl::context> push_tls;
    webpush::P256PrivateKey vapid = webpush::P256PrivateKey::generate().value();
    webpush::P256PrivateKey fixed_sender = webpush::P256PrivateKey::generate().value();
    std::map<std::string, User> users{{"alice@example.org", {}}, {"bob@example.org", {}}};
    unsigned counter = 0;

    std::string capabilities(bool authed) const {
        std::string c = "IMAP4rev1 LITERAL+ AUTH=PLAIN";
        if (authed) c += " METADATA";
        if ((authed && o.webpush_after_login) || (!authed && o.webpush_before_login))
            c += " WEBPUSH";
        return c;
    }

    std::optional<std::string> vapid_value() const {
        const std::string pem = vapid.public_key().to_pem();
        switch (o.vapid) {
            case FakeWebPushOptions::Vapid::pem:
                return pem;
            case FakeWebPushOptions::Vapid::base64_of_pem:
                return webpush::base64_encode(pem);
            case FakeWebPushOptions::Vapid::raw_point:
                return webpush::base64url_encode(vapid.public_key().uncompressed_point());
            case FakeWebPushOptions::Vapid::none:
                return std::nullopt;
        }
        return std::nullopt;
    }

    // One push to `sub`; reacts to the answer as the knobs say.
    asio::awaitable<void> push(std::string user, std::string id, std::string payload,
                               bool validation) {
        auto& u = users[user];
        auto it = u.subs.find(id);
        if (it == u.subs.end()) co_return;
        const Sub sub = it->second;
        auto point = webpush::base64url_decode(sub.p256dh);
        auto auth = webpush::base64url_decode(sub.auth);
        if (!point || !auth) co_return;
        auto ua = webpush::P256PublicKey::from_point(*point);
        if (!ua) co_return;
        webpush::PushEncryptOptions eo;
        if (o.reuse_sender_key) eo.as_private = fixed_sender;
        if (payload.size() > 3993) eo.rs = static_cast<std::uint32_t>(payload.size() + 64);
        auto body = webpush::encrypt_push({*ua, *auth}, payload, eo);
        if (!body) co_return;
        auto url = pushservice::parse_https_url(sub.endpoint);
        if (!url) co_return;
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        const webpush::VapidClaims claims{fmt::format("https://{}:{}", url->host, url->port),
                                          now + 3600, "mailto:fake@example.org"};
        pushservice::HttpsRequest r;
        r.url = sub.endpoint;
        r.body = *body;
        r.headers = {{"Content-Encoding", "aes128gcm"},
                     {"Authorization", webpush::vapid_authorization(vapid, claims).value()}};
        if (o.send_ttl) r.headers.emplace_back("TTL", "3600");
        if (validation && o.validation_header) r.headers.emplace_back("WebPush-Validation", "");
        asio::steady_timer timer(co_await asio::this_coro::executor);
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto res = co_await pushservice::https_request(
                r, push_tls, std::chrono::steady_clock::now() + std::chrono::seconds(10));
            if (!res) co_return;
            if ((res->status == 404 || res->status == 410) && o.honour_gone) {
                users[user].subs.erase(id);
                co_return;
            }
            if (res->status != 429) co_return;
            const int wait =
                o.honour_retry_after ? std::stoi(res->header("Retry-After").value_or("1")) : 0;
            timer.expires_after(std::chrono::seconds(wait));
            auto w = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)w;
        }
    }

    void spawn_push(asio::any_io_executor ex, const std::string& user, const std::string& id,
                    std::string payload, bool validation) {
        asio::co_spawn(ex, push(user, id, std::move(payload), validation), asio::detached);
    }

    // SETMETADATA of one entry; returns the tagged status text.
    std::string set(asio::any_io_executor ex, const std::string& user, const std::string& entry,
                    const std::optional<std::string>& value) {
        auto& u = users[user];
        if (!entry.starts_with(kSubs)) return "NO [CANNOT] not allowed";
        std::string id = entry.substr(kSubs.size());
        if (id.ends_with("/validate")) {
            id.resize(id.size() - 9);
            auto it = u.subs.find(id);
            if (!value || it == u.subs.end()) return "NO [CANNOT] invalid validation";
            if (*value != it->second.validation && !o.validate_accepts_anything)
                return "NO [CANNOT] invalid validation";
            it->second.validated = true;
            if (o.add_validated) it->second.stored["validated"] = true;
            return "OK validated";
        }
        if (!value) {
            if (o.nil_removes) {
                u.subs.erase(id);
                std::erase(u.order, id);
            }
            return "OK";
        }
        static const std::regex id_re("[0-9A-Za-z_-]{10,36}");
        if (o.check_id && !std::regex_match(id, id_re)) return "NO [CANNOT] bad ID";
        json in = json::parse(*value, nullptr, false);
        if (!in.is_object() || !in.contains("resource")) return "NO [CANNOT] bad JSON";
        const std::string msgtype = in.value("msgtype", "all");
        if (o.check_msgtype && msgtype != "chat" && msgtype != "mail" && msgtype != "all")
            return "NO [CANNOT] bad msgtype";
        const bool replacing = u.subs.contains(id);
        if (!replacing && o.max_subscriptions && u.subs.size() >= o.max_subscriptions)
            return o.limit_answers_bad ? "BAD too many" : "NO [LIMIT] too many";
        if (!o.several && !replacing)
            for (const auto& old : u.order) u.subs.erase(old);
        if (!o.several) u.order.clear();
        Sub s;
        s.endpoint = in["resource"].value("endpoint", "");
        s.p256dh = in["resource"]["keys"].value("p256dh", "");
        s.auth = in["resource"]["keys"].value("auth", "");
        s.msgtype = msgtype;
        if (o.keep_unknown_keys) {
            s.stored = in;
        } else {
            for (const char* k : {"client", "device", "msgtype", "resource"})
                if (in.contains(k)) s.stored[k] = in[k];
        }
        if (o.created == FakeWebPushOptions::Created::rfc3339)
            s.stored["created"] =
                fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
        else if (o.created == FakeWebPushOptions::Created::epoch_number)
            s.stored["created"] = static_cast<std::int64_t>(std::time(nullptr));
        if (o.add_validated) s.stored["validated"] = false;
        s.validation = fmt::format("fake-{}-{}", ++counter, std::rand());
        u.subs[id] = s;
        u.order.push_back(id);
        if (o.send_validation) {
            json payload = {{"validation", s.validation}};
            if (o.validation_extra_member) payload["hello"] = "extra";
            spawn_push(ex, user, id, payload.dump(), true);
        }
        return "OK";
    }

    std::string payload_for(const Message& m) {
        const std::string from = header_of(m.bytes, "From");
        std::string email = from, name;
        if (auto lt = from.find('<'); lt != std::string::npos) {
            email = from.substr(lt + 1, from.find('>') - lt - 1);
            name = from.substr(0, lt);
            while (!name.empty() && name.back() == ' ') name.pop_back();
            if (name.size() >= 2 && name.front() == '"') name = name.substr(1, name.size() - 2);
        }
        std::string msg_id = header_of(m.bytes, "Message-ID");
        if (msg_id.size() >= 2) msg_id = msg_id.substr(1, msg_id.size() - 2);
        json j = {{"from-email", email},
                  {"msg-id", msg_id},
                  {"uid", o.wrong_uid ? m.uid + 1000 : m.uid},
                  {"uidvalidity", 42},
                  {"folder", "INBOX"},
                  {"date", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)))},
                  {"subject", "@@SUBJECT@@"}};
        if (!name.empty()) j["from-name"] = "@@NAME@@";
        if (o.oversize_payload) j["content"] = std::string(5000, 'x');
        std::string text = j.dump();
        auto put = [&](const std::string& marker, const std::string& value) {
            const auto at = text.find("\"" + marker + "\"");
            if (at != std::string::npos)
                text.replace(at, marker.size() + 2, json_string_raw(cut(value, o.cut_inside_utf8)));
        };
        put("@@SUBJECT@@", header_of(m.bytes, "Subject"));
        put("@@NAME@@", name);
        return text;
    }

    void deliver(asio::any_io_executor ex, const std::string& user, std::string bytes) {
        auto& u = users[user];
        const bool chat = !header_of(bytes, "Chat-Version").empty();
        const bool mdn =
            header_of(bytes, "Content-Type").find("disposition-notification") != std::string::npos;
        u.inbox.push_back({u.next_uid++, std::move(bytes), chat});
        const Message& m = u.inbox.back();
        if (mdn && !o.push_mdn) return;
        const std::string payload = payload_for(m);
        for (const auto& [id, s] : u.subs) {
            if (!s.validated) continue;
            const bool wanted =
                o.ignore_msgtype || s.msgtype == "all" || (s.msgtype == "chat") == chat;
            if (wanted) spawn_push(ex, user, id, payload, false);
        }
    }
};

namespace {

using StatePtr = std::shared_ptr<FakeWebPushServer::State>;

std::string metadata_line(const std::string& entry, const std::string& value) {
    return fmt::format("* METADATA \"\" ({} {})\r\n", entry, literal(value));
}

asio::awaitable<void> serve(StatePtr st, PeerSocket& p) {
    auto ex = co_await asio::this_coro::executor;
    std::string user;
    if (!co_await p.send("* OK fake WebPush server ready\r\n")) co_return;
    for (;;) {
        auto cmd = co_await read_command(p);
        if (!cmd || cmd->size() < 2) co_return;
        const std::vector<Tok>& t = *cmd;
        const std::string tag = t[0].text;
        std::string verb = t[1].text;
        for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        std::size_t i = 2;
        if (verb == "UID" && t.size() > 2) {
            verb = "UID " + t[2].text;
            for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            i = 3;
        }
        std::string out;
        if (verb == "CAPABILITY") {
            out = fmt::format("* CAPABILITY {}\r\n{} OK done\r\n", st->capabilities(!user.empty()),
                              tag);
        } else if (verb == "LOGIN" && t.size() >= 4) {
            if (st->users.contains(t[2].text) && t[3].text == "pw") {
                user = t[2].text;
                out = tag + " OK logged in\r\n";
            } else {
                out = tag + " NO [AUTHENTICATIONFAILED] no\r\n";
            }
        } else if (verb == "LOGOUT") {
            (void)co_await p.send("* BYE bye\r\n" + tag + " OK done\r\n");
            co_return;
        } else if (user.empty()) {
            out = tag + " BAD log in first\r\n";
        } else if (verb == "GETMETADATA") {
            bool depth = false;
            if (i < t.size() && t[i].kind == Tok::open) {
                for (; i < t.size() && t[i].kind != Tok::close; ++i)
                    if (t[i].text == "1") depth = true;
                ++i;
            }
            ++i;  // the mailbox ""
            std::vector<std::string> entries;
            for (; i < t.size(); ++i)
                if (t[i].kind == Tok::atom || t[i].kind == Tok::string)
                    entries.push_back(t[i].text);
            auto& u = st->users[user];
            for (const auto& e : entries) {
                if (e == kVapid) {
                    if (auto v = st->vapid_value()) out += metadata_line(e, *v);
                } else if (depth && e + "/" == kSubs) {
                    for (const auto& [id, s] : u.subs)
                        out += metadata_line(std::string(kSubs) + id, s.stored.dump());
                } else if (e.starts_with(kSubs)) {
                    if (auto it = u.subs.find(e.substr(kSubs.size())); it != u.subs.end())
                        out += metadata_line(e, it->second.stored.dump());
                }
            }
            out += tag + " OK done\r\n";
        } else if (verb == "SETMETADATA") {
            ++i;  // the mailbox ""
            std::string status = "OK";
            if (i < t.size() && t[i].kind == Tok::open) ++i;
            while (i + 1 < t.size() && t[i].kind != Tok::close) {
                const std::string entry = t[i].text;
                std::optional<std::string> value;
                if (!(t[i + 1].kind == Tok::atom && t[i + 1].text == "NIL")) value = t[i + 1].text;
                status = st->set(ex, user, entry, value);
                i += 2;
            }
            out = tag + " " + status + "\r\n";
        } else if (verb == "APPEND") {
            std::string bytes;
            for (; i < t.size(); ++i)
                if (t[i].kind == Tok::string) bytes = t[i].text;
            st->deliver(ex, user, bytes);
            out = tag + " OK appended\r\n";
        } else if (verb == "EXAMINE" || verb == "SELECT") {
            out = fmt::format("* {} EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n{} OK done\r\n",
                              st->users[user].inbox.size(), tag);
        } else if (verb == "UID SEARCH") {
            std::string wanted = t.back().text;
            std::string hits;
            for (const auto& m : st->users[user].inbox)
                if (m.bytes.find(wanted) != std::string::npos) hits += " " + std::to_string(m.uid);
            out = fmt::format("* SEARCH{}\r\n{} OK done\r\n", hits, tag);
        } else if (verb == "UID FETCH" && i < t.size()) {
            const auto uid = static_cast<std::uint32_t>(std::stoul(t[i].text));
            for (const auto& m : st->users[user].inbox)
                if (m.uid == uid)
                    out += fmt::format("* {} FETCH (UID {} FLAGS ({}))\r\n", m.uid, m.uid,
                                       m.chat ? "$Chat" : "");
            out += tag + " OK done\r\n";
        } else {
            out = tag + " OK done\r\n";
        }
        if (!co_await p.send(out)) co_return;
    }
}

}  // namespace

FakeWebPushServer::FakeWebPushServer(FakeWebPushOptions options, pushservice::CaMaterial push_ca)
    : state_(std::make_shared<State>()) {
    state_->o = options;
    state_->push_tls = pushservice::client_tls_trusting(push_ca.cert_pem).value();
    auto st = state_;
    peer_ = std::make_unique<coitest::testing::FakePeer>(
        io_, [st](PeerSocket& p) -> asio::awaitable<void> { co_await serve(st, p); });
    thread_ = std::thread([this] { io_.run(); });
}

FakeWebPushServer::~FakeWebPushServer() {
    io_.stop();
    thread_.join();
}

Target FakeWebPushServer::target(const std::filesystem::path& ca_cert,
                                 const std::filesystem::path& ca_key) const {
    Target t;
    t.name = "fake WebPush server";
    t.profiles = {"webpush-server"};
    t.imap = net::Endpoint{net::Protocol::imap, net::Security::plain, "127.0.0.1", peer_->port()};
    t.delivery = {DeliveryKind::imap_append, std::nullopt};
    t.accounts = {{"alice@example.org", "alice@example.org", "pw"},
                  {"bob@example.org", "bob@example.org", "pw"}};
    WebPushEndpoint w;
    w.ca_cert_file = ca_cert;
    w.ca_key_file = ca_key;
    t.webpush = w;
    return t;
}

}  // namespace coitest::suites::testing
