#include "peer/recorder.hpp"

#include "peer/persistence.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace coitest::peer {

std::string Submission::envelope_json() const {
    nlohmann::json j;
    j["number"] = number;
    j["protocol"] = protocol;
    j["user"] = user;
    j["helo"] = helo;
    j["mail_from"] = mail_from;
    j["rcpt_to"] = rcpt_to;
    j["delivered_to"] = delivered_to;
    j["size"] = bytes.size();
    j["tls"] = tls;
    j["seconds"] = seconds;
    return j.dump();
}

Recorder::Recorder(RecorderLimits limits)
    : limits_(limits), start_(std::chrono::steady_clock::now()) {}

double Recorder::now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Recorder::set_log(Sink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
}

void Recorder::log(std::string_view line) {
    Sink sink;
    {
        std::lock_guard lock(mutex_);
        sink = sink_;
    }
    if (sink) sink(line);
}

void Recorder::command(CommandRecord r) {
    r.seconds = now();
    const std::string line = fmt::format("{} {}{}: {}", r.protocol, r.connection,
                                         r.user.empty() ? "" : " " + r.user, r.line);
    {
        std::lock_guard lock(mutex_);
        commands_.push_back(std::move(r));
        while (commands_.size() > limits_.max_commands) commands_.pop_front();
    }
    log(line);
}

std::uint64_t Recorder::submission(Submission s, Persistence* persistence) {
    {
        std::lock_guard lock(mutex_);
        s.number = next_submission_++;
    }
    s.seconds = now();
    if (persistence) {
        // Under --data the file numbers win, so a restarted server keeps counting.
        auto n = persistence->write_submission(s.envelope_json(), s.bytes);
        if (n) s.number = *n;
    }
    log(fmt::format("{} message #{} from <{}> to {} recipient(s), {} bytes", s.protocol, s.number,
                    s.mail_from, s.rcpt_to.size(), s.bytes.size()));
    std::lock_guard lock(mutex_);
    const std::uint64_t number = s.number;
    submission_bytes_ += s.bytes.size();
    submissions_.push_back(std::move(s));
    while (submission_bytes_ > limits_.max_submission_bytes && submissions_.size() > 1) {
        submission_bytes_ -= submissions_.front().bytes.size();
        submissions_.pop_front();
    }
    return number;
}

void Recorder::push(PushRecord r) {
    log(fmt::format("webpush {} push to {} for {}/{}: {}{}{} after {} attempt(s)",
                    r.validation ? "validation" : "message", r.endpoint, r.account, r.subscription,
                    r.outcome, r.status ? fmt::format(" (HTTP {})", r.status) : "",
                    r.error.empty() ? "" : ": " + r.error, r.attempts));
    std::lock_guard lock(mutex_);
    pushes_.push_back(std::move(r));
    while (pushes_.size() > limits_.max_pushes) pushes_.pop_front();
}

std::vector<PushRecord> Recorder::pushes() const {
    std::lock_guard lock(mutex_);
    return {pushes_.begin(), pushes_.end()};
}

std::vector<CommandRecord> Recorder::commands() const {
    std::lock_guard lock(mutex_);
    return {commands_.begin(), commands_.end()};
}

std::vector<Submission> Recorder::submissions() const {
    std::lock_guard lock(mutex_);
    return {submissions_.begin(), submissions_.end()};
}

std::string summarize_line(std::string_view line, std::size_t max) {
    std::string out;
    std::size_t i = 0;
    while (i < line.size() && out.size() < max) {
        const char c = line[i];
        if (c == '{') {
            // "{N}\r\n" + N bytes becomes "{N bytes}".
            std::size_t j = i + 1;
            std::uint64_t n = 0;
            while (j < line.size() && line[j] >= '0' && line[j] <= '9' && j - i < 12)
                n = n * 10 + static_cast<std::uint64_t>(line[j++] - '0');
            if (j < line.size() && line[j] == '+') ++j;
            if (j + 2 < line.size() && line[j] == '}' && line[j + 1] == '\r' &&
                line[j + 2] == '\n') {
                out += fmt::format("{{{} bytes}}", n);
                i = j + 3 + static_cast<std::size_t>(std::min<std::uint64_t>(n, line.size()));
                continue;
            }
        }
        if (c == '\r' || c == '\n') {
            ++i;
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
        ++i;
    }
    if (i < line.size()) out += "...";
    return out;
}

}  // namespace coitest::peer
