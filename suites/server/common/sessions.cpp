#include "suites/server/common/sessions.hpp"

#include "smtp/session.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <chrono>

namespace coitest::suites {

namespace asio = boost::asio;

boost::asio::awaitable<imap::Session> open_imap(TestContext& ctx, std::string name) {
    if (!ctx.target().imap) ctx.not_applicable("the target has no IMAP endpoint");
    imap::SessionOptions options;
    options.connect = ctx.connect_options(name);
    // No baseline exchange needs more; a flooding server hits this instead of our memory.
    options.max_untagged = 10000;
    auto session = co_await imap::Session::connect(*ctx.target().imap, options, ctx.transcript());
    co_return ctx.need(std::move(session), fmt::format("opening IMAP connection {}", name));
}

boost::asio::awaitable<imap::Session> login_imap(TestContext& ctx, std::string name,
                                                 std::size_t account) {
    auto session = co_await open_imap(ctx, name);
    const Account& a = ctx.account(account);
    auto result = co_await session.login(a.login, a.password);
    auto done = ctx.need(std::move(result), fmt::format("logging in as {}", a.address));
    if (!done.ok())
        ctx.environment_error(
            fmt::format("the target refused LOGIN for {} ({}); check the "
                        "account's password",
                        a.address, describe_status(done)));
    co_return session;
}

TestMessage make_message(TestContext& ctx, std::size_t from, std::size_t to, std::string subject,
                         std::string body) {
    const std::string& from_addr = ctx.account(from).address;
    const std::string domain = from_addr.substr(from_addr.find('@') + 1);
    TestMessage m;
    m.message_id = fmt::format("{}@{}", ctx.unique("coitest"), domain);
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    m.bytes = fmt::format(
        "From: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nDate: {:%a, %d %b %Y %H:%M:%S +0000}\r\n"
        "Message-ID: <{}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "\r\n{}\r\n",
        from_addr, ctx.account(to).address, subject, fmt::gmtime(now), m.message_id, body);
    return m;
}

boost::asio::awaitable<void> deliver(TestContext& ctx, const TestMessage& message, std::size_t to) {
    const Delivery& d = ctx.target().delivery;
    const std::string& rcpt = ctx.account(to).address;
    if (d.kind == DeliveryKind::imap_append) {
        auto session = co_await login_imap(ctx, "deliver", to);
        auto appended = co_await session.append("INBOX", message.bytes);
        auto r = ctx.need(std::move(appended), "delivering by IMAP APPEND");
        if (!r.result.ok())
            ctx.environment_error(
                fmt::format("APPEND to INBOX of {} answered {}", rcpt, describe_status(r.result)));
        auto bye = co_await session.logout();
        (void)bye;
        co_return;
    }
    smtp::SessionOptions options;
    options.connect = ctx.connect_options("deliver");
    auto connected = co_await smtp::Session::connect(*d.endpoint, options, ctx.transcript());
    auto session = ctx.need(std::move(connected), "connecting to the delivery endpoint");
    auto hello = co_await session.establish("coitest.invalid");
    auto hello_reply = ctx.need(std::move(hello), "greeting the delivery endpoint");
    if (!hello_reply.positive())
        ctx.environment_error(fmt::format("the delivery endpoint answered {} to {}",
                                          hello_reply.code,
                                          d.kind == DeliveryKind::lmtp ? "LHLO" : "EHLO"));
    const std::array<std::string, 1> rcpts{rcpt};
    auto sent = co_await session.send_message(ctx.account(0).address, rcpts, message.bytes);
    auto outcome = ctx.need(std::move(sent), "delivering the message");
    if (!outcome.all_delivered())
        ctx.environment_error(
            fmt::format("the delivery endpoint did not accept the "
                        "message for {}",
                        rcpt));
    auto bye = co_await session.quit();
    (void)bye;
}

std::string describe_status(const imap::CommandResult& result) {
    std::string s;
    switch (result.status()) {
        case imap::Status::ok:
            s = "OK";
            break;
        case imap::Status::no:
            s = "NO";
            break;
        case imap::Status::bad:
            s = "BAD";
            break;
        case imap::Status::preauth:
            s = "PREAUTH";
            break;
        case imap::Status::bye:
            s = "BYE";
            break;
    }
    if (const auto* code = result.code()) s += fmt::format(" [{}]", code->name);
    return s;
}

}  // namespace coitest::suites
