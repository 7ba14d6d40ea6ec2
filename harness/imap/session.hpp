#pragma once
// One IMAP client session over net::Connection: C++20 coroutines, a deadline on every step, the
// sans-I/O reader and command encoder of this folder doing all the parsing and encoding.
//
// What the caller gets: every well-formed exchange, NO and BAD included, is a result to judge.
// An Error means the session cannot go on (closed connection, timeout, BYE outside LOGOUT,
// unparseable or out-of-sequence response, a limit exceeded, TLS failure); after one the
// connection is closed and every later call returns that Error.
//
// Deadlines: each call takes an optional absolute deadline for the whole exchange; without
// one, it must complete within the connection's step_timeout from the call. The connection
// caps every wait at the test's hard deadline.
//
// String arguments must outlive the co_await of the call that takes them.
#include "imap/command.hpp"
#include "imap/response.hpp"
#include "imap/response_reader.hpp"
#include "imap/session_types.hpp"
#include "model/error.hpp"
#include "net/connection.hpp"
#include "net/endpoint.hpp"
#include "net/transcript.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::imap {

struct SessionOptions {
    net::ConnectOptions connect;  // label, deadlines (step_timeout per exchange), TLS context
    ReaderLimits limits;
    std::string tag_prefix = "a";
    // Untagged responses kept per command (and between commands): a server flooding them is a
    // `limit` Error, not unbounded memory.
    std::size_t max_untagged = 100000;
    std::size_t max_kept_bytes = 256 * 1024 * 1024;  // their raw bytes, likewise
};

using Deadline = std::optional<net::Clock::time_point>;
using ResponsePredicate = std::function<bool(const Response&)>;

class Session {
  public:
    // Connects, reads the greeting (* OK or * PREAUTH; * BYE is an Error), and for STARTTLS
    // endpoints upgrades before returning: CAPABILITY unless the greeting carried it,
    // STARTTLS, the handshake; capabilities learnt before TLS are then forgotten. A missing or
    // refused STARTTLS is a `tls` Error: never a silent fallback to plain text.
    static boost::asio::awaitable<Result<Session>> connect(const net::Endpoint& endpoint,
                                                           SessionOptions options,
                                                           net::Transcript& transcript);

    Session(Session&&) noexcept = default;
    Session& operator=(Session&&) noexcept = default;
    ~Session();

    // --- any command ---------------------------------------------------------------------
    // Sends the command (synchronizing literals only after the server's "+") and collects
    // every response up to the tagged completion.
    boost::asio::awaitable<Result<CommandResult>> command(const Command& command,
                                                          Deadline deadline = {});
    // `text` is everything after the tag ("NOOP", "UID FETCH 1:* (FLAGS)"), sent verbatim with
    // CRLF added; it cannot carry literals (use Command for those).
    boost::asio::awaitable<Result<CommandResult>> command(std::string_view text,
                                                          Deadline deadline = {});

    // --- helpers -------------------------------------------------------------------------
    // CAPABILITY; the session's capabilities() are updated.
    boost::asio::awaitable<Result<Reply<std::vector<std::string>>>> capability(Deadline d = {});
    // LOGIN / AUTHENTICATE PLAIN: the password is registered as a transcript secret before it
    // can go on the wire, and the lines carrying it are recorded with *** in its place.
    // Capabilities are forgotten after success unless the server sent new ones.
    boost::asio::awaitable<Result<CommandResult>> login(std::string_view user,
                                                        std::string_view password, Deadline d = {});
    // SASL-IR (initial response on the command line) when advertised, else after "+".
    boost::asio::awaitable<Result<CommandResult>> authenticate_plain(std::string_view user,
                                                                     std::string_view password,
                                                                     std::string_view authzid = {},
                                                                     Deadline d = {});
    // ENABLE (RFC 5161): the value is what the server's ENABLED responses listed.
    boost::asio::awaitable<Result<Reply<std::vector<std::string>>>> enable(
        const std::vector<std::string>& capabilities, Deadline d = {});
    // ID (RFC 2971): nullopt sends ID NIL. The value is the server's parameters (nullopt: NIL or
    // no ID response).
    boost::asio::awaitable<Result<Reply<std::optional<IdParams>>>> id(
        const std::optional<IdParams>& params, Deadline d = {});
    boost::asio::awaitable<Result<Reply<std::vector<ListResponse>>>> list(
        std::string_view reference, std::string_view pattern, const ListOptions& options = {},
        Deadline d = {});
    boost::asio::awaitable<Result<Reply<SelectInfo>>> select(std::string_view mailbox,
                                                             SelectOptions options = {},
                                                             Deadline d = {});
    boost::asio::awaitable<Result<Reply<SelectInfo>>> examine(std::string_view mailbox,
                                                              SelectOptions options = {},
                                                              Deadline d = {});
    // APPEND; the value is the completion's APPENDUID (RFC 4315), when the server sent one.
    boost::asio::awaitable<Result<Reply<std::optional<AppendUid>>>> append(
        std::string_view mailbox, std::string_view message, const AppendOptions& options = {},
        Deadline d = {});
    // FETCH / UID FETCH `set` `items` ("1:*", "(UID FLAGS BODY.PEEK[])").
    boost::asio::awaitable<Result<Reply<std::vector<Fetch>>>> fetch(std::string_view set,
                                                                    std::string_view items,
                                                                    bool uid = false,
                                                                    Deadline d = {});
    // STORE / UID STORE `set` `item` (flags): item is "+FLAGS", "-FLAGS.SILENT", "FLAGS"...
    boost::asio::awaitable<Result<Reply<std::vector<Fetch>>>> store(
        std::string_view set, std::string_view item, const std::vector<std::string>& flags,
        bool uid = false, Deadline d = {});
    // SEARCH / UID SEARCH with raw criteria; the value is every number of the SEARCH responses
    // (ESEARCH responses stay in result.untagged).
    boost::asio::awaitable<Result<Reply<std::vector<std::uint32_t>>>> search(
        std::string_view criteria, bool uid = false, Deadline d = {});
    // GETMETADATA [(options)] mailbox entries (RFC 5464); the value is every entry of the
    // METADATA responses, in order.
    boost::asio::awaitable<Result<Reply<std::vector<MetadataEntry>>>> getmetadata(
        std::string_view mailbox, const std::vector<std::string>& entries,
        const MetadataOptions& options = {}, Deadline d = {});
    // SETMETADATA mailbox (entry value ...); a nullopt value sends NIL (deletes the entry);
    // values that cannot be quoted go as literals.
    boost::asio::awaitable<Result<CommandResult>> setmetadata(
        std::string_view mailbox, const std::vector<MetadataEntry>& entries, Deadline d = {});
    boost::asio::awaitable<Result<CommandResult>> noop(Deadline d = {});
    // LOGOUT: its BYE is expected; the connection is closed afterwards.
    boost::asio::awaitable<Result<CommandResult>> logout(Deadline d = {});

    // --- IDLE (RFC 2177) -----------------------------------------------------------------
    boost::asio::awaitable<Result<IdleStart>> idle_start(Deadline d = {});
    // Reads responses until one satisfies `match` (returned) or `deadline` passes (nullopt).
    // Works in IDLE and between commands; responses that do not match are kept for
    // take_unsolicited() (during IDLE, idle_done() returns them). After a nullopt the session
    // goes on (DONE, the next command): "nothing came" is an answer, unless the test's own
    // deadline was what passed.
    boost::asio::awaitable<Result<std::optional<Response>>> wait_for(
        ResponsePredicate match, net::Clock::time_point deadline);
    // DONE, then the IDLE command's completion; untagged holds everything seen during IDLE.
    boost::asio::awaitable<Result<CommandResult>> idle_done(Deadline d = {});

    // --- low level, for the script interpreter --------------------------------------------
    boost::asio::awaitable<Result<void>> send_raw(std::string_view bytes,
                                                  const std::string* shown = nullptr);
    boost::asio::awaitable<Result<Response>> read_response(net::Clock::time_point deadline);
    std::string next_tag() { return tags_.next(); }
    std::vector<Response> take_unsolicited();

    // --- state ---------------------------------------------------------------------------
    const Response& greeting() const { return greeting_; }
    bool preauthenticated() const;
    const std::vector<std::string>& capabilities() const { return capabilities_; }
    bool capabilities_known() const { return capabilities_known_; }
    bool has_capability(std::string_view name) const;
    bool idling() const { return idle_.has_value(); }
    bool usable() const { return !broken_.has_value(); }
    bool is_tls() const { return connection_->is_tls(); }
    net::Connection& connection() { return *connection_; }
    void close();

  private:
    Session(std::unique_ptr<net::Connection> connection, SessionOptions options);

    enum class OnBye { fail, keep };
    enum class OnContinuation { fail, cancel };  // cancel: answer "*" (AUTHENTICATE)

    boost::asio::awaitable<Result<void>> upgrade_to_tls();
    boost::asio::awaitable<Result<CommandResult>> run(const Command& command, Deadline deadline,
                                                      OnBye on_bye = OnBye::fail);
    // Reads to the tagged completion of `result.tag`.
    boost::asio::awaitable<Result<void>> await_completion(CommandResult& result,
                                                          net::Clock::time_point deadline,
                                                          OnBye on_bye, OnContinuation on_cont);
    // Reads to the "+" (true) or to the tagged completion, when the server refuses (false).
    boost::asio::awaitable<Result<bool>> await_continuation(CommandResult& result,
                                                            net::Clock::time_point deadline);
    boost::asio::awaitable<Result<Response>> read_one(
        net::Clock::time_point deadline, std::string_view waiting_for,
        net::Connection::OnTimeout on_timeout = net::Connection::OnTimeout::close);
    boost::asio::awaitable<Result<void>> write(std::string_view wire, const std::string* shown,
                                               std::string_view what);
    Result<void> keep_untagged(std::vector<Response>& into, std::size_t& kept_bytes,
                               Response response, OnBye on_bye, std::string_view during);
    void learn_capabilities(const Response& response);
    void forget_capabilities();
    Result<void> check_ready(std::string_view what) const;
    net::Clock::time_point resolve(Deadline deadline) const;
    LiteralMode literal_mode() const;
    Error fail(Error error);

    std::unique_ptr<net::Connection> connection_;
    SessionOptions options_;
    ResponseReader reader_;
    TagGenerator tags_;
    Response greeting_;
    std::vector<std::string> capabilities_;
    bool capabilities_known_ = false;
    std::uint64_t capability_updates_ = 0;  // tells whether a command brought new capabilities
    std::optional<CommandResult> idle_;     // the IDLE command in progress
    std::vector<Response> unsolicited_;
    std::size_t command_bytes_ = 0;  // raw bytes kept for the command in progress
    std::size_t unsolicited_bytes_ = 0;
    std::optional<Error> broken_;
};

}  // namespace coitest::imap
