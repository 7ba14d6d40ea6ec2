#pragma once
// One SMTP (RFC 5321) or LMTP (RFC 2033) client session over net::Connection: one coroutine per
// step, each with a deadline, the sans-I/O pieces of this folder doing all the parsing.
//
// What the caller gets: every well-formed reply, 4xx and 5xx included, is a result to judge. An
// Error means the session cannot go on (closed connection, timeout, unparseable reply, TLS
// failure); after one, the connection is closed and every later call returns that Error.
// String arguments must outlive the co_await of the call that takes them.
#include "model/error.hpp"
#include "net/connection.hpp"
#include "net/endpoint.hpp"
#include "net/transcript.hpp"
#include "smtp/capabilities.hpp"
#include "smtp/commands.hpp"
#include "smtp/data_encoding.hpp"
#include "smtp/reply.hpp"
#include "smtp/reply_reader.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::smtp {

struct SessionOptions {
    net::ConnectOptions connect;  // deadlines (step_timeout applies to every command), TLS, label
    ReaderLimits limits;
    // For the replies after the message: servers scan and deliver before answering, so this
    // step may take longer than a command (RFC 5321 §4.5.3.2 allows minutes; tests want less).
    net::Duration data_end_timeout = std::chrono::seconds(30);
};

struct DataReplies {
    Reply data;  // the reply to DATA itself; 354 when the server takes the message
    // The replies after the message: one for SMTP; for LMTP one per accepted recipient, in the
    // order of their RCPT commands (RFC 2033 §4.2). Empty when `data` was not a 3xx reply.
    std::vector<Reply> replies;
};

struct RecipientOutcome {
    std::string address;
    Reply rcpt;                     // the reply to RCPT TO
    std::optional<Reply> delivery;  // the reply after the message that covers this recipient
    bool delivered() const { return rcpt.positive() && delivery && delivery->positive(); }
};

// What became of one message. Refusals are values here; only a broken session is an Error.
struct SendOutcome {
    Reply mail;                                // the reply to MAIL FROM
    std::vector<RecipientOutcome> recipients;  // empty when MAIL was refused
    std::optional<Reply> data;                 // the reply to DATA, when it was sent
    bool all_delivered() const;
    bool any_delivered() const;
};

class Session {
  public:
    // Connects (TLS first for implicit-TLS endpoints) and reads the greeting. A well-formed
    // greeting of any code is returned in greeting() for the caller to judge (220 is ready; 554
    // is a refusal). Only smtp and lmtp endpoints are accepted.
    static boost::asio::awaitable<Result<Session>> connect(const net::Endpoint& endpoint,
                                                           const SessionOptions& options,
                                                           net::Transcript& transcript);

    Session(Session&&) noexcept = default;
    Session& operator=(Session&&) noexcept = default;

    // The usual opening: stops at a greeting other than 220, then EHLO (LHLO for LMTP), then for
    // STARTTLS endpoints STARTTLS and the hello again. Returns the last reply: 250 when all went
    // well. A server that refuses STARTTLS yields its refusal; there is never a silent fallback
    // to plain text.
    boost::asio::awaitable<Result<Reply>> establish(std::string_view name);

    boost::asio::awaitable<Result<Reply>> ehlo(std::string_view name);
    boost::asio::awaitable<Result<Reply>> lhlo(std::string_view name);
    boost::asio::awaitable<Result<Reply>> hello(std::string_view name);  // LHLO for LMTP
    // STARTTLS (RFC 3207); on 220, the TLS handshake, then the hello again, whose reply is
    // returned (capabilities are forgotten and re-read). Otherwise the refusal is returned.
    // Bytes the server sent after its 220 but before TLS are an Error (command injection).
    boost::asio::awaitable<Result<Reply>> starttls(std::string_view name);

    // RFC 4954. Credentials never reach the transcript: they are registered as secrets before
    // they are sent, and the lines that carry them are recorded as "***".
    boost::asio::awaitable<Result<Reply>> auth_plain(std::string_view user,
                                                     std::string_view password);
    boost::asio::awaitable<Result<Reply>> auth_login(std::string_view user,
                                                     std::string_view password);

    boost::asio::awaitable<Result<Reply>> mail_from(std::string_view address,
                                                    std::string_view params = {});
    boost::asio::awaitable<Result<Reply>> rcpt_to(std::string_view address,
                                                  std::string_view params = {});
    // DATA, then the message (dot-stuffed, terminated; see data_encoding.hpp), then its replies.
    boost::asio::awaitable<Result<DataReplies>> data(std::string_view message,
                                                     DataOptions options = {});
    boost::asio::awaitable<Result<Reply>> rset();
    // QUIT, its reply, then the connection is closed; later calls fail.
    boost::asio::awaitable<Result<Reply>> quit();
    // Any other command line (NOOP, VRFY x, a deliberately bad command), CRLF added.
    boost::asio::awaitable<Result<Reply>> command(std::string_view line);

    // MAIL, one RCPT per recipient, DATA and the message; after a refusal that ends the
    // transaction early, RSET, so the session can be used again.
    boost::asio::awaitable<Result<SendOutcome>> send_message(
        std::string_view from, std::span<const std::string> recipients, std::string_view message,
        DataOptions options = {});

    const Reply& greeting() const { return greeting_; }
    const Capabilities& capabilities() const { return capabilities_; }  // of the last hello
    net::Protocol protocol() const { return connection_->endpoint().protocol; }
    bool is_tls() const { return connection_->is_tls(); }
    bool usable() const { return !broken_; }
    std::size_t accepted_recipients() const { return accepted_; }  // in the current transaction
    net::Connection& connection() { return *connection_; }

  private:
    Session(std::unique_ptr<net::Connection> connection, SessionOptions options);

    boost::asio::awaitable<Result<Reply>> exchange(const CommandLine& command,
                                                   std::string_view what);
    boost::asio::awaitable<Result<Reply>> read_reply(net::Clock::time_point deadline,
                                                     std::string_view what);
    boost::asio::awaitable<Result<Reply>> simple(std::string_view verb,
                                                 std::string_view argument = {});
    boost::asio::awaitable<Result<Reply>> hello_with(std::string_view verb, std::string_view name);
    Error fail(Error error);

    std::unique_ptr<net::Connection> connection_;
    SessionOptions options_;
    ReplyReader reader_;
    Reply greeting_;
    Capabilities capabilities_;
    std::size_t accepted_ = 0;
    std::optional<Error> broken_;
};

}  // namespace coitest::smtp
