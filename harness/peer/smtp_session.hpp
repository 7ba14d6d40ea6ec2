#pragma once
// One SMTP submission (RFC 6409, AUTH PLAIN/LOGIN RFC 4954, STARTTLS RFC 3207) or LMTP
// (RFC 2033) connection of the reference peer, sans-I/O: bytes in, bytes out. Messages for local
// accounts are delivered through Store::deliver (COI filtering applied before storing); every
// message is recorded byte-exact (dot-unstuffed) with its envelope.
#include "peer/recorder.hpp"
#include "peer/store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::peer {

struct SmtpSessionConfig {
    bool lmtp = false;  // LMTP: LHLO, no AUTH, one reply per recipient
    bool starttls_available = false;
    bool tls = false;             // implicit TLS
    std::size_t max_line = 4096;  // a command line
    std::size_t max_message = 64ull * 1024 * 1024;
    std::size_t max_recipients = 100;
    std::size_t max_bad_commands = 20;
    std::chrono::seconds timeout{300};  // RFC 5321 §4.5.3.2 asks for minutes
    std::string hostname = "coitest.invalid";
};

struct SmtpOutput {
    std::string data;
    bool start_tls = false;
    bool close = false;
};

class SmtpSession {
  public:
    SmtpSession(Store& store, Recorder* recorder, SmtpSessionConfig config,
                std::uint64_t connection_id);

    std::string greeting() const;
    SmtpOutput receive(std::string_view bytes);
    void tls_started();
    std::chrono::seconds timeout() const { return config_.timeout; }
    std::uint64_t commands() const { return commands_; }  // run so far (rate limiting)

  private:
    enum class Auth { none, plain_wait, login_user, login_password };

    void command(std::string_view line);
    void data_line(std::string_view line);  // a DATA line, CRLF included
    void finish_message();
    void reset_transaction();
    void reply(std::string_view text);  // "250 2.0.0 Ok" (CRLF added)
    void bad_command(std::string_view text);
    void record(std::string_view line);
    void auth_plain(std::string_view b64);
    void auth_done(std::string_view user, std::string_view password);

    Store& store_;
    Recorder* recorder_;
    SmtpSessionConfig config_;
    std::uint64_t id_;
    std::string in_;
    std::size_t in_start_ = 0;
    std::string out_;
    bool close_ = false;
    bool start_tls_ = false;
    bool tls_;
    std::optional<std::string> helo_;
    Account* user_ = nullptr;
    Auth auth_ = Auth::none;
    std::string login_user_;
    std::optional<std::string> mail_from_;
    std::vector<std::string> rcpts_;
    bool in_data_ = false;
    std::string message_;
    bool too_big_ = false;
    std::size_t bad_commands_ = 0;
    bool discarding_line_ = false;
    std::uint64_t commands_ = 0;
};

}  // namespace coitest::peer
