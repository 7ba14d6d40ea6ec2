#pragma once
// What the peer saw, for the client suite and for `-v`: every command a client sent (credentials
// redacted), every message submitted or delivered, byte-exact with its envelope. Thread-safe:
// the server thread writes, test code reads. Bounded: the oldest records go first.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::peer {

class Persistence;

struct CommandRecord {
    std::uint64_t connection = 0;
    std::string protocol;  // "imap", "smtp", "lmtp"
    std::string user;      // authenticated account, or empty
    std::string line;      // the command, redacted and shortened (literals summarised)
    double seconds = 0;    // since the server started
};

struct Submission {
    std::uint64_t number = 0;  // 1, 2, ... (the file name under --data)
    std::string protocol;      // "smtp" (submission) or "lmtp"
    std::string user;          // the authenticated account (SMTP), or empty
    std::string helo;
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    std::vector<std::string> delivered_to;  // local accounts that stored it
    std::string bytes;                      // exactly as received (dot-unstuffed)
    bool tls = false;
    double seconds = 0;

    std::string envelope_json() const;  // everything but the bytes
};

struct RecorderLimits {
    std::size_t max_commands = 100000;
    std::size_t max_submission_bytes = 256 * 1024 * 1024;
};

class Recorder {
  public:
    using Sink = std::function<void(std::string_view line)>;
    explicit Recorder(RecorderLimits limits = {});

    void set_log(Sink sink);  // -v: one line per command and reply summary
    void log(std::string_view line);

    void command(CommandRecord r);
    // Numbers it, keeps it (and writes it under --data when a persistence is given).
    std::uint64_t submission(Submission s, Persistence* persistence);

    std::vector<CommandRecord> commands() const;
    std::vector<Submission> submissions() const;
    double now() const;

  private:
    mutable std::mutex mutex_;
    RecorderLimits limits_;
    Sink sink_;
    std::deque<CommandRecord> commands_;
    std::deque<Submission> submissions_;
    std::size_t submission_bytes_ = 0;
    std::uint64_t next_submission_ = 1;
    std::chrono::steady_clock::time_point start_;
};

// Shortens a command line for records: literals are summarised, long lines cut.
std::string summarize_line(std::string_view line, std::size_t max = 300);

}  // namespace coitest::peer
