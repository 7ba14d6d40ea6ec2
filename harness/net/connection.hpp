#pragma once
// A client connection with a deadline on every step: TCP, implicit TLS or STARTTLS upgrade,
// every byte recorded in the test's transcript. Protocol parsing lives elsewhere (sans-I/O);
// this class only moves bytes.
#include "model/error.hpp"
#include "net/endpoint.hpp"
#include "net/tls.hpp"
#include "net/transcript.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace coitest::net {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::steady_clock::duration;

struct ConnectOptions {
    std::string name = "c1";  // label in the transcript
    Duration connect_timeout = std::chrono::seconds(5);
    Duration step_timeout = std::chrono::seconds(10);            // default for one read or write
    Clock::time_point hard_deadline = Clock::time_point::max();  // the test's own deadline
    std::shared_ptr<boost::asio::ssl::context> tls;  // required for implicit TLS and STARTTLS
    std::size_t max_read_chunk = 16 * 1024;
};

class Connection {
  public:
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Connects (and for Security::tls, handshakes). A refused connection fails at once; an
    // unanswered one at connect_timeout. STARTTLS endpoints connect in plain text: the protocol
    // session sends its STARTTLS command, then calls start_tls().
    // (Options by reference: g++ 12 bit-copies a braced temporary passed by value into a
    // coroutine frame. The caller co_awaits at once, so the referent outlives the call.)
    static boost::asio::awaitable<Result<std::unique_ptr<Connection>>> connect(
        const Endpoint& endpoint, const ConnectOptions& options, Transcript& transcript);

    // What a read that reaches its deadline does to the connection.
    enum class OnTimeout {
        close,      // the conversation is over (the default: a step that never completes)
        keep_open,  // "nothing arrived by then" is an answer; the connection stays usable
    };

    // Some bytes (at most max_read_chunk), by `deadline` (capped by the hard deadline, which
    // always closes). End of stream is a network error.
    boost::asio::awaitable<Result<std::string>> read_some(Clock::time_point deadline,
                                                          OnTimeout on_timeout = OnTimeout::close);
    boost::asio::awaitable<Result<std::string>> read_some() {
        return read_some(Clock::now() + options_.step_timeout);
    }

    // Waits until bytes can be read without blocking (true) or `deadline` passes (false).
    // Unlike read_some, reaching `deadline` leaves the connection open, so a caller can assert
    // that nothing arrives for a while and then go on (the .coi interpreter's silence checks and
    // time-limited waits). Reaching the hard deadline is a timeout Error.
    boost::asio::awaitable<Result<bool>> wait_readable(Clock::time_point deadline);

    // Writes all of `data`. `transcript_text`, when given, is recorded instead of the bytes
    // (protocol layers pass a redacted rendering of credential-bearing lines).
    boost::asio::awaitable<Result<void>> write(std::string_view data,
                                               const std::string* transcript_text = nullptr);

    boost::asio::awaitable<Result<void>> start_tls();

    void close();
    bool is_tls() const;
    const std::string& name() const { return options_.name; }
    const Endpoint& endpoint() const { return endpoint_; }
    const ConnectOptions& options() const { return options_; }
    Transcript& transcript() { return transcript_; }

  private:
    struct Impl;
    Connection(Endpoint endpoint, ConnectOptions options, Transcript& transcript,
               std::unique_ptr<Impl> impl);

    Clock::time_point cap(Clock::time_point deadline) const;

    Endpoint endpoint_;
    ConnectOptions options_;
    Transcript& transcript_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coitest::net
