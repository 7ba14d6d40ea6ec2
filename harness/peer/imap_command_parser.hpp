#pragma once
// The reference peer's IMAP command reader, sans-I/O. Two layers:
//
//  * CommandFramer takes bytes as they arrive and cuts them into complete commands: a command
//    line plus its literals (RFC 3501 §4.3, LITERAL+ RFC 7888), inline. It says when a
//    synchronizing literal needs the server's "+" and enforces the limits: line length, literal
//    size, literals per command, total command size. Hostile input yields an error event,
//    never unbounded memory.
//  * parse_command() turns one framed command into a typed Command, or a ParseError that the
//    session answers with BAD (the reason is for people; the tag is the command's, or "*").
#include "peer/imap_command.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace coitest::peer::imap {

struct FramerLimits {
    std::size_t max_line = 64 * 1024;            // one line, literals excluded
    std::size_t max_literal = 64 * 1024 * 1024;  // one literal
    std::size_t max_command = 65 * 1024 * 1024;  // the whole command, literals included
    std::size_t max_literals = 1000;             // literals in one command
};

struct FrameEvent {
    enum class Kind {
        need_more,     // feed more bytes
        command,       // `text` is a complete command (CRLF-terminated, literals inline)
        continuation,  // a synchronizing literal was announced: send "+ ..." and feed on
        error,         // a limit was broken: answer `tag BAD message` (or BYE when fatal)
    };
    Kind kind = Kind::need_more;
    std::string text;
    std::string tag;      // for errors: the tag of the broken command, or "*"
    std::string message;  // for errors
    bool fatal = false;   // for errors: the stream cannot be resynchronised; close after BYE
};

class CommandFramer {
  public:
    explicit CommandFramer(FramerLimits limits = {}) : limits_(limits) {}

    void feed(std::string_view bytes);
    // The next event; call until need_more.
    FrameEvent next();
    // A bare line (without CRLF) for AUTHENTICATE responses and IDLE's DONE: no literals. The
    // empty optional means "feed more". A line above max_line is an error (fatal).
    std::optional<FrameEvent> next_line();

    // Drops everything buffered (after STARTTLS nothing sent in plain text may be executed).
    void clear();
    bool in_command() const { return !current_.empty() || discarding_; }
    std::size_t buffered() const { return buffer_.size() - start_; }

  private:
    std::string_view pending() const { return std::string_view(buffer_).substr(start_); }
    void consume(std::size_t n);
    FrameEvent fail(std::string message, bool fatal);

    FramerLimits limits_;
    std::string buffer_;  // received, not yet framed (from start_)
    std::size_t start_ = 0;
    std::string current_;  // the command being framed
    std::uint64_t literal_left_ = 0;
    std::size_t literals_ = 0;
    bool discarding_ = false;  // skipping the rest of an over-long line
    std::string discard_tag_;
};

struct ParseError {
    std::string tag;  // "*" when the command had no usable tag
    std::string message;
};

struct ParserOptions {
    std::size_t max_depth = 32;          // nesting of parenthesized lists and search keys
    std::size_t max_set_ranges = 10000;  // ranges in one sequence set
    std::size_t max_items = 1000;        // fetch items, flags, entries, patterns...
};

// `text` is one command as CommandFramer delivers it (CRLF-terminated).
std::variant<Command, ParseError> parse_command(std::string_view text,
                                                const ParserOptions& options = {});

// "25-Nov-2024 09:09:00 +0000" (RFC 3501 date-time, without the quotes) to seconds since the
// epoch in UTC; nullopt when malformed.
std::optional<std::int64_t> parse_date_time(std::string_view text);
// "25-Nov-2024" (RFC 3501 date) to days since the epoch; nullopt when malformed.
std::optional<std::int64_t> parse_date(std::string_view text);

}  // namespace coitest::peer::imap
