#include "imap/cursor.hpp"

#include <fmt/format.h>

namespace coitest::imap::detail {

namespace {

bool is_ctl(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A byte as a reader sees it in an error message.
std::string show_char(char c) {
    switch (c) {
        case '\r':
            return "CR";
        case '\n':
            return "LF";
        case ' ':
            return "SP";
        default:
            break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return fmt::format("byte 0x{:02x}", u);
    return fmt::format("'{}'", c);
}

// Up to `n` bytes of `s` with CR, LF and non-printables escaped.
std::string printable(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < n; ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (s[i] == '\r')
            out += "\\r";
        else if (s[i] == '\n')
            out += "\\n";
        else if (u < 0x20 || u >= 0x7f)
            out += fmt::format("\\x{:02x}", u);
        else
            out += s[i];
    }
    if (s.size() > n) out += "...";
    return out;
}

}  // namespace

bool is_atom_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || is_ctl(c)) return false;
    switch (c) {
        case '(':
        case ')':
        case '{':
        case ' ':
        case '%':
        case '*':
        case '"':
        case '\\':
        case ']':
            return false;
        default:
            return true;
    }
}

bool is_astring_char(char c) {
    return c == ']' || is_atom_char(c);
}

void Cursor::fail(std::string_view expected) const {
    const std::string found = at_end() ? std::string("the end of the response") : show_char(peek());
    // Show the response around the failure so the user sees what the server sent.
    const std::size_t from = pos_ > 40 ? pos_ - 40 : 0;
    throw ParseFailure{ErrorKind::protocol,
                       fmt::format("expected {} at byte {} but found {}: {}{}", expected, pos_,
                                   found, from > 0 ? "..." : "", printable(in_.substr(from), 80))};
}

void Cursor::fail_limit(std::string message) const {
    throw ParseFailure{ErrorKind::limit, std::move(message)};
}

Cursor::Depth::Depth(Cursor& c) : c_(c) {
    if (++c_.depth_ > c_.max_depth_) {
        --c_.depth_;
        c_.fail_limit(fmt::format("parenthesized lists nested deeper than {} at byte {}",
                                  c_.max_depth_, c_.pos_));
    }
}

bool Cursor::accept(char c) {
    if (!at(c)) return false;
    ++pos_;
    return true;
}

void Cursor::expect(char c, std::string_view what) {
    if (!accept(c)) fail(what);
}

bool Cursor::accept_word(std::string_view word) {
    if (pos_ + word.size() > in_.size()) return false;
    if (!iequals(in_.substr(pos_, word.size()), word)) return false;
    if (pos_ + word.size() < in_.size() && is_atom_char(in_[pos_ + word.size()])) return false;
    pos_ += word.size();
    return true;
}

void Cursor::expect_word(std::string_view word) {
    if (!accept_word(word)) fail(word);
}

void Cursor::end() {
    if (!at_crlf()) fail("CRLF");
    pos_ += 2;
    if (!at_end()) fail("the end of the response after CRLF");
}

std::string Cursor::atom() {
    const std::size_t from = pos_;
    while (!at_end() && is_atom_char(in_[pos_])) ++pos_;
    if (pos_ == from) fail("an atom");
    return std::string(in_.substr(from, pos_ - from));
}

std::uint64_t Cursor::number64() {
    constexpr std::uint64_t kMax = 0x7fffffffffffffffull;  // RFC 7162 caps mod-sequences here
    const std::size_t from = pos_;
    std::uint64_t value = 0;
    while (!at_end() && is_digit(in_[pos_])) {
        const auto digit = static_cast<std::uint64_t>(in_[pos_] - '0');
        if (value > (kMax - digit) / 10) {
            pos_ = from;
            fail("a number below 2^63");
        }
        value = value * 10 + digit;
        ++pos_;
    }
    if (pos_ == from) fail("a number");
    return value;
}

std::uint32_t Cursor::number() {
    const std::size_t from = pos_;
    const std::uint64_t value = number64();
    if (value > 0xffffffffull) {
        pos_ = from;
        fail("a 32-bit number");
    }
    return static_cast<std::uint32_t>(value);
}

std::string Cursor::quoted() {
    expect('"', "'\"'");
    std::string out;
    for (;;) {
        if (at_end()) fail("the closing '\"' of a quoted string");
        const char c = in_[pos_];
        if (c == '"') {
            ++pos_;
            return out;
        }
        if (c == '\r' || c == '\n' || c == '\0')
            fail("the closing '\"' of a quoted string (CR, LF and NUL cannot be quoted)");
        if (c == '\\') {
            const char next = peek(1);
            if (next != '"' && next != '\\') {
                ++pos_;
                fail("'\"' or '\\' after a backslash in a quoted string");
            }
            out += next;
            pos_ += 2;
            continue;
        }
        out += c;
        ++pos_;
    }
}

std::string Cursor::literal() {
    accept('~');  // literal8 (RFC 3516): same framing, may hold NUL
    expect('{', "'{'");
    const std::size_t digits_at = pos_;
    if (!is_digit(peek())) fail("the size of a literal");
    std::uint64_t size = 0;
    while (is_digit(peek())) {
        if (pos_ - digits_at >= 19) fail("a literal size below 10^19");
        size = size * 10 + static_cast<std::uint64_t>(in_[pos_] - '0');
        ++pos_;
    }
    accept('+');
    expect('}', "'}' after the literal size");
    if (!at_crlf()) fail("CRLF after the literal size");
    pos_ += 2;
    if (size > in_.size() - pos_) {
        fail(fmt::format("{} bytes of literal data", size));
    }
    std::string out(in_.substr(pos_, static_cast<std::size_t>(size)));
    pos_ += static_cast<std::size_t>(size);
    return out;
}

std::string Cursor::string() {
    if (at('"')) return quoted();
    if (at('{') || (at('~') && peek(1) == '{')) return literal();
    fail("a string (quoted or literal)");
}

std::optional<std::string> Cursor::nstring() {
    if (accept_word("NIL")) return std::nullopt;
    if (at('"') || at('{') || (at('~') && peek(1) == '{')) return string();
    fail("a string or NIL");
}

std::string Cursor::astring() {
    if (at('"') || at('{') || (at('~') && peek(1) == '{')) return string();
    const std::size_t from = pos_;
    while (!at_end() && is_astring_char(in_[pos_])) ++pos_;
    if (pos_ == from) fail("an atom or a string");
    return std::string(in_.substr(from, pos_ - from));
}

std::string Cursor::flag(bool allow_star) {
    if (accept('\\')) {
        if (allow_star && accept('*')) return "\\*";
        return "\\" + atom();
    }
    return atom();
}

std::string Cursor::text() {
    const std::size_t from = pos_;
    while (!at_end() && in_[pos_] != '\r' && in_[pos_] != '\n') ++pos_;
    return std::string(in_.substr(from, pos_ - from));
}

std::string Cursor::rest() {
    if (in_.size() < pos_ + 2 || in_.substr(in_.size() - 2) != "\r\n") fail("CRLF at the end");
    std::string out(in_.substr(pos_, in_.size() - 2 - pos_));
    pos_ = in_.size() - 2;
    return out;
}

std::string Cursor::code_text() {
    const std::size_t from = pos_;
    while (!at_end() && in_[pos_] != ']' && in_[pos_] != '\r' && in_[pos_] != '\n') ++pos_;
    return std::string(in_.substr(from, pos_ - from));
}

bool Cursor::accept_sp_word(std::string_view word) {
    const std::size_t saved = pos_;
    if (accept(' ') && accept_word(word)) return true;
    pos_ = saved;
    return false;
}

SequenceSet Cursor::sequence_set() {
    SequenceSet set;
    auto one = [this]() -> std::uint32_t {
        if (accept('*')) return kStar;
        return number();
    };
    do {
        SeqRange r;
        r.first = one();
        r.last = accept(':') ? one() : r.first;
        set.ranges.push_back(r);
    } while (accept(','));
    return set;
}

SExpr Cursor::sexpr() {
    SExpr out;
    if (at('(')) {
        expect('(', "'('");
        Depth guard(*this);
        out.type = SExpr::Type::list;
        if (accept(')')) return out;
        for (;;) {
            out.items.push_back(sexpr());
            if (accept(')')) return out;
            // Multipart bodies put their parts side by side: "(...)(...)" has no space.
            if (out.items.back().is_list() && at('(')) continue;
            sp();
        }
    }
    if (at('"') || at('{') || (at('~') && peek(1) == '{')) {
        out.type = SExpr::Type::string;
        out.text = string();
        return out;
    }
    if (accept_word("NIL")) return out;
    // Generic atoms are wider than ATOM-CHAR: sequence sets ("1:*"), flags and section names.
    const std::size_t from = pos_;
    while (!at_end()) {
        const char c = in_[pos_];
        const auto u = static_cast<unsigned char>(c);
        if (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || is_ctl(c) || u >= 0x80)
            break;
        ++pos_;
    }
    if (pos_ == from) fail("a value (atom, string, NIL or list)");
    out.type = SExpr::Type::atom;
    out.text = std::string(in_.substr(from, pos_ - from));
    return out;
}

}  // namespace coitest::imap::detail
