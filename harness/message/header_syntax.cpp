#include "message/header_syntax.hpp"

#include "message/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace coitest::message {

namespace {

Error syntax_error(std::string what) {
    return make_error(ErrorKind::protocol, std::move(what));
}

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

// RFC 5322 atext: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~"
bool is_atext(char c) {
    auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '/':
        case '=':
        case '?':
        case '^':
        case '_':
        case '`':
        case '{':
        case '|':
        case '}':
        case '~':
            return true;
        default:
            return u >= 0x80;  // RFC 6532 UTF-8 in atoms; header-ascii is judged separately
    }
}

// ---- Lexer over an unfolded structured field body --------------------------------------------

class Lexer {
  public:
    explicit Lexer(std::string_view s) : s_(s) {}

    // Skips white space and (nested) comments. Returns an error for an unterminated comment.
    Result<bool> skip_cfws() {
        bool skipped = false;
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (is_wsp(c) || c == '\r' || c == '\n') {
                ++pos_;
                skipped = true;
            } else if (c == '(') {
                int depth = 0;
                do {
                    if (pos_ >= s_.size()) return syntax_error("a comment \"(\" is never closed");
                    char d = s_[pos_];
                    if (d == '\\') {
                        pos_ += 2;
                        continue;
                    }
                    if (d == '(') ++depth;
                    if (d == ')') --depth;
                    ++pos_;
                } while (depth > 0);
                skipped = true;
            } else {
                break;
            }
        }
        return skipped;
    }

    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    bool eat(char c) {
        if (peek() == c && !at_end()) {
            ++pos_;
            return true;
        }
        return false;
    }
    std::string_view atom() {
        std::size_t start = pos_;
        while (pos_ < s_.size() && is_atext(s_[pos_])) ++pos_;
        return s_.substr(start, pos_ - start);
    }
    // dot-atom-text: 1*atext *("." 1*atext), no spaces
    std::optional<std::string> dot_atom_text() {
        std::size_t start = pos_;
        if (atom().empty()) {
            pos_ = start;
            return std::nullopt;
        }
        while (peek() == '.') {
            std::size_t save = pos_;
            ++pos_;
            if (atom().empty()) {
                pos_ = save;
                return std::nullopt;
            }
        }
        return std::string(s_.substr(start, pos_ - start));
    }
    // quoted-string; returns the unescaped content.
    Result<std::string> quoted_string() {
        if (!eat('"')) return syntax_error("expected a quoted string");
        std::string out;
        while (true) {
            if (at_end()) return syntax_error("a quoted string is never closed");
            char c = s_[pos_++];
            if (c == '"') break;
            if (c == '\\') {
                if (at_end()) return syntax_error("a quoted string ends in a backslash");
                out.push_back(s_[pos_++]);
            } else if (c == '\r' || c == '\n') {
                continue;
            } else {
                out.push_back(c);
            }
        }
        return out;
    }
    // no-fold-literal / domain-literal: "[" *dtext "]"
    Result<std::string> literal() {
        std::size_t start = pos_;
        if (!eat('[')) return syntax_error("expected \"[\"");
        while (!at_end() && peek() != ']') {
            char c = peek();
            if (c == '[' || c == '\\') return syntax_error("invalid character in a [literal]");
            ++pos_;
        }
        if (!eat(']')) return syntax_error("a [literal] is never closed");
        return std::string(s_.substr(start, pos_ - start));
    }
    std::size_t pos() const { return pos_; }
    void set_pos(std::size_t p) { pos_ = p; }
    std::string_view rest() const { return s_.substr(std::min(pos_, s_.size())); }

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

#define COITEST_TRY_CFWS(lex)        \
    do {                             \
        auto _r = (lex).skip_cfws(); \
        if (!_r) return _r.error();  \
    } while (false)

std::string show_rest(const Lexer& lex) {
    return show(lex.rest(), 40);
}

// True when white space or a comment was skipped (an unterminated comment counts as none).
bool skipped_ws(Lexer& lex) {
    auto r = lex.skip_cfws();
    return r && *r;
}

}  // namespace

// ---- Header section ----------------------------------------------------------------------------

Result<HeaderSection> parse_header_section(std::string_view bytes, const HeaderLimits& limits) {
    HeaderSection out;
    std::size_t pos = 0;
    std::size_t line_no = 0;
    RawField* current = nullptr;
    while (pos < bytes.size()) {
        std::size_t eol = bytes.find('\n', pos);
        std::size_t next = (eol == std::string_view::npos) ? bytes.size() : eol + 1;
        std::size_t end = (eol == std::string_view::npos) ? bytes.size() : eol;
        if (end > pos && bytes[end - 1] == '\r') --end;
        std::string_view line = bytes.substr(pos, end - pos);
        ++line_no;
        if (pos > limits.max_bytes)
            return make_error(
                ErrorKind::limit,
                "header section larger than " + std::to_string(limits.max_bytes >> 20) + " MiB");
        for (char c : line)
            if (c == '\r') out.bare_cr = true;
        if (line.size() > out.longest_line) {
            out.longest_line = line.size();
            out.longest_line_no = line_no;
        }
        if (line.empty()) {
            out.has_separator = true;
            out.body_offset = next;
            out.lines = line_no;
            return out;
        }
        if (is_wsp(line.front())) {
            if (current == nullptr) {
                out.malformed.push_back({line_no, std::string(line.substr(0, 80)),
                                         "continuation line before any header field"});
            } else {
                current->raw_value += "\n";
                current->raw_value += line;
                current->raw_size += next - pos;
            }
            pos = next;
            continue;
        }
        std::size_t colon = line.find(':');
        std::string reason;
        if (colon == std::string_view::npos) {
            reason = "no colon: not a header field";
        } else if (colon == 0) {
            reason = "empty field name";
        } else {
            for (std::size_t i = 0; i < colon; ++i) {
                auto u = static_cast<unsigned char>(line[i]);
                if (is_wsp(line[i])) {
                    reason = "white space before the colon (obsolete syntax)";
                    break;
                }
                if (u < 33 || u > 126) {
                    reason = "field name has a character outside printable US-ASCII";
                    break;
                }
            }
        }
        if (!reason.empty()) {
            out.malformed.push_back({line_no, std::string(line.substr(0, 80)), reason});
            current = nullptr;
            pos = next;
            continue;
        }
        if (out.fields.size() >= limits.max_fields)
            return make_error(ErrorKind::limit,
                              "more than " + std::to_string(limits.max_fields) + " header fields");
        RawField f;
        f.name = std::string(line.substr(0, colon));
        f.raw_value = std::string(line.substr(colon + 1));
        f.line = line_no;
        f.offset = pos;
        f.raw_size = next - pos;
        out.fields.push_back(std::move(f));
        current = &out.fields.back();
        pos = next;
    }
    out.body_offset = bytes.size();
    out.lines = line_no;
    return out;
}

// ---- Dates -------------------------------------------------------------------------------------

namespace {
constexpr std::array<const char*, 7> kDays{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int days_in_month(int y, int m) {
    static constexpr int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && leap(y)) ? 29 : d[m - 1];
}
// Days since 1970-01-01 (proleptic Gregorian), Howard Hinnant's algorithm.
long long days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;
    const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::optional<int> digits(Lexer& lex, std::size_t min, std::size_t max, std::size_t& count) {
    int v = 0;
    count = 0;
    while (count < max + 1 && lex.peek() >= '0' && lex.peek() <= '9' && !lex.at_end()) {
        if (count == max) return std::nullopt;  // too many digits
        v = v * 10 + (lex.peek() - '0');
        lex.set_pos(lex.pos() + 1);
        ++count;
        if (v > 1000000) return std::nullopt;
    }
    if (count < min) return std::nullopt;
    return v;
}
}  // namespace

int DateTime::actual_weekday() const {
    long long days = days_from_civil(year, month, day);
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    long long w = (days % 7 + 7 + 3) % 7;
    return static_cast<int>(w);
}

long long DateTime::unix_seconds() const {
    return days_from_civil(year, month, day) * 86400LL + hour * 3600LL + minute * 60LL + second -
           zone_minutes * 60LL;
}

std::string weekday_name(int weekday) {
    return (weekday >= 0 && weekday < 7) ? kDays[static_cast<std::size_t>(weekday)] : "?";
}

Result<DateTime> parse_date(std::string_view value) {
    Lexer lex(value);
    DateTime dt;
    COITEST_TRY_CFWS(lex);
    // Optional day-of-week.
    if ((lex.peek() >= 'A' && lex.peek() <= 'Z') || (lex.peek() >= 'a' && lex.peek() <= 'z')) {
        std::string_view name = lex.atom();
        bool found = false;
        for (std::size_t i = 0; i < kDays.size(); ++i)
            if (iequals(name, kDays[i])) {
                dt.weekday = static_cast<int>(i);
                found = true;
            }
        if (!found) return syntax_error("unknown day of week " + show(name));
        COITEST_TRY_CFWS(lex);
        if (!lex.eat(','))
            return syntax_error("expected \",\" after the day of week, found " + show_rest(lex));
        COITEST_TRY_CFWS(lex);
    }
    std::size_t n = 0;
    auto day = digits(lex, 1, 2, n);
    if (!day) return syntax_error("expected a 1-2 digit day of month, found " + show_rest(lex));
    dt.day = *day;
    if (!skipped_ws(lex)) return syntax_error("expected white space after the day of month");
    std::string_view mon = lex.atom();
    bool found = false;
    for (std::size_t i = 0; i < kMonths.size(); ++i)
        if (iequals(mon, kMonths[i])) {
            dt.month = static_cast<int>(i) + 1;
            found = true;
        }
    if (!found) return syntax_error("expected a month name (Jan … Dec), found " + show(mon));
    if (!skipped_ws(lex)) return syntax_error("expected white space after the month");
    auto year = digits(lex, 4, 9, n);
    if (!year)
        return syntax_error("expected a year of at least 4 digits, found " + show_rest(lex) +
                            " (2-digit years are obsolete syntax)");
    dt.year = *year;
    if (dt.year < 1900) return syntax_error("year before 1900");
    if (!skipped_ws(lex)) return syntax_error("expected white space after the year");
    auto hour = digits(lex, 2, 2, n);
    if (!hour) return syntax_error("expected a 2-digit hour, found " + show_rest(lex));
    if (!lex.eat(':')) return syntax_error("expected \":\" after the hour");
    auto minute = digits(lex, 2, 2, n);
    if (!minute) return syntax_error("expected a 2-digit minute, found " + show_rest(lex));
    dt.hour = *hour;
    dt.minute = *minute;
    if (lex.eat(':')) {
        auto second = digits(lex, 2, 2, n);
        if (!second) return syntax_error("expected a 2-digit second, found " + show_rest(lex));
        dt.second = *second;
    }
    if (!skipped_ws(lex)) return syntax_error("expected white space before the time zone");
    char sign = lex.peek();
    if (sign != '+' && sign != '-') {
        std::string_view z = lex.atom();
        if (!z.empty())
            return syntax_error("time zone " + show(z) +
                                " is obsolete syntax; use a numeric zone like +0000");
        return syntax_error("expected a numeric time zone like +0100, found " + show_rest(lex));
    }
    lex.set_pos(lex.pos() + 1);
    auto zone = digits(lex, 4, 4, n);
    if (!zone) return syntax_error("expected 4 digits in the time zone, found " + show_rest(lex));
    int zh = *zone / 100, zm = *zone % 100;
    if (zm > 59) return syntax_error("time zone minutes above 59");
    dt.zone_minutes = (sign == '-' ? -1 : 1) * (zh * 60 + zm);
    COITEST_TRY_CFWS(lex);
    if (!lex.at_end()) return syntax_error("unexpected text after the date: " + show_rest(lex));
    if (dt.day < 1 || dt.day > days_in_month(dt.year, dt.month))
        return syntax_error("day " + std::to_string(dt.day) + " does not exist in " +
                            kMonths[static_cast<std::size_t>(dt.month - 1)] + " " +
                            std::to_string(dt.year));
    if (dt.hour > 23 || dt.minute > 59 || dt.second > 60)
        return syntax_error("time of day out of range");
    return dt;
}

// ---- msg-id ------------------------------------------------------------------------------------

namespace {
Result<std::string> msg_id_inner(Lexer& lex) {
    if (!lex.eat('<'))
        return syntax_error("expected \"<\" to open a msg-id, found " + show_rest(lex));
    auto left = lex.dot_atom_text();
    if (!left)
        return syntax_error("the part before \"@\" is not a dot-atom (found " + show_rest(lex) +
                            ")");
    if (!lex.eat('@')) return syntax_error("expected \"@\" in the msg-id, found " + show_rest(lex));
    std::string right;
    if (lex.peek() == '[') {
        auto lit = lex.literal();
        if (!lit) return lit.error();
        right = *lit;
    } else {
        auto r = lex.dot_atom_text();
        if (!r)
            return syntax_error("the part after \"@\" is not a dot-atom (found " + show_rest(lex) +
                                ")");
        right = *r;
    }
    if (!lex.eat('>'))
        return syntax_error("expected \">\" to close the msg-id, found " + show_rest(lex));
    return *left + "@" + right;
}
}  // namespace

Result<std::string> parse_msg_id(std::string_view value) {
    Lexer lex(value);
    COITEST_TRY_CFWS(lex);
    if (lex.at_end()) return syntax_error("empty msg-id");
    auto id = msg_id_inner(lex);
    if (!id) return id.error();
    COITEST_TRY_CFWS(lex);
    if (!lex.at_end()) return syntax_error("unexpected text after the msg-id: " + show_rest(lex));
    return id;
}

Result<std::vector<std::string>> parse_msg_id_list(std::string_view value) {
    Lexer lex(value);
    std::vector<std::string> ids;
    COITEST_TRY_CFWS(lex);
    while (!lex.at_end()) {
        auto id = msg_id_inner(lex);
        if (!id) return id.error();
        ids.push_back(std::move(*id));
        COITEST_TRY_CFWS(lex);
        if (ids.size() > 10000) return make_error(ErrorKind::limit, "more than 10000 msg-ids");
    }
    if (ids.empty()) return syntax_error("no msg-id");
    return ids;
}

Result<LooseMsgId> parse_msg_id_loose(std::string_view value) {
    std::string_view v = trim(value);
    if (!v.empty() && v.front() == '<') {
        auto id = parse_msg_id(v);
        if (!id) return id.error();
        return LooseMsgId{*id, true};
    }
    std::string wrapped = "<" + std::string(v) + ">";
    auto id = parse_msg_id(wrapped);
    if (!id) return id.error();
    return LooseMsgId{*id, false};
}

// ---- Addresses ---------------------------------------------------------------------------------

namespace {

// A phrase word or local-part piece.
struct Word {
    std::string text;
    bool quoted = false;
};

Result<std::string> parse_domain(Lexer& lex) {
    if (lex.peek() == '[') return lex.literal();
    auto d = lex.dot_atom_text();
    if (!d) return syntax_error("expected a domain after \"@\", found " + show_rest(lex));
    return *d;
}

// addr-spec after the local part has been read.
Result<Mailbox> finish_addr_spec(Lexer& lex, std::string local) {
    if (!lex.eat('@'))
        return syntax_error("expected \"@\" in the address, found " + show_rest(lex));
    COITEST_TRY_CFWS(lex);
    auto domain = parse_domain(lex);
    if (!domain) return domain.error();
    Mailbox m;
    m.local = std::move(local);
    m.domain = std::move(*domain);
    return m;
}

Result<std::string> parse_local_part(Lexer& lex) {
    if (lex.peek() == '"') {
        auto q = lex.quoted_string();
        if (!q) return q.error();
        return "\"" + *q + "\"";
    }
    auto d = lex.dot_atom_text();
    if (!d) return syntax_error("expected an address local part, found " + show_rest(lex));
    return *d;
}

Result<Mailbox> parse_angle_addr(Lexer& lex) {
    if (!lex.eat('<')) return syntax_error("expected \"<\"");
    COITEST_TRY_CFWS(lex);
    auto local = parse_local_part(lex);
    if (!local) return local.error();
    auto m = finish_addr_spec(lex, std::move(*local));
    if (!m) return m.error();
    COITEST_TRY_CFWS(lex);
    if (!lex.eat('>'))
        return syntax_error("expected \">\" to close the address, found " + show_rest(lex));
    m->angle = true;
    return m;
}

// mailbox / group. Reads the display-name words first, then decides by the next special.
Result<bool> parse_address(Lexer& lex, AddressList& out, bool allow_group) {
    COITEST_TRY_CFWS(lex);
    std::size_t start = lex.pos();
    std::vector<Word> words;
    while (true) {
        if (lex.peek() == '"') {
            auto q = lex.quoted_string();
            if (!q) return q.error();
            words.push_back({*q, true});
        } else {
            std::string_view a = lex.atom();
            if (a.empty()) break;
            words.push_back({std::string(a), false});
        }
        COITEST_TRY_CFWS(lex);
    }
    char c = lex.peek();
    if (c == '<' && !lex.at_end()) {
        auto m = parse_angle_addr(lex);
        if (!m) return m.error();
        std::string name;
        for (const auto& w : words) {
            if (!name.empty()) name += ' ';
            name += w.text;
        }
        m->display_name = name;
        out.mailboxes.push_back(std::move(*m));
        COITEST_TRY_CFWS(lex);
        return true;
    }
    if (c == ':' && !lex.at_end()) {
        if (!allow_group) return syntax_error("a group is not allowed here");
        if (words.empty()) return syntax_error("a group needs a name before \":\"");
        lex.eat(':');
        AddressGroup g;
        for (const auto& w : words) {
            if (!g.name.empty()) g.name += ' ';
            g.name += w.text;
        }
        AddressList inner;
        COITEST_TRY_CFWS(lex);
        while (!lex.at_end() && lex.peek() != ';') {
            auto r = parse_address(lex, inner, false);
            if (!r) return r.error();
            COITEST_TRY_CFWS(lex);
            if (lex.peek() == ',') {
                lex.eat(',');
                continue;
            }
            if (lex.peek() != ';') break;
        }
        if (!lex.eat(';')) return syntax_error("a group is not closed with \";\"");
        g.members = inner.mailboxes;
        for (auto& m : inner.mailboxes) out.mailboxes.push_back(m);
        out.groups.push_back(std::move(g));
        COITEST_TRY_CFWS(lex);
        return true;
    }
    // addr-spec: re-read from the start as a local part (dot-atom or quoted string).
    lex.set_pos(start);
    COITEST_TRY_CFWS(lex);
    if (lex.at_end() || lex.peek() == ',') return syntax_error("empty address");
    auto local = parse_local_part(lex);
    if (!local) return local.error();
    if (lex.peek() != '@') {
        if (lex.peek() == ';')
            return syntax_error(
                "\";\" used to separate addresses; RFC 5322 separates them with \",\"");
        return syntax_error("expected \"@\" or \"<\" after " + show(*local) + ", found " +
                            show_rest(lex));
    }
    auto m = finish_addr_spec(lex, std::move(*local));
    if (!m) return m.error();
    out.mailboxes.push_back(std::move(*m));
    COITEST_TRY_CFWS(lex);
    return true;
}

}  // namespace

Result<AddressList> parse_address_list(std::string_view value) {
    Lexer lex(value);
    AddressList out;
    COITEST_TRY_CFWS(lex);
    if (lex.at_end()) return syntax_error("empty address list");
    while (true) {
        auto r = parse_address(lex, out, true);
        if (!r) return r.error();
        if (lex.at_end()) break;
        if (lex.peek() == ';')
            return syntax_error(
                "\";\" used to separate addresses; RFC 5322 separates them with \",\"");
        if (!lex.eat(','))
            return syntax_error("expected \",\" between addresses, found " + show_rest(lex));
        COITEST_TRY_CFWS(lex);
        if (lex.at_end()) return syntax_error("the address list ends with \",\"");
        if (out.mailboxes.size() > 10000)
            return make_error(ErrorKind::limit, "more than 10000 addresses");
    }
    return out;
}

Result<std::vector<Mailbox>> parse_mailbox_list(std::string_view value) {
    auto list = parse_address_list(value);
    if (!list) return list.error();
    if (!list->groups.empty())
        return syntax_error("a group is not allowed here; expected mailboxes");
    return list->mailboxes;
}

Result<Mailbox> parse_addr_spec(std::string_view value) {
    Lexer lex(value);
    COITEST_TRY_CFWS(lex);
    auto local = parse_local_part(lex);
    if (!local) return local.error();
    auto m = finish_addr_spec(lex, std::move(*local));
    if (!m) return m.error();
    COITEST_TRY_CFWS(lex);
    if (!lex.at_end()) return syntax_error("unexpected text after the address: " + show_rest(lex));
    return m;
}

std::string canonical_address(std::string_view address) {
    return to_lower(trim(address));
}

// ---- Parameters --------------------------------------------------------------------------------

bool is_mime_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u >= 127) return false;
        switch (c) {
            case '(':
            case ')':
            case '<':
            case '>':
            case '@':
            case ',':
            case ';':
            case ':':
            case '\\':
            case '"':
            case '/':
            case '[':
            case ']':
            case '?':
            case '=':
                return false;
            default:
                break;
        }
    }
    return true;
}

const Parameter* ParameterizedValue::param(std::string_view name) const {
    for (const auto& p : params)
        if (iequals(p.name, name)) return &p;
    return nullptr;
}

namespace {
int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
std::string percent_decode(std::string_view s, bool& ok) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size()) {
                ok = false;
                return out;
            }
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) {
                ok = false;
                return out;
            }
            out.push_back(static_cast<char>(h * 16 + l));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}
}  // namespace

ParameterizedValue parse_parameterized(std::string_view raw) {
    ParameterizedValue out;
    std::string unfolded = unfold(raw);
    std::string_view v = unfolded;
    // The leading value runs to the first ';' outside quotes.
    std::size_t i = 0;
    bool in_quote = false;
    for (; i < v.size(); ++i) {
        if (v[i] == '"') in_quote = !in_quote;
        if (v[i] == ';' && !in_quote) break;
    }
    out.value = std::string(trim(v.substr(0, i)));
    // RFC 2231 pieces collected before joining: name -> (index -> (value, extended)).
    struct Piece {
        int index;
        std::string value;
        bool extended;
        bool quoted;
    };
    std::vector<std::pair<std::string, std::vector<Piece>>> pieces;
    while (i < v.size()) {
        ++i;  // skip ';'
        while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
        if (i >= v.size()) {
            out.trailing_semicolon = true;
            break;
        }
        std::size_t eq = i;
        while (eq < v.size() && v[eq] != '=' && v[eq] != ';') ++eq;
        std::string name = to_lower(trim(v.substr(i, eq - i)));
        if (eq >= v.size() || v[eq] != '=') {
            out.problems.push_back("parameter " + show(name) + " has no \"=value\"");
            i = eq;
            continue;
        }
        if (name.empty()) out.problems.push_back("a parameter has an empty name");
        std::size_t j = eq + 1;
        while (j < v.size() && (v[j] == ' ' || v[j] == '\t')) ++j;
        std::string value;
        bool quoted = false;
        if (j < v.size() && v[j] == '"') {
            quoted = true;
            ++j;
            bool closed = false;
            while (j < v.size()) {
                char c = v[j++];
                if (c == '\\' && j < v.size()) {
                    value.push_back(v[j++]);
                } else if (c == '"') {
                    closed = true;
                    break;
                } else {
                    value.push_back(c);
                }
            }
            if (!closed)
                out.problems.push_back("the quoted value of " + show(name) + " is never closed");
            while (j < v.size() && v[j] != ';') {
                if (v[j] != ' ' && v[j] != '\t') {
                    out.problems.push_back("text after the quoted value of " + show(name));
                    break;
                }
                ++j;
            }
            while (j < v.size() && v[j] != ';') ++j;
        } else {
            std::size_t k = j;
            while (k < v.size() && v[k] != ';') ++k;
            value = std::string(trim(v.substr(j, k - j)));
            j = k;
        }
        // RFC 2231: name*N*, name*N, name*
        bool extended = false;
        int index = -1;
        std::string base = name;
        if (!base.empty() && base.back() == '*') {
            extended = true;
            base.pop_back();
        }
        std::size_t star = base.find('*');
        if (star != std::string::npos) {
            std::string num = base.substr(star + 1);
            base = base.substr(0, star);
            index = 0;
            bool numeric = !num.empty() && num.size() < 5;
            for (char c : num)
                if (c < '0' || c > '9') numeric = false;
            if (!numeric)
                out.problems.push_back("parameter " + show(name) +
                                       " has a malformed RFC 2231 section number");
            else
                index = std::stoi(num);
        }
        if (!quoted && !extended && !is_mime_token(value))
            out.problems.push_back("the value of " + show(base) + " (" + show(value, 60) +
                                   ") is neither a token nor a quoted string");
        if (!is_mime_token(base))
            out.problems.push_back("parameter name " + show(base) + " is not a token");
        auto it = pieces.begin();
        for (; it != pieces.end(); ++it)
            if (it->first == base) break;
        if (it == pieces.end()) {
            pieces.push_back({base, {}});
            it = pieces.end() - 1;
        } else if (index < 0) {
            out.problems.push_back("parameter " + show(base) + " appears more than once");
        }
        it->second.push_back({index < 0 ? 0 : index, std::move(value), extended, quoted});
        i = j;
        if (pieces.size() > 1000) break;
    }
    for (auto& [name, parts] : pieces) {
        std::sort(parts.begin(), parts.end(),
                  [](const Piece& a, const Piece& b) { return a.index < b.index; });
        Parameter p;
        p.name = name;
        bool ok = true;
        for (std::size_t k = 0; k < parts.size(); ++k) {
            const Piece& piece = parts[k];
            p.quoted = p.quoted || piece.quoted;
            if (piece.extended) {
                p.extended = true;
                std::string_view val = piece.value;
                if (k == 0) {
                    // charset'language'value
                    std::size_t q1 = val.find('\'');
                    std::size_t q2 = q1 == std::string_view::npos ? q1 : val.find('\'', q1 + 1);
                    if (q2 == std::string_view::npos) {
                        out.problems.push_back("RFC 2231 value of " + show(name) +
                                               " lacks charset'language'");
                    } else {
                        val = val.substr(q2 + 1);
                    }
                }
                p.value += percent_decode(val, ok);
            } else {
                p.value += piece.value;
            }
        }
        if (!ok)
            out.problems.push_back("bad percent-encoding in the RFC 2231 value of " + show(name));
        out.params.push_back(std::move(p));
    }
    return out;
}

MediaType parse_media_type(std::string_view value) {
    MediaType mt;
    std::string_view v = trim(value);
    std::size_t slash = v.find('/');
    if (slash == std::string_view::npos) return mt;
    std::string_view t = trim(v.substr(0, slash));
    std::string_view s = trim(v.substr(slash + 1));
    if (!is_mime_token(t) || !is_mime_token(s)) return mt;
    mt.type = to_lower(t);
    mt.subtype = to_lower(s);
    mt.valid = true;
    return mt;
}

}  // namespace coitest::message

namespace coitest::message {

namespace {
std::string latin1_to_utf8(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}
}  // namespace

DecodedText decode_encoded_words(std::string_view value) {
    DecodedText out;
    std::string v = unfold(value);
    std::size_t pos = 0;
    bool last_was_word = false;
    std::string pending_space;
    while (pos < v.size()) {
        std::size_t start = v.find("=?", pos);
        if (start == std::string::npos) {
            out.text += pending_space;
            out.text += v.substr(pos);
            break;
        }
        std::string between = v.substr(pos, start - pos);
        bool only_ws = between.find_first_not_of(" \t") == std::string::npos;
        // White space between two adjacent encoded words is dropped (RFC 2047 §6.2).
        if (!(last_was_word && only_ws)) out.text += pending_space + between;
        pending_space.clear();
        std::size_t q1 = v.find('?', start + 2);
        std::size_t q2 = q1 == std::string::npos ? q1 : v.find('?', q1 + 1);
        std::size_t end = q2 == std::string::npos ? q2 : v.find("?=", q2 + 1);
        if (end == std::string::npos) {
            out.text += v.substr(start, 2);
            pos = start + 2;
            last_was_word = false;
            continue;
        }
        std::string word = v.substr(start, end + 2 - start);
        std::string charset = to_lower(v.substr(start + 2, q1 - start - 2));
        std::string enc = to_lower(v.substr(q1 + 1, q2 - q1 - 1));
        std::string payload = v.substr(q2 + 1, end - q2 - 1);
        out.had_encoded_words = true;
        if (std::size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);
        if (word.size() > 75)
            out.problems.push_back("encoded word longer than 75 characters: " + show(word, 40));
        if (payload.find(' ') != std::string::npos)
            out.problems.push_back("encoded word contains a space: " + show(word, 40));
        std::string bytes;
        bool ok = true;
        if (enc == "b") {
            auto d = base64_decode(payload);
            ok = d.has_value();
            if (d) bytes = *d;
        } else if (enc == "q") {
            for (std::size_t i = 0; i < payload.size(); ++i) {
                char c = payload[i];
                if (c == '_') {
                    bytes.push_back(' ');
                } else if (c == '=') {
                    auto hv = [](char h) -> int {
                        if (h >= '0' && h <= '9') return h - '0';
                        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
                        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
                        return -1;
                    };
                    if (i + 2 >= payload.size()) {
                        ok = false;
                        break;
                    }
                    int h = hv(payload[i + 1]), l = hv(payload[i + 2]);
                    if (h < 0 || l < 0) {
                        ok = false;
                        break;
                    }
                    bytes.push_back(static_cast<char>(h * 16 + l));
                    i += 2;
                } else {
                    bytes.push_back(c);
                }
            }
        } else {
            ok = false;
        }
        if (!ok) {
            out.problems.push_back("encoded word does not decode: " + show(word, 40));
            out.text += word;
        } else if (charset == "utf-8" || charset == "us-ascii") {
            if (!is_valid_utf8(bytes))
                out.problems.push_back("encoded word declares " + charset +
                                       " but is not: " + show(word, 40));
            out.text += bytes;
        } else if (charset == "iso-8859-1" || charset == "latin1") {
            out.text += latin1_to_utf8(bytes);
        } else {
            out.text += bytes;  // other charsets: bytes kept as they are
        }
        pos = end + 2;
        last_was_word = true;
    }
    return out;
}

}  // namespace coitest::message
