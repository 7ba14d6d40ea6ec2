#include "peer/server.hpp"

#include "net/tls.hpp"
#include "peer/connection.hpp"
#include "peer/store.hpp"
#include "peer/tls_server.hpp"
#include "peer/webpush_sender.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <future>
#include <optional>
#include <thread>

namespace coitest::peer {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::Connection;
using detail::ProtocolSession;

namespace {

std::string random_password() {
    unsigned char bytes[9];
    RAND_bytes(bytes, sizeof bytes);
    std::string out;
    for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

class ImapAdapter : public ProtocolSession {
  public:
    ImapAdapter(Store& store, Recorder* rec, ImapSessionConfig cfg, std::uint64_t id)
        : s_(store, rec, std::move(cfg), id) {}
    ImapSession& session() { return s_; }
    std::string greeting() override { return s_.greeting(); }
    Out receive(std::string_view bytes) override { return convert(s_.receive(bytes)); }
    void tls_started() override { s_.tls_started(); }
    std::chrono::seconds timeout() const override { return s_.timeout(); }
    std::string timeout_message() const override {
        return "* BYE Autologout; idle for too long\r\n";
    }
    std::uint64_t commands() const override { return s_.commands(); }
    Out pending() override { return convert(s_.take_pending()); }

  private:
    static Out convert(ImapOutput o) { return {std::move(o.data), o.start_tls, o.close, o.more}; }
    ImapSession s_;
};

class SmtpAdapter : public ProtocolSession {
  public:
    SmtpAdapter(Store& store, Recorder* rec, SmtpSessionConfig cfg, std::uint64_t id)
        : s_(store, rec, std::move(cfg), id) {}
    std::string greeting() override { return s_.greeting(); }
    Out receive(std::string_view bytes) override {
        auto o = s_.receive(bytes);
        return {std::move(o.data), o.start_tls, o.close, false};
    }
    void tls_started() override { s_.tls_started(); }
    std::chrono::seconds timeout() const override { return s_.timeout(); }
    std::string timeout_message() const override { return "421 4.4.2 Timeout, closing\r\n"; }
    std::uint64_t commands() const override { return s_.commands(); }

  private:
    SmtpSession s_;
};

enum class Kind { imap, imaps, submission, submissions, lmtp };

}  // namespace

std::vector<std::string> builtin_user_names() {
    return {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"};
}

Result<std::vector<UserEntry>> read_users_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        return make_error(ErrorKind::usage,
                          fmt::format("cannot read users file {}", file.string()));
    std::vector<UserEntry> users;
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        if (line.size() > 1024 || users.size() >= 10000)
            return make_error(ErrorKind::usage,
                              fmt::format("{}:{}: too long or too many lines", file.string(), n));
        const auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == line.size() ||
            line.substr(0, colon).find('@') == std::string::npos)
            return make_error(ErrorKind::usage,
                              fmt::format("{}:{}: expected address:password", file.string(), n));
        users.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
    if (users.empty())
        return make_error(ErrorKind::usage, fmt::format("{} lists no users", file.string()));
    return users;
}

struct Server::Impl {
    ServerOptions options;
    std::unique_ptr<Store> store;  // outlives the io_context (declared first, destroyed last)
    Recorder recorder;
    asio::io_context ioc{1};
    std::shared_ptr<asio::ssl::context> tls;
    std::vector<std::pair<Kind, std::unique_ptr<tcp::acceptor>>> acceptors;
    std::vector<std::weak_ptr<Connection>> connections;
    std::uint64_t next_id = 1;
    Endpoints endpoints;
    std::vector<UserEntry> users;
    std::filesystem::path ca_file;
    std::filesystem::path temp_dir;  // removed at stop
    std::string vapid_pem;           // published VAPID key (empty without WEBPUSH)
    std::shared_ptr<push::Sender> sender;
    std::thread thread;
    bool stopped = false;

    // Unvalidated subscriptions go when their time frame ends, even if nobody asks (the store
    // also checks whenever a client looks).
    asio::awaitable<void> expire_loop(std::chrono::milliseconds period) {
        asio::steady_timer timer(ioc);
        for (;;) {
            timer.expires_after(period);
            auto waited = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (std::get<0>(waited)) co_return;
            if (store->expire_subscriptions() > 0) (void)store->commit();
        }
    }

    std::size_t live_connections() {
        std::erase_if(connections, [](const auto& w) { return w.expired(); });
        return connections.size();
    }

    std::unique_ptr<ProtocolSession> make_session(Connection& c, Kind kind, bool tls) {
        const std::uint64_t id = next_id++;
        if (kind == Kind::imap || kind == Kind::imaps) {
            ImapSessionConfig cfg;
            cfg.starttls_available = kind == Kind::imap;
            cfg.tls = tls;
            cfg.plain = options.plain;
            cfg.framer.max_line = options.max_line;
            cfg.framer.max_literal = options.max_message;
            cfg.framer.max_command = options.max_message + options.max_line;
            cfg.login_timeout = options.login_timeout;
            cfg.autologout = options.autologout;
            auto a = std::make_unique<ImapAdapter>(*store, &recorder, cfg, id);
            std::weak_ptr<Connection> weak = c.shared_from_this();
            asio::io_context& io = ioc;
            a->session().set_wakeup([weak, &io] {
                // Deferred: the wake-up comes from inside another session's command.
                asio::post(io, [weak] {
                    if (auto conn = weak.lock()) conn->flush_pending();
                });
            });
            return a;
        }
        SmtpSessionConfig cfg;
        cfg.lmtp = kind == Kind::lmtp;
        cfg.starttls_available = kind == Kind::submission || kind == Kind::lmtp;
        cfg.tls = tls;
        cfg.max_message = options.max_message;
        cfg.timeout = options.smtp_timeout;
        return std::make_unique<SmtpAdapter>(*store, &recorder, cfg, id);
    }

    asio::awaitable<void> refuse(tcp::socket socket, Kind kind) {
        // Plain-text ports say why; TLS ports just close (a handshake would cost more).
        std::string msg;
        if (kind == Kind::imap) msg = "* BYE Too many connections\r\n";
        if (kind == Kind::submission || kind == Kind::lmtp)
            msg = "421 4.7.0 Too many connections\r\n";
        if (!msg.empty())
            co_await asio::async_write(socket, asio::buffer(msg),
                                       asio::as_tuple(asio::use_awaitable));
        boost::system::error_code ec;
        socket.close(ec);
    }

    asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Kind kind) {
        for (;;) {
            auto r = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            const boost::system::error_code ec = std::get<0>(r);
            if (ec) {
                if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
                // EMFILE and friends: wait a little instead of spinning.
                asio::steady_timer t(ioc, std::chrono::milliseconds(100));
                co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            tcp::socket socket = std::move(std::get<1>(r));
            boost::system::error_code nd;
            socket.set_option(tcp::no_delay(true), nd);  // small replies go out at once
            if (live_connections() >= options.max_connections) {
                asio::co_spawn(ioc, refuse(std::move(socket), kind), asio::detached);
                continue;
            }
            detail::ConnectionLimits limits;
            limits.commands_per_second = options.commands_per_second;
            const bool implicit = kind == Kind::imaps || kind == Kind::submissions;
            auto conn = std::make_shared<Connection>(
                std::move(socket), tls, implicit, limits,
                [this, kind](Connection& c, bool is_tls) { return make_session(c, kind, is_tls); });
            connections.push_back(conn);
            asio::co_spawn(ioc, conn->run(), asio::detached);
        }
    }

    void close_all() {
        for (auto& [_, a] : acceptors) {
            boost::system::error_code ec;
            a->close(ec);
        }
        for (auto& w : connections)
            if (auto c = w.lock()) c->close_now();
    }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
    stop();
}

void Server::stop() {
    if (!impl_ || impl_->stopped) return;
    impl_->stopped = true;
    if (impl_->thread.joinable()) {
        asio::post(impl_->ioc, [impl = impl_.get()] { impl->close_all(); });
        // Give the coroutines one round to notice, then stop whatever still waits.
        asio::post(impl_->ioc,
                   [impl = impl_.get()] { asio::post(impl->ioc, [impl] { impl->ioc.stop(); }); });
        impl_->thread.join();
    }
    if (!impl_->temp_dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(impl_->temp_dir, ec);
    }
}

namespace {

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorKind::usage, fmt::format("cannot read {}", path.string()));
    std::string data(max + 1, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<std::size_t>(in.gcount()));
    if (data.size() > max)
        return make_error(ErrorKind::usage,
                          fmt::format("{} is larger than {} bytes", path.string(), max));
    return data;
}

// The VAPID key: the user's file, or the one kept under the data directory, or a fresh one.
Result<coitest::webpush::P256PrivateKey> vapid_key(const WebPushServerOptions& w,
                                                   const std::filesystem::path& data_dir) {
    using coitest::webpush::P256PrivateKey;
    std::filesystem::path file = w.vapid_key;
    const bool given = !file.empty();
    if (!given && !data_dir.empty()) file = data_dir / "webpush" / "vapid.pem";
    if (!file.empty() && (given || std::filesystem::exists(file))) {
        auto pem = read_file(file, 64 * 1024);
        if (!pem) return pem.error();
        auto key = P256PrivateKey::from_pem(*pem);
        if (!key)
            return make_error(ErrorKind::usage, fmt::format("{}: not a P-256 private key: {}",
                                                            file.string(), key.error().message));
        return key;
    }
    auto key = P256PrivateKey::generate();
    if (!key) return key.error();
    if (!file.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << key->to_pem();
        if (!out) return make_error(ErrorKind::io, fmt::format("cannot write {}", file.string()));
        std::filesystem::permissions(
            file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    }
    return key;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(ServerOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    ServerOptions& o = impl->options;
    if (o.log) impl->recorder.set_log(o.log);

    StoreOptions so;
    so.coi = !o.plain;
    so.deviations = o.deviations;
    so.max_message = o.max_message;
    so.quota_bytes = o.quota_bytes;
    // WEBPUSH: the VAPID key and the push client (the store only decides what to push).
    std::optional<push::VapidKeys> vapid;
    std::shared_ptr<asio::ssl::context> push_tls;
    so.webpush.enabled = o.webpush.enabled && !o.plain;
    if (so.webpush.enabled) {
        auto key = vapid_key(o.webpush, o.data_dir);
        if (!key) return key.error();
        vapid.emplace(push::VapidKeys{*key, std::nullopt});
        if (o.deviations.has(Deviation::webpush_foreign_vapid_key)) {
            auto foreign = coitest::webpush::P256PrivateKey::generate();
            if (!foreign) return foreign.error();
            vapid->foreign = *foreign;
        }
        // The PEM as the spec's example shows it: LF line ends, no final line break.
        impl->vapid_pem = key->public_key().to_pem();
        while (!impl->vapid_pem.empty() &&
               (impl->vapid_pem.back() == '\n' || impl->vapid_pem.back() == '\r'))
            impl->vapid_pem.pop_back();
        so.webpush.vapid_public_pem = impl->vapid_pem;
        so.webpush.max_subscriptions = o.webpush.max_subscriptions;
        so.webpush.validation_timeframe = o.webpush.validation_timeframe;
        if (!o.webpush.push_ca.empty() && !std::filesystem::exists(o.webpush.push_ca))
            return make_error(ErrorKind::usage, fmt::format("push CA file {} does not exist",
                                                            o.webpush.push_ca.string()));
        auto ctx = net::make_client_tls_context({o.webpush.push_ca.string(), false});
        if (!ctx) return ctx.error();
        push_tls = *ctx;
    }
    impl->store = std::make_unique<Store>(so);
    impl->users = o.users;
    if (impl->users.empty())
        for (const auto& name : builtin_user_names())
            impl->users.push_back({name + "@example.org", random_password()});
    for (const auto& u : impl->users) impl->store->add_account(u.address, u.password);
    if (!o.data_dir.empty())
        if (auto r = impl->store->attach_data_dir(o.data_dir); !r) return r.error();

    // TLS material: the user's files, or kept under --data, or fresh in a temp folder.
    TlsMaterial material;
    if (!o.tls_cert.empty() || !o.tls_key.empty()) {
        if (o.tls_cert.empty() || o.tls_key.empty())
            return make_error(ErrorKind::usage, "give both a TLS certificate and a key");
        auto m = load_tls_material(o.tls_cert, o.tls_key);
        if (!m) return m.error();
        material = std::move(*m);
    } else {
        std::filesystem::path dir;
        if (!o.data_dir.empty()) {
            dir = o.data_dir / "tls";
        } else {
            std::string tmpl =
                (std::filesystem::temp_directory_path() / "coitest-serve-XXXXXX").string();
            if (!::mkdtemp(tmpl.data()))
                return make_error(ErrorKind::io, "cannot create a temporary folder for TLS files");
            impl->temp_dir = tmpl;
            dir = tmpl;
        }
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        const auto ca = dir / "ca.pem", cert = dir / "server.pem", key = dir / "server.key";
        if (std::filesystem::exists(ca) && std::filesystem::exists(cert) &&
            std::filesystem::exists(key)) {
            auto m = load_tls_material(cert, key);
            if (!m) return m.error();
            material = std::move(*m);
        } else {
            auto m = generate_tls_material({"127.0.0.1", "localhost", "::1"});
            if (!m) return m.error();
            material = std::move(*m);
            for (const auto& [path, pem] :
                 {std::pair{ca, material.ca_pem}, std::pair{cert, material.cert_pem},
                  std::pair{key, material.key_pem}}) {
                std::ofstream out(path, std::ios::binary | std::ios::trunc);
                out << pem;
                if (!out)
                    return make_error(ErrorKind::io, fmt::format("cannot write {}", path.string()));
            }
            std::filesystem::permissions(
                key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
        }
        impl->ca_file = ca;
    }
    auto ctx = make_server_tls_context(material.cert_pem, material.key_pem);
    if (!ctx) return ctx.error();
    impl->tls = *ctx;

    // Bind every listener before returning, so the ports are known and in use.
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(o.listen, ec);
    if (ec)
        return make_error(ErrorKind::usage,
                          fmt::format("--listen {}: not an IP address", o.listen));
    auto open = [&](Kind kind, std::optional<std::uint16_t> port, net::Protocol proto,
                    net::Security sec) -> Result<std::optional<net::Endpoint>> {
        if (!port) return std::optional<net::Endpoint>();
        auto acc = std::make_unique<tcp::acceptor>(impl->ioc);
        const tcp::endpoint ep(address, *port);
        acc->open(ep.protocol(), ec);
        if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acc->bind(ep, ec);
        if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            return make_error(ErrorKind::network, fmt::format("cannot listen on {}:{}: {}",
                                                              o.listen, *port, ec.message()));
        net::Endpoint e;
        e.protocol = proto;
        e.security = sec;
        e.host = o.listen;
        e.port = acc->local_endpoint().port();
        impl->acceptors.emplace_back(kind, std::move(acc));
        return std::optional<net::Endpoint>(e);
    };
    using P = net::Protocol;
    using S = net::Security;
    struct Want {
        Kind kind;
        std::optional<std::uint16_t> port;
        P proto;
        S sec;
        std::optional<net::Endpoint>* into;
    };
    Endpoints& eps = impl->endpoints;
    const Want wants[] = {
        {Kind::imap, o.imap_port, P::imap, S::starttls, &eps.imap},
        {Kind::imaps, o.imaps_port, P::imap, S::tls, &eps.imaps},
        {Kind::submission, o.submission_port, P::smtp, S::starttls, &eps.submission},
        {Kind::submissions, o.submissions_port, P::smtp, S::tls, &eps.submissions},
        {Kind::lmtp, o.lmtp_port, P::lmtp, S::plain, &eps.lmtp}};
    for (const auto& w : wants) {
        auto e = open(w.kind, w.port, w.proto, w.sec);
        if (!e) return e.error();
        *w.into = *e;
    }
    for (auto& [kind, acc] : impl->acceptors)
        asio::co_spawn(impl->ioc, impl->accept_loop(*acc, kind), asio::detached);
    if (vapid) {
        push::SenderOptions po;
        po.tls = push_tls;
        po.request.subject = o.webpush.vapid_subject;
        po.request.ttl = o.webpush.ttl;
        po.timeout = o.webpush.push_timeout;
        po.max_attempts = std::max<std::size_t>(1, o.webpush.max_attempts);
        po.first_backoff = o.webpush.first_backoff;
        po.max_wait = o.webpush.max_retry_wait;
        push::SenderEvents events;
        events.recorder = &impl->recorder;
        Impl* self = impl.get();
        events.gone = [self](const push::PushJob& job) {
            // The push service forgot the subscription (404/410): so does the peer.
            if (self->store->drop_subscription(job.account, job.subscription_id, job.endpoint))
                (void)self->store->commit();
        };
        impl->sender = std::make_shared<push::Sender>(impl->ioc.get_executor(), std::move(*vapid),
                                                      o.deviations, po, events);
        impl->store->set_push_sink(
            [sender = impl->sender](push::PushJob job) { sender->submit(std::move(job)); });
        const auto period = std::clamp<std::chrono::milliseconds>(
            o.webpush.validation_timeframe / 2, std::chrono::milliseconds(50),
            std::chrono::milliseconds(30000));
        asio::co_spawn(impl->ioc, impl->expire_loop(period), asio::detached);
    }
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] { raw->ioc.run(); });
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

const Endpoints& Server::endpoints() const {
    return impl_->endpoints;
}

const std::vector<UserEntry>& Server::accounts() const {
    return impl_->users;
}

const std::filesystem::path& Server::ca_file() const {
    return impl_->ca_file;
}

const std::string& Server::vapid_public_pem() const {
    return impl_->vapid_pem;
}

const ServerOptions& Server::options() const {
    return impl_->options;
}

Recorder& Server::recorder() {
    return impl_->recorder;
}

std::string Server::endpoints_json() const {
    nlohmann::json j;
    const Endpoints& e = impl_->endpoints;
    auto put = [&](const char* key, const std::optional<net::Endpoint>& ep) {
        if (ep) j[key] = ep->url();
    };
    put("imap", e.imap);
    put("imaps", e.imaps);
    put("submission", e.submission);
    put("submissions", e.submissions);
    put("lmtp", e.lmtp);
    j["ca_file"] = impl_->ca_file.string();
    j["plain"] = impl_->options.plain;
    j["data_dir"] = impl_->options.data_dir.string();
    j["webpush"] = !impl_->vapid_pem.empty();
    if (!impl_->vapid_pem.empty()) j["vapid_public_key"] = impl_->vapid_pem;
    nlohmann::json deviations = nlohmann::json::array();
    for (const auto& d : all_deviations())
        if (impl_->options.deviations.has(d.id)) deviations.push_back(d.name);
    j["deviations"] = deviations;
    nlohmann::json accounts = nlohmann::json::array();
    for (const auto& u : impl_->users)
        accounts.push_back({{"address", u.address}, {"password", u.password}});
    j["accounts"] = accounts;
    return j.dump();
}

void Server::with_store(const std::function<void(Store&)>& f) {
    if (impl_->stopped) {  // nothing else runs any more
        f(*impl_->store);
        return;
    }
    std::promise<void> done;
    asio::post(impl_->ioc, [&] {
        f(*impl_->store);
        done.set_value();
    });
    done.get_future().wait();
}

}  // namespace coitest::peer
