#pragma once
// Sans-I/O framing of server responses: feed() the bytes as they arrive, then call next()
// until it answers NeedMore. Literals ({N}, {N+}, ~{N}) may be split across any feed
// boundaries. Memory stays bounded: the reader holds at most one unfinished response (capped by
// the limits) plus the unread rest of the last feed; callers drain next() before feeding again.
#include "imap/response.hpp"
#include "model/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace coitest::imap {

struct ReaderLimits {
    std::size_t max_line = 64 * 1024;             // one line (between literals), CRLF included
    std::size_t max_literal = 64 * 1024 * 1024;   // one literal's announced size
    std::size_t max_response = 80 * 1024 * 1024;  // one response, literals included
    std::size_t max_non_literal = 1024 * 1024;    // one response's bytes outside literals;
                                                  // bounds the size of the parsed tree
    std::size_t max_depth = 128;                  // nesting of parenthesized lists
};

struct NeedMore {};
using ReadResult = std::variant<NeedMore, Response, Error>;

class ResponseReader {
  public:
    explicit ResponseReader(ReaderLimits limits = {}) : limits_(limits) {}

    void feed(std::string_view bytes);

    // The next complete response, NeedMore, or an Error: `limit` as soon as a limit is exceeded
    // (an oversized literal fails when announced, before its bytes arrive), `protocol` for bad
    // syntax. A framing error (limit, missing CR) is final: the stream cannot be resynchronized,
    // so every later call returns it again and fed bytes are dropped. A syntax error inside a
    // well-framed response is not final: the response is skipped and reading continues.
    ReadResult next();

    std::size_t buffered() const { return buffer_.size() - head_; }  // bytes not yet returned
    bool mid_response() const { return scan_ > head_; }  // part of a response has arrived
    bool failed() const { return failure_.has_value(); }
    const ReaderLimits& limits() const { return limits_; }

  private:
    ReadResult fail(ErrorKind kind, std::string message);
    void compact();
    // Whether the response starting at head_ may carry literals: only untagged data may
    // (status responses, tagged completions and continuations carry free text, where a
    // trailing "{5}" is just text).
    bool literals_allowed() const;
    // The literal announced at the end of the line [seg_, lf), if any; size may exceed limits.
    std::optional<std::uint64_t> announced_literal(std::size_t lf) const;

    ReaderLimits limits_;
    std::string buffer_;
    std::size_t head_ = 0;  // start of the current response
    std::size_t seg_ = 0;   // start of the current line (after the last literal)
    std::size_t scan_ = 0;  // next byte to examine
    std::uint64_t literal_left_ = 0;
    std::size_t non_literal_ = 0;  // line bytes of the current response before seg_
    std::optional<Error> failure_;
};

}  // namespace coitest::imap
