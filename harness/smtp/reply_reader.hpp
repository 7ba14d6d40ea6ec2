#pragma once
// Sans-I/O reader of SMTP/LMTP replies: give it bytes as they arrive, take replies out.
//
// Decisions, so that callers and checks know what they get:
// - Syntax is RFC 5321 §4.2: a reply code (first digit 2-5, second 0-5, third 0-9), then "-" on
//   every line but the last, then " " and text or nothing on the last one. Anything else, and a
//   code that changes between the lines of one reply, is a protocol Error.
// - A line ending in a bare LF is accepted as a line end and the reply is marked `bare_lf`, so a
//   check can judge it without the session breaking on a sloppy but understandable server.
// - Limits (ErrorKind::limit): line length, terminator included (RFC 5321 §4.5.3.1.5 allows 512;
//   we accept more by default because real servers send longer lines), lines per reply, and bytes
//   fed but not yet read. Memory stays bounded by these whatever a peer sends.
// - After an Error the reader stays failed and returns the same Error: the byte stream has lost
//   its framing, and nothing after it can be trusted.
#include "model/error.hpp"
#include "smtp/reply.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace coitest::smtp {

struct ReaderLimits {
    std::size_t max_line = 4096;           // bytes per line, CRLF included
    std::size_t max_lines = 1000;          // lines per reply
    std::size_t max_buffered = 64 * 1024;  // bytes fed and not yet consumed by next()
};

struct NeedMore {};
using ReadEvent = std::variant<NeedMore, Reply, Error>;

class ReplyReader {
  public:
    explicit ReplyReader(ReaderLimits limits = {});

    // Appends bytes. Feeding more than `max_buffered` without draining next() fails the reader.
    void feed(std::string_view bytes);

    // The next complete reply, NeedMore when the bytes so far end mid-reply, or the Error.
    // Call it until NeedMore before feeding again.
    ReadEvent next();

    // Bytes received and not yet part of a returned reply (including a reply in progress).
    std::size_t buffered() const;
    bool failed() const { return error_.has_value(); }
    const ReaderLimits& limits() const { return limits_; }

  private:
    ReadEvent fail(ErrorKind kind, std::string message);

    ReaderLimits limits_;
    std::string pending_;  // unparsed bytes; [0, pos_) already consumed
    std::size_t pos_ = 0;
    std::size_t scanned_ = 0;  // bytes after pos_ already known to hold no LF
    Reply current_;            // lines of the reply in progress
    std::optional<Error> error_;
};

}  // namespace coitest::smtp
