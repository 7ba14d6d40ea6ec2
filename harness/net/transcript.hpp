#pragma once
// The wire transcript of one test: every connection's bytes with direction and time, redacted.
#include "model/results.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::net {

class Transcript {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Transcript(std::size_t max_bytes = 4 * 1024 * 1024);

    // Any later occurrence of `secret` (and of its base64 forms used by AUTH PLAIN) is replaced
    // by "***" before it is stored. Call before the secret can go on the wire.
    void add_secret(std::string_view secret);

    void record(std::string_view connection, Direction direction, std::string_view data);
    void note(std::string_view connection, std::string_view text);

    // Entries in the order they happened, redacted. Bytes past max_bytes are summarized, so a
    // flooding peer cannot grow the transcript without bound.
    const std::vector<TranscriptEntry>& entries() const { return entries_; }
    std::vector<TranscriptEntry> take() { return std::move(entries_); }

    std::string redact(std::string_view data) const;

  private:
    Clock::time_point start_;
    std::size_t max_bytes_;
    std::size_t stored_bytes_ = 0;
    std::size_t dropped_bytes_ = 0;
    std::vector<std::string> secrets_;
    std::vector<TranscriptEntry> entries_;
};

}  // namespace coitest::net
