#pragma once
// The tokens of IMAP commands (RFC 3501 §9) over one framed command (literals inline). Internal
// to the peer's command parser: a syntax error unwinds as SyntaxError to parse_command(), which
// turns it into a ParseError value, so the grammar code reads linearly.
#include "peer/imap_command.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coitest::peer::imap::detail {

struct SyntaxError {
    std::string message;
};

bool is_atom_char(char c);     // ATOM-CHAR
bool is_astring_char(char c);  // ATOM-CHAR or "]"
bool is_list_char(char c);     // ATOM-CHAR, "%", "*" or "]"
std::string upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

class Lexer {
  public:
    Lexer(std::string_view input, std::size_t max_depth) : in_(input), max_depth_(max_depth) {}

    std::size_t pos() const { return pos_; }
    bool at_end() const { return pos_ >= in_.size(); }
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0';
    }
    bool at(char c) const { return !at_end() && in_[pos_] == c; }
    bool at_eol() const;  // CRLF (or a bare LF) ends the command here
    void seek(std::size_t pos) { pos_ = pos; }

    bool accept(char c);
    void expect(char c, std::string_view what);
    void sp() { expect(' ', "a space"); }
    // A case-insensitive keyword that is not followed by more atom characters.
    bool accept_word(std::string_view word);
    void end();  // CRLF and nothing after it

    std::string tag();
    std::string atom();        // 1*ATOM-CHAR
    std::string fetch_word();  // letters, digits, '.', '-': "BODY.PEEK", "RFC822.SIZE"
    std::uint32_t number();    // 32-bit
    std::uint32_t nz_number();
    std::uint64_t number64();  // up to 2^63-1 (mod-sequence values)
    std::string quoted();
    std::string literal();
    std::string string();  // quoted or literal
    std::optional<std::string> nstring();
    std::string astring();
    std::string mailbox();       // astring; any case of INBOX becomes "INBOX"
    std::string list_mailbox();  // 1*list-char or string
    std::string flag();          // "\Seen" (system flags in canonical case), "$Chat"
    std::vector<std::string> flag_list();
    SeqSet sequence_set(std::size_t max_ranges);

    // Calls `item` for each member of a parenthesized, space-separated list; `allow_empty`
    // permits "()".
    template <class F>
    void list(F&& item, bool allow_empty, std::size_t max_items) {
        expect('(', "'('");
        Depth guard(*this);
        if (accept(')')) {
            if (!allow_empty) fail_at("at least one item");
            return;
        }
        std::size_t n = 0;
        for (;;) {
            if (++n > max_items) fail_msg("too many items in a list");
            item();
            if (accept(')')) return;
            if (!accept(' ')) fail_at("a space or ')'");
        }
    }

    [[noreturn]] void fail_at(std::string_view expected) const;
    [[noreturn]] void fail_msg(std::string message) const;

    class Depth {
      public:
        explicit Depth(Lexer& l);
        ~Depth() { --l_.depth_; }
        Depth(const Depth&) = delete;
        Depth& operator=(const Depth&) = delete;

      private:
        Lexer& l_;
    };

  private:
    std::string_view in_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::size_t max_depth_;
};

}  // namespace coitest::peer::imap::detail
