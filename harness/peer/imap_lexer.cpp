#include "peer/imap_lexer.hpp"

#include <fmt/format.h>

#include <array>

namespace coitest::peer::imap::detail {

namespace {

bool is_ctl(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string show_char(char c) {
    switch (c) {
        case '\r':
            return "CR";
        case '\n':
            return "LF";
        case ' ':
            return "a space";
        case '\0':
            return "NUL";
        default:
            break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return fmt::format("byte 0x{:02x}", u);
    return fmt::format("'{}'", c);
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

bool is_list_char(char c) {
    return c == '%' || c == '*' || c == ']' || is_atom_char(c);
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
        if (x != y) return false;
    }
    return true;
}

void Lexer::fail_at(std::string_view expected) const {
    const std::string found = at_end() ? std::string("the end of the command") : show_char(peek());
    throw SyntaxError{fmt::format("expected {} at byte {} but found {}", expected, pos_, found)};
}

void Lexer::fail_msg(std::string message) const {
    throw SyntaxError{std::move(message)};
}

Lexer::Depth::Depth(Lexer& l) : l_(l) {
    if (++l_.depth_ > l_.max_depth_) {
        --l_.depth_;
        l_.fail_msg(fmt::format("lists nested deeper than {}", l_.max_depth_));
    }
}

bool Lexer::at_eol() const {
    return (peek() == '\r' && peek(1) == '\n') || peek() == '\n';
}

bool Lexer::accept(char c) {
    if (!at(c)) return false;
    ++pos_;
    return true;
}

void Lexer::expect(char c, std::string_view what) {
    if (!accept(c)) fail_at(what);
}

bool Lexer::accept_word(std::string_view word) {
    if (pos_ + word.size() > in_.size()) return false;
    if (!iequals(in_.substr(pos_, word.size()), word)) return false;
    if (pos_ + word.size() < in_.size() && is_atom_char(in_[pos_ + word.size()])) return false;
    pos_ += word.size();
    return true;
}

void Lexer::end() {
    accept('\r');
    expect('\n', "the end of the command");
    if (!at_end()) fail_msg("bytes after the end of the command");
}

std::string Lexer::tag() {
    const std::size_t from = pos_;
    while (!at_end() && is_astring_char(peek()) && peek() != '+') ++pos_;
    if (pos_ == from) fail_at("a tag");
    return std::string(in_.substr(from, pos_ - from));
}

std::string Lexer::atom() {
    const std::size_t from = pos_;
    while (!at_end() && is_atom_char(peek())) ++pos_;
    if (pos_ == from) fail_at("an atom");
    return std::string(in_.substr(from, pos_ - from));
}

std::string Lexer::fetch_word() {
    const std::size_t from = pos_;
    while (!at_end()) {
        const char c = peek();
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' ||
              c == '-'))
            break;
        ++pos_;
    }
    if (pos_ == from) fail_at("a data item name");
    return upper(in_.substr(from, pos_ - from));
}

std::uint64_t Lexer::number64() {
    const std::size_t from = pos_;
    std::uint64_t n = 0;
    while (!at_end() && is_digit(peek())) {
        if (n > (0x7FFFFFFFFFFFFFFFull - 9) / 10) fail_msg("number too large");
        n = n * 10 + static_cast<std::uint64_t>(peek() - '0');
        ++pos_;
    }
    if (pos_ == from) fail_at("a number");
    return n;
}

std::uint32_t Lexer::number() {
    const std::size_t from = pos_;
    const std::uint64_t n = number64();
    if (n > 0xFFFFFFFFull) {
        pos_ = from;
        fail_msg(fmt::format("number at byte {} does not fit 32 bits", from));
    }
    return static_cast<std::uint32_t>(n);
}

std::uint32_t Lexer::nz_number() {
    const std::size_t from = pos_;
    const std::uint32_t n = number();
    if (n == 0) {
        pos_ = from;
        fail_msg(fmt::format("0 at byte {} where a non-zero number is required", from));
    }
    return n;
}

std::string Lexer::quoted() {
    expect('"', "'\"'");
    std::string out;
    for (;;) {
        if (at_end() || at_eol()) fail_at("the closing '\"'");
        const char c = peek();
        ++pos_;
        if (c == '"') return out;
        if (c == '\\') {
            const char e = peek();
            if (e != '"' && e != '\\') fail_at("'\"' or '\\' after '\\'");
            ++pos_;
            out += e;
            continue;
        }
        if (c == '\0') fail_msg("NUL in a quoted string");
        out += c;  // 8-bit bytes are tolerated (UTF-8 mailbox names and search strings)
    }
}

std::string Lexer::literal() {
    expect('{', "'{'");
    const std::uint64_t n = number64();
    accept('+');
    expect('}', "'}'");
    accept('\r');
    expect('\n', "CRLF after a literal's length");
    if (n > in_.size() - pos_) fail_msg("literal shorter than announced");
    std::string out(in_.substr(pos_, n));
    pos_ += n;
    return out;
}

std::string Lexer::string() {
    if (at('"')) return quoted();
    if (at('{')) return literal();
    fail_at("a string");
}

std::optional<std::string> Lexer::nstring() {
    if (accept_word("NIL")) return std::nullopt;
    return string();
}

std::string Lexer::astring() {
    if (at('"') || at('{')) return string();
    const std::size_t from = pos_;
    while (!at_end() && is_astring_char(peek())) ++pos_;
    if (pos_ == from) fail_at("an astring");
    return std::string(in_.substr(from, pos_ - from));
}

std::string Lexer::mailbox() {
    std::string name = astring();
    if (iequals(name, "INBOX")) return "INBOX";
    // "inbox/sub" keeps its case below INBOX, but INBOX itself is case-insensitive.
    if (name.size() > 6 && iequals(std::string_view(name).substr(0, 6), "INBOX/"))
        name.replace(0, 5, "INBOX");
    return name;
}

std::string Lexer::list_mailbox() {
    if (at('"') || at('{')) return string();
    const std::size_t from = pos_;
    while (!at_end() && is_list_char(peek())) ++pos_;
    if (pos_ == from) fail_at("a mailbox name or pattern");
    return std::string(in_.substr(from, pos_ - from));
}

std::string Lexer::flag() {
    static constexpr std::array<std::string_view, 6> kSystem = {
        "\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "\\Recent"};
    if (accept('\\')) {
        const std::string name = "\\" + atom();
        for (auto s : kSystem)
            if (iequals(s, name)) return std::string(s);
        return name;  // a flag-extension: stored as sent, refused by STORE
    }
    return atom();
}

std::vector<std::string> Lexer::flag_list() {
    std::vector<std::string> flags;
    list([&] { flags.push_back(flag()); }, true, 1000);
    return flags;
}

SeqSet Lexer::sequence_set(std::size_t max_ranges) {
    SeqSet set;
    auto one = [&]() -> std::uint32_t {
        if (accept('*')) return kStar;
        return nz_number();
    };
    for (;;) {
        if (set.ranges.size() >= max_ranges) fail_msg("too many ranges in a sequence set");
        SeqRange r;
        r.first = one();
        r.last = r.first;
        if (accept(':')) r.last = one();
        set.ranges.push_back(r);
        if (!accept(',')) break;
    }
    return set;
}

}  // namespace coitest::peer::imap::detail
