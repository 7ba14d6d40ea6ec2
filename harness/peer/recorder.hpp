#pragma once
// What the peer saw, for the client suite and for `-v`: every command a client sent (credentials
// redacted), every message submitted or delivered, byte-exact with its envelope, every push.
// Thread-safe: the server thread writes, test code reads. Bounded: the oldest records go first.
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

// One push the peer sent (or tried to): its outcome once known.
struct PushRecord {
    std::string account;       // whose subscription
    std::string subscription;  // its ID
    std::string endpoint;
    bool validation = false;  // the validation push
    unsigned status = 0;      // the push service's last HTTP status (0: no answer)
    std::size_t attempts = 0;
    std::string outcome;  // "delivered", "gone" (subscription deleted), "failed", "dropped"
    std::string error;    // why, when not delivered
    double queued = 0;    // seconds since the server started
    double done = 0;
};

struct RecorderLimits {
    std::size_t max_commands = 100000;
    std::size_t max_submission_bytes = 256 * 1024 * 1024;
    std::size_t max_pushes = 100000;
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

    void push(PushRecord r);

    std::vector<CommandRecord> commands() const;
    std::vector<PushRecord> pushes() const;
    std::vector<Submission> submissions() const;
    double now() const;

  private:
    mutable std::mutex mutex_;
    RecorderLimits limits_;
    Sink sink_;
    std::deque<CommandRecord> commands_;
    std::deque<Submission> submissions_;
    std::deque<PushRecord> pushes_;
    std::size_t submission_bytes_ = 0;
    std::uint64_t next_submission_ = 1;
    std::chrono::steady_clock::time_point start_;
};

// Shortens a command line for records: literals are summarised, long lines cut.
std::string summarize_line(std::string_view line, std::size_t max = 300);

}  // namespace coitest::peer
