#pragma once
// What server tests share: opening IMAP sessions as a test account, and putting a message into
// an account through the target's delivery path.
#include "imap/session.hpp"
#include "runner/context.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace coitest::suites {

// Connects to the target's IMAP endpoint (TLS as the target says). Unreachable: `error` verdict.
boost::asio::awaitable<imap::Session> open_imap(TestContext& ctx, std::string name);

// Connects and logs in as account `account` with LOGIN; a refused login is an `error` verdict
// here (tests that judge LOGIN itself do it by hand).
boost::asio::awaitable<imap::Session> login_imap(TestContext& ctx, std::string name,
                                                 std::size_t account);

// A small RFC 5322 message from account `from` to account `to`, with a unique Message-ID.
struct TestMessage {
    std::string message_id;  // without angle brackets
    std::string bytes;       // CRLF line ends
};
TestMessage make_message(TestContext& ctx, std::size_t from, std::size_t to, std::string subject,
                         std::string body);

// Delivers through the target's delivery path: LMTP, SMTP relay, or IMAP APPEND into the
// recipient's INBOX. Anything short of acceptance is an `error` verdict: delivery is the
// environment here, not what is judged.
boost::asio::awaitable<void> deliver(TestContext& ctx, const TestMessage& message, std::size_t to);

// "OK", "NO [TRYCREATE]" ... for expected/seen texts: status and code, never the human text.
std::string describe_status(const imap::CommandResult& result);

}  // namespace coitest::suites
