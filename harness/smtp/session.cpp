#include "smtp/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

// Rule in this file: no class-type temporaries inside a co_await expression (name them first).
// g++ 12 mishandles them in coroutine frames (double destruction, found by ASan).

namespace coitest::smtp {

namespace asio = boost::asio;

bool SendOutcome::all_delivered() const {
    return !recipients.empty() && std::all_of(recipients.begin(), recipients.end(),
                                              [](const auto& r) { return r.delivered(); });
}

bool SendOutcome::any_delivered() const {
    return std::any_of(recipients.begin(), recipients.end(),
                       [](const auto& r) { return r.delivered(); });
}

Session::Session(std::unique_ptr<net::Connection> connection, SessionOptions options)
    : connection_(std::move(connection)), options_(std::move(options)), reader_(options_.limits) {}

asio::awaitable<Result<Session>> Session::connect(const net::Endpoint& endpoint,
                                                  const SessionOptions& options,
                                                  net::Transcript& transcript) {
    if (endpoint.protocol != net::Protocol::smtp && endpoint.protocol != net::Protocol::lmtp)
        co_return make_error(ErrorKind::usage,
                             fmt::format("{} is not an SMTP or LMTP endpoint", endpoint.url()));
    auto connection = co_await net::Connection::connect(endpoint, options.connect, transcript);
    if (!connection) co_return connection.error();
    Session session(std::move(*connection), options);
    const auto deadline = net::Clock::now() + session.connection_->options().step_timeout;
    auto greeting = co_await session.read_reply(deadline, "the greeting");
    if (!greeting) co_return greeting.error();
    session.greeting_ = std::move(*greeting);
    co_return session;
}

Error Session::fail(Error error) {
    if (!broken_) {
        // Connection errors are already noted by the connection; ours (framing, limits) are not.
        if (error.kind == ErrorKind::protocol || error.kind == ErrorKind::limit)
            connection_->transcript().note(connection_->name(), error.message);
        broken_ = error;
        connection_->close();
    }
    return error;
}

asio::awaitable<Result<Reply>> Session::read_reply(net::Clock::time_point deadline,
                                                   std::string_view what) {
    for (;;) {
        auto event = reader_.next();
        if (auto* reply = std::get_if<Reply>(&event)) co_return std::move(*reply);
        if (auto* error = std::get_if<Error>(&event))
            co_return fail({error->kind, fmt::format("{} (in {})", error->message, what)});
        auto chunk = co_await connection_->read_some(deadline);
        if (!chunk)
            co_return fail({chunk.error().kind,
                            fmt::format("{} (waiting for {})", chunk.error().message, what)});
        reader_.feed(*chunk);
    }
}

asio::awaitable<Result<Reply>> Session::exchange(const CommandLine& command,
                                                 std::string_view what) {
    if (broken_) co_return *broken_;
    const auto deadline = net::Clock::now() + connection_->options().step_timeout;
    for (const auto& secret : command.secrets) connection_->transcript().add_secret(secret);
    auto written =
        co_await connection_->write(command.wire, command.redacted() ? &command.shown : nullptr);
    if (!written) co_return fail(written.error());
    const std::string context = fmt::format("the reply to {}", what);
    co_return co_await read_reply(deadline, context);
}

asio::awaitable<Result<Reply>> Session::simple(std::string_view verb, std::string_view argument) {
    auto command = make_command(verb, argument);
    if (!command) co_return command.error();
    co_return co_await exchange(*command, verb);
}

asio::awaitable<Result<Reply>> Session::hello_with(std::string_view verb, std::string_view name) {
    auto command = make_command(verb, name);
    if (!command) co_return command.error();
    auto reply = co_await exchange(*command, verb);
    if (!reply) co_return reply;
    // A hello resets any transaction (RFC 5321 §4.1.4) and replaces what we knew.
    accepted_ = 0;
    capabilities_ = parse_capabilities(*reply);
    co_return reply;
}

asio::awaitable<Result<Reply>> Session::ehlo(std::string_view name) {
    co_return co_await hello_with("EHLO", name);
}

asio::awaitable<Result<Reply>> Session::lhlo(std::string_view name) {
    co_return co_await hello_with("LHLO", name);
}

asio::awaitable<Result<Reply>> Session::hello(std::string_view name) {
    co_return co_await hello_with(protocol() == net::Protocol::lmtp ? "LHLO" : "EHLO", name);
}

asio::awaitable<Result<Reply>> Session::starttls(std::string_view name) {
    auto reply = co_await simple("STARTTLS");
    if (!reply || reply->code != 220) co_return reply;
    // Anything already buffered was sent in plain text but would be read as a reply under TLS.
    if (const auto n = reader_.buffered(); n > 0)
        co_return fail(
            {ErrorKind::protocol,
             fmt::format("the server sent {} more bytes after its 220 reply to STARTTLS, "
                         "before TLS began (possible command injection)",
                         n)});
    auto tls = co_await connection_->start_tls();
    if (!tls) co_return fail(tls.error());
    capabilities_ = {};  // RFC 3207: forget what the server said in plain text
    co_return co_await hello(name);
}

asio::awaitable<Result<Reply>> Session::establish(std::string_view name) {
    if (broken_) co_return *broken_;
    if (greeting_.code != 220) co_return greeting_;
    auto reply = co_await hello(name);
    if (!reply || !reply->positive()) co_return reply;
    if (connection_->endpoint().security == net::Security::starttls && !connection_->is_tls())
        co_return co_await starttls(name);
    co_return reply;
}

asio::awaitable<Result<Reply>> Session::auth_plain(std::string_view user,
                                                   std::string_view password) {
    auto command = auth_plain_command(user, password);
    if (!command) co_return command.error();
    auto reply = co_await exchange(*command, "AUTH PLAIN");
    if (!reply || reply->code != 334) co_return reply;
    // The response was complete, yet the server asks for more: cancel (RFC 4954 §4) so the
    // session stays in step; the transcript shows both replies.
    connection_->transcript().note(connection_->name(),
                                   "coitest: 334 after a complete AUTH PLAIN; cancelling with *");
    co_return co_await simple("*");
}

asio::awaitable<Result<Reply>> Session::auth_login(std::string_view user,
                                                   std::string_view password) {
    if (!password.empty()) connection_->transcript().add_secret(password);
    auto reply = co_await simple("AUTH", "LOGIN");
    if (!reply || reply->code != 334) co_return reply;
    const CommandLine user_line = sasl_response_line(user, false);
    reply = co_await exchange(user_line, "the AUTH LOGIN user name");
    if (!reply || reply->code != 334) co_return reply;
    const CommandLine password_line = sasl_response_line(password);
    co_return co_await exchange(password_line, "the AUTH LOGIN password");
}

asio::awaitable<Result<Reply>> Session::mail_from(std::string_view address,
                                                  std::string_view params) {
    auto command = mail_from_command(address, params);
    if (!command) co_return command.error();
    auto reply = co_await exchange(*command, "MAIL FROM");
    if (reply && reply->positive()) accepted_ = 0;
    co_return reply;
}

asio::awaitable<Result<Reply>> Session::rcpt_to(std::string_view address, std::string_view params) {
    auto command = rcpt_to_command(address, params);
    if (!command) co_return command.error();
    auto reply = co_await exchange(*command, "RCPT TO");
    if (reply && reply->positive()) ++accepted_;
    co_return reply;
}

asio::awaitable<Result<DataReplies>> Session::data(std::string_view message, DataOptions options) {
    auto reply = co_await simple("DATA");
    if (!reply) co_return reply.error();
    DataReplies out{std::move(*reply), {}};
    if (!out.data.intermediate()) co_return out;

    const std::string wire = encode_data(message, options);
    auto written = co_await connection_->write(wire);
    if (!written) co_return fail(written.error());
    // LMTP answers once per accepted recipient; with none accepted it should have refused DATA
    // (RFC 2033 §4.2), so a server that said 354 anyway is still expected to answer once.
    const std::size_t expected =
        protocol() == net::Protocol::lmtp ? std::max<std::size_t>(accepted_, 1) : 1;
    for (std::size_t i = 0; i < expected; ++i) {
        const auto deadline = net::Clock::now() + options_.data_end_timeout;
        // Named, not a temporary inside co_await: g++ 12 destroys such temporaries twice.
        const std::string context =
            expected == 1 ? std::string("the reply to the message")
                          : fmt::format("reply {} of {} to the message", i + 1, expected);
        auto r = co_await read_reply(deadline, context);
        if (!r) co_return r.error();
        out.replies.push_back(std::move(*r));
    }
    accepted_ = 0;
    co_return out;
}

asio::awaitable<Result<Reply>> Session::rset() {
    auto reply = co_await simple("RSET");
    if (reply) accepted_ = 0;
    co_return reply;
}

asio::awaitable<Result<Reply>> Session::quit() {
    auto reply = co_await simple("QUIT");
    if (!reply) co_return reply;
    connection_->close();
    broken_ = Error{ErrorKind::usage, "the session has ended with QUIT"};
    co_return reply;
}

asio::awaitable<Result<Reply>> Session::command(std::string_view line) {
    auto command = make_command(line);
    if (!command) co_return command.error();
    const std::string what = fmt::format("\"{}\"", printable(line, 40));
    co_return co_await exchange(*command, what);
}

asio::awaitable<Result<SendOutcome>> Session::send_message(std::string_view from,
                                                           std::span<const std::string> recipients,
                                                           std::string_view message,
                                                           DataOptions options) {
    SendOutcome out;
    auto mail = co_await mail_from(from);
    if (!mail) co_return mail.error();
    out.mail = std::move(*mail);
    if (!out.mail.positive()) {
        (void)co_await rset();  // the outcome is decided; a broken session shows on the next call
        co_return out;
    }
    std::vector<std::size_t> accepted;  // indexes into out.recipients, in RCPT order
    for (const auto& address : recipients) {
        auto rcpt = co_await rcpt_to(address);
        if (!rcpt) co_return rcpt.error();
        if (rcpt->positive()) accepted.push_back(out.recipients.size());
        out.recipients.push_back({address, std::move(*rcpt), std::nullopt});
    }
    if (accepted.empty()) {
        (void)co_await rset();
        co_return out;
    }
    auto sent = co_await data(message, options);
    if (!sent) co_return sent.error();
    out.data = sent->data;
    if (sent->replies.empty()) {
        (void)co_await rset();
        co_return out;
    }
    // SMTP: one reply covers every accepted recipient. LMTP: one each, in RCPT order.
    const bool per_recipient = protocol() == net::Protocol::lmtp;
    for (std::size_t i = 0; i < accepted.size(); ++i) {
        if (!per_recipient)
            out.recipients[accepted[i]].delivery = sent->replies.front();
        else if (i < sent->replies.size())
            out.recipients[accepted[i]].delivery = sent->replies[i];
    }
    co_return out;
}

}  // namespace coitest::smtp
