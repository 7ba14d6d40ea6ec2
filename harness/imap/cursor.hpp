#pragma once
// The lexer under the response parsers: a cursor over one complete response (literals inline)
// that reads IMAP tokens (RFC 3501 §9: atom, number, quoted, literal, astring, nstring, flag,
// sequence-set). Internal to coitest_imap: a syntax error unwinds as ParseFailure to
// parse_response(), which turns it into an Error value, so the grammar code reads linearly.
#include "imap/response.hpp"
#include "model/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coitest::imap::detail {

struct ParseFailure {
    ErrorKind kind = ErrorKind::protocol;
    std::string message;
};

bool is_atom_char(char c);     // RFC 3501 ATOM-CHAR
bool is_astring_char(char c);  // ATOM-CHAR or "]"

class Cursor {
  public:
    Cursor(std::string_view input, std::size_t max_depth) : in_(input), max_depth_(max_depth) {}

    std::size_t pos() const { return pos_; }
    bool at_end() const { return pos_ >= in_.size(); }
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0';
    }
    bool at(char c) const { return !at_end() && in_[pos_] == c; }
    bool at_crlf() const { return peek() == '\r' && peek(1) == '\n'; }
    std::string_view slice(std::size_t from, std::size_t to) const {
        return in_.substr(from, to - from);
    }
    void advance() { ++pos_; }
    void seek(std::size_t pos) { pos_ = pos; }  // back to a saved position (one-token lookahead)

    bool accept(char c);
    void expect(char c, std::string_view what);
    void sp() { expect(' ', "a space"); }
    // Case-insensitive keyword that is not the prefix of a longer atom ("NIL", "UID").
    bool accept_word(std::string_view word);
    void expect_word(std::string_view word);
    void end();  // CRLF, then nothing

    std::string atom();  // 1*ATOM-CHAR
    std::string upper_atom() { return to_upper(atom()); }
    std::uint32_t number();    // fits 32 bits
    std::uint64_t number64();  // fits 63 bits (RFC 7162 mod-sequence range)
    std::string quoted();
    std::string literal();  // {N}, {N+} or ~{N}, CRLF, N bytes
    std::string string();   // quoted or literal
    std::optional<std::string> nstring();
    std::string astring();
    std::string flag(bool allow_star);  // "\Seen", "$Chat", "\*"
    std::string text();                 // everything up to CRLF (human-readable, any byte)
    std::string rest();                 // everything up to the final CRLF, literals included
    std::string code_text();            // *<any TEXT-CHAR except "]">
    bool accept_sp_word(std::string_view word);  // SP + accept_word, or nothing consumed
    SequenceSet sequence_set();
    SExpr sexpr();  // NIL, string, atom or parenthesized list

    // Calls `item` for each member of a parenthesized, space-separated list.
    template <class F>
    void list(F&& item) {
        expect('(', "'('");
        Depth guard(*this);
        if (accept(')')) return;
        for (;;) {
            item();
            if (accept(')')) return;
            if (!accept(' ')) fail("a space or ')'");
        }
    }

    [[noreturn]] void fail(std::string_view expected) const;
    [[noreturn]] void fail_limit(std::string message) const;

    // Counts nesting of parenthesized lists; hostile input must not exhaust the stack.
    class Depth {
      public:
        explicit Depth(Cursor& c);
        ~Depth() { --c_.depth_; }
        Depth(const Depth&) = delete;
        Depth& operator=(const Depth&) = delete;

      private:
        Cursor& c_;
    };

  private:
    std::string_view in_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::size_t max_depth_;
};

}  // namespace coitest::imap::detail
