// The session engine: greeting, STARTTLS, sending commands part by part, reading responses to
// the tagged completion, IDLE and waiting. The command helpers are in session_commands.cpp.
#include "imap/session.hpp"

#include <fmt/format.h>

namespace coitest::imap {

namespace asio = boost::asio;

namespace {

// The first line of a response, for messages: enough to recognise it, never a whole literal.
std::string first_line(const Response& r) {
    std::string line = r.raw.substr(0, r.raw.find("\r\n"));
    if (line.size() > 200) line = line.substr(0, 200) + "...";
    return line;
}

bool is_logout(std::string_view verb) {
    return iequals(verb.substr(0, verb.find(' ')), "LOGOUT");
}

}  // namespace

Session::Session(std::unique_ptr<net::Connection> connection, SessionOptions options)
    : connection_(std::move(connection)),
      options_(std::move(options)),
      reader_(options_.limits),
      tags_(options_.tag_prefix) {}

Session::~Session() = default;

asio::awaitable<Result<Session>> Session::connect(const net::Endpoint& endpoint,
                                                  SessionOptions options,
                                                  net::Transcript& transcript) {
    if (endpoint.protocol != net::Protocol::imap) {
        co_return make_error(ErrorKind::usage,
                             fmt::format("{} is not an IMAP endpoint", endpoint.url()));
    }
    auto connection = co_await net::Connection::connect(endpoint, options.connect, transcript);
    if (!connection) co_return connection.error();
    Session session(std::move(*connection), std::move(options));

    auto greeting = co_await session.read_one(session.resolve({}), "the greeting");
    if (!greeting) co_return session.fail(greeting.error());
    const StatusResponse* status = greeting->get<StatusResponse>();
    if (status && status->status == Status::bye) {
        co_return session.fail(
            make_error(ErrorKind::network,
                       fmt::format("the server refused the session: {}", first_line(*greeting))));
    }
    if (!status || (status->status != Status::ok && status->status != Status::preauth)) {
        co_return session.fail(make_error(
            ErrorKind::protocol,
            fmt::format("expected a greeting (* OK, * PREAUTH or * BYE) but the server sent: {}",
                        first_line(*greeting))));
    }
    session.learn_capabilities(*greeting);
    session.greeting_ = std::move(*greeting);

    if (endpoint.security == net::Security::starttls) {
        auto upgraded = co_await session.upgrade_to_tls();
        if (!upgraded) co_return upgraded.error();
    }
    co_return std::move(session);
}

asio::awaitable<Result<void>> Session::upgrade_to_tls() {
    if (preauthenticated()) {
        // RFC 3501 §6.2.1: STARTTLS belongs to the not-authenticated state only.
        co_return fail(make_error(ErrorKind::tls,
                                  "the server greeted with PREAUTH, so STARTTLS is impossible; "
                                  "refusing to continue in plain text"));
    }
    if (!capabilities_known_) {
        auto caps = co_await capability();
        if (!caps) co_return caps.error();
    }
    if (!has_capability("STARTTLS")) {
        co_return fail(make_error(ErrorKind::tls,
                                  "the server does not advertise STARTTLS; refusing to continue "
                                  "in plain text"));
    }
    auto started = co_await run(Command("STARTTLS"), {});
    if (!started) co_return started.error();
    if (!started->ok()) {
        co_return fail(make_error(ErrorKind::tls, fmt::format("the server refused STARTTLS: {}",
                                                              first_line(started->completion))));
    }
    if (reader_.buffered() > 0) {
        co_return fail(make_error(
            ErrorKind::protocol,
            fmt::format("the server sent {} bytes after its STARTTLS completion, before the TLS "
                        "handshake; such bytes cannot be trusted (command injection)",
                        reader_.buffered())));
    }
    auto tls = co_await connection_->start_tls();
    if (!tls) co_return fail(tls.error());
    forget_capabilities();  // what the server said in plain text may have been tampered with
    co_return Result<void>{};
}

asio::awaitable<Result<CommandResult>> Session::run(const Command& command, Deadline d,
                                                    OnBye on_bye) {
    if (auto ready = check_ready(command.verb()); !ready) co_return ready.error();
    if (is_logout(command.verb())) on_bye = OnBye::keep;
    const auto deadline = resolve(d);
    CommandResult result;
    result.tag = tags_.next();
    result.command = command.verb();
    command_bytes_ = 0;
    const std::string what = fmt::format("{} {}", result.tag, result.command);
    const auto parts = command.render(result.tag, literal_mode());
    for (const auto& part : parts) {
        const std::string* shown = part.shown == part.wire ? nullptr : &part.shown;
        auto written = co_await write(part.wire, shown, what);
        if (!written) co_return written.error();
        if (!part.wait_continuation) continue;
        auto go_on = co_await await_continuation(result, deadline);
        if (!go_on) co_return go_on.error();
        if (!*go_on) co_return std::move(result);  // refused before the literal: a result
    }
    auto done = co_await await_completion(result, deadline, on_bye, OnContinuation::fail);
    if (!done) co_return done.error();
    co_return std::move(result);
}

asio::awaitable<Result<void>> Session::await_completion(CommandResult& result,
                                                        net::Clock::time_point deadline,
                                                        OnBye on_bye, OnContinuation on_cont) {
    const std::string what = fmt::format("the completion of {} {}", result.tag, result.command);
    for (;;) {
        auto response = co_await read_one(deadline, what);
        if (!response) co_return fail(response.error());
        if (response->is_continuation()) {
            if (on_cont == OnContinuation::cancel) {
                // RFC 3501 §6.2.2: "*" cancels an authentication exchange.
                auto cancelled = co_await write("*\r\n", nullptr, what);
                if (!cancelled) co_return cancelled.error();
                continue;
            }
            co_return fail(make_error(
                ErrorKind::protocol,
                fmt::format("unexpected continuation request \"{}\" while waiting for {}",
                            first_line(*response), what)));
        }
        if (const Tagged* tagged = response->get<Tagged>()) {
            if (tagged->tag != result.tag) {
                co_return fail(make_error(
                    ErrorKind::protocol,
                    fmt::format("the server completed tag \"{}\", which was not sent, while "
                                "waiting for {}",
                                tagged->tag, what)));
            }
            learn_capabilities(*response);
            result.completion = std::move(*response);
            co_return Result<void>{};
        }
        auto kept =
            keep_untagged(result.untagged, command_bytes_, std::move(*response), on_bye, what);
        if (!kept) co_return kept.error();
    }
}

asio::awaitable<Result<bool>> Session::await_continuation(CommandResult& result,
                                                          net::Clock::time_point deadline) {
    const std::string what =
        fmt::format("the continuation request for {} {}", result.tag, result.command);
    for (;;) {
        auto response = co_await read_one(deadline, what);
        if (!response) co_return fail(response.error());
        if (response->is_continuation()) co_return true;
        if (const Tagged* tagged = response->get<Tagged>()) {
            if (tagged->tag != result.tag) {
                co_return fail(make_error(
                    ErrorKind::protocol,
                    fmt::format("the server completed tag \"{}\", which was not sent, while "
                                "waiting for {}",
                                tagged->tag, what)));
            }
            learn_capabilities(*response);
            result.completion = std::move(*response);
            co_return false;
        }
        auto kept =
            keep_untagged(result.untagged, command_bytes_, std::move(*response), OnBye::fail, what);
        if (!kept) co_return kept.error();
    }
}

asio::awaitable<Result<Response>> Session::read_one(net::Clock::time_point deadline,
                                                    std::string_view waiting_for,
                                                    net::Connection::OnTimeout on_timeout) {
    for (;;) {
        ReadResult next = reader_.next();
        if (auto* response = std::get_if<Response>(&next)) co_return std::move(*response);
        if (auto* error = std::get_if<Error>(&next)) {
            co_return make_error(error->kind,
                                 fmt::format("{} (waiting for {})", error->message, waiting_for));
        }
        auto bytes = co_await connection_->read_some(deadline, on_timeout);
        if (!bytes) {
            co_return make_error(
                bytes.error().kind,
                fmt::format("{} (waiting for {})", bytes.error().message, waiting_for));
        }
        reader_.feed(*bytes);
    }
}

asio::awaitable<Result<void>> Session::write(std::string_view wire, const std::string* shown,
                                             std::string_view what) {
    auto written = co_await connection_->write(wire, shown);
    if (!written) {
        co_return fail(make_error(written.error().kind,
                                  fmt::format("{} (sending {})", written.error().message, what)));
    }
    co_return Result<void>{};
}

Result<void> Session::keep_untagged(std::vector<Response>& into, std::size_t& kept_bytes,
                                    Response response, OnBye on_bye, std::string_view during) {
    learn_capabilities(response);
    const StatusResponse* status = response.get<StatusResponse>();
    if (status && status->status == Status::bye && on_bye == OnBye::fail) {
        return fail(make_error(ErrorKind::network,
                               fmt::format("the server ended the session while waiting for {}: "
                                           "{}",
                                           during, first_line(response))));
    }
    if (into.size() >= options_.max_untagged) {
        return fail(make_error(ErrorKind::limit,
                               fmt::format("more than {} untagged responses while waiting for {} "
                                           "(the limit)",
                                           options_.max_untagged, during)));
    }
    if (kept_bytes > options_.max_kept_bytes ||
        response.raw.size() > options_.max_kept_bytes - kept_bytes) {
        return fail(make_error(ErrorKind::limit,
                               fmt::format("untagged responses while waiting for {} exceed {} "
                                           "bytes (the limit)",
                                           during, options_.max_kept_bytes)));
    }
    kept_bytes += response.raw.size();
    into.push_back(std::move(response));
    return {};
}

void Session::learn_capabilities(const Response& response) {
    const std::vector<std::string>* list = nullptr;
    if (const auto* c = response.get<Capability>()) list = &c->capabilities;
    if (const ResponseCode* code = response.code(); code && code->kind == CodeKind::capability)
        list = &code->list;
    if (!list) return;
    capabilities_ = *list;
    capabilities_known_ = true;
    ++capability_updates_;
}

void Session::forget_capabilities() {
    capabilities_.clear();
    capabilities_known_ = false;
}

Result<void> Session::check_ready(std::string_view what) const {
    if (broken_) return *broken_;
    if (idle_) {
        return make_error(ErrorKind::usage,
                          fmt::format("cannot send {} while IDLE is active; call idle_done() "
                                      "first",
                                      what));
    }
    return {};
}

net::Clock::time_point Session::resolve(Deadline deadline) const {
    return deadline ? *deadline : net::Clock::now() + options_.connect.step_timeout;
}

LiteralMode Session::literal_mode() const {
    return capabilities_known_ ? literal_mode_for(capabilities_) : LiteralMode::synchronizing;
}

Error Session::fail(Error error) {
    if (!broken_) broken_ = error;
    connection_->close();  // nothing more can be trusted on this stream
    return error;
}

asio::awaitable<Result<IdleStart>> Session::idle_start(Deadline d) {
    if (auto ready = check_ready("IDLE"); !ready) co_return ready.error();
    const auto deadline = resolve(d);
    IdleStart start;
    command_bytes_ = 0;
    start.result.tag = tags_.next();
    start.result.command = "IDLE";
    const std::string what = start.result.tag + " IDLE";
    auto written = co_await write(what + "\r\n", nullptr, what);
    if (!written) co_return written.error();
    auto accepted = co_await await_continuation(start.result, deadline);
    if (!accepted) co_return accepted.error();
    start.accepted = *accepted;
    if (start.accepted) {
        idle_.emplace();
        idle_->tag = start.result.tag;
        idle_->command = "IDLE";
    }
    co_return std::move(start);
}

asio::awaitable<Result<std::optional<Response>>> Session::wait_for(
    ResponsePredicate match, net::Clock::time_point deadline) {
    if (broken_) co_return *broken_;
    for (;;) {
        auto response = co_await read_one(deadline, "an untagged response",
                                          net::Connection::OnTimeout::keep_open);
        if (!response) {
            // The deadline passing is an answer here ("nothing came"), not a failure.
            if (response.error().kind == ErrorKind::timeout) co_return std::optional<Response>{};
            co_return fail(response.error());
        }
        if (response->is_continuation()) {
            co_return fail(make_error(
                ErrorKind::protocol,
                fmt::format("unexpected continuation request \"{}\"", first_line(*response))));
        }
        if (response->is_tagged()) {
            co_return fail(make_error(
                ErrorKind::protocol,
                fmt::format("unexpected tagged response while waiting for an untagged one{}: {}",
                            idle_ ? " during IDLE" : "", first_line(*response))));
        }
        if (match && match(*response)) {
            learn_capabilities(*response);
            co_return std::optional<Response>(std::move(*response));
        }
        auto kept = keep_untagged(unsolicited_, unsolicited_bytes_, std::move(*response),
                                  OnBye::fail, "an untagged response");
        if (!kept) co_return kept.error();
    }
}

asio::awaitable<Result<CommandResult>> Session::idle_done(Deadline d) {
    if (broken_) co_return *broken_;
    if (!idle_) co_return make_error(ErrorKind::usage, "idle_done() without an active IDLE");
    const auto deadline = resolve(d);
    CommandResult result = std::move(*idle_);
    idle_.reset();
    command_bytes_ = unsolicited_bytes_;
    result.untagged = take_unsolicited();
    auto written = co_await write("DONE\r\n", nullptr, result.tag + " IDLE (DONE)");
    if (!written) co_return written.error();
    auto done = co_await await_completion(result, deadline, OnBye::fail, OnContinuation::fail);
    if (!done) co_return done.error();
    co_return std::move(result);
}

asio::awaitable<Result<void>> Session::send_raw(std::string_view bytes, const std::string* shown) {
    if (broken_) co_return *broken_;
    co_return co_await write(bytes, shown, "raw bytes");
}

asio::awaitable<Result<Response>> Session::read_response(net::Clock::time_point deadline) {
    if (broken_) co_return *broken_;
    auto response = co_await read_one(deadline, "a response");
    if (!response) co_return fail(response.error());
    learn_capabilities(*response);
    co_return std::move(*response);
}

std::vector<Response> Session::take_unsolicited() {
    std::vector<Response> out = std::move(unsolicited_);
    unsolicited_.clear();
    unsolicited_bytes_ = 0;
    return out;
}

bool Session::preauthenticated() const {
    const StatusResponse* s = greeting_.status();
    return s && s->status == Status::preauth;
}

bool Session::has_capability(std::string_view name) const {
    for (const auto& c : capabilities_) {
        if (iequals(c, name)) return true;
    }
    return false;
}

void Session::close() {
    if (!broken_) broken_ = make_error(ErrorKind::network, "the session was closed");
    connection_->close();
}

}  // namespace coitest::imap
