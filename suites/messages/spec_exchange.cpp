#include "messages/spec_exchange.hpp"

#include "messages/spec_exchange_rules.hpp"

#include "imap/parse_response.hpp"
#include "message/text.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace coitest::messages {

using exchange::where_of;
using message::Findings;
using message::show;

namespace {

constexpr std::size_t kMaxLiteral = 1u << 20;  // examples are small; a larger count is an error
constexpr std::size_t kMaxTokens = 10000;
constexpr std::size_t kMaxDepth = 32;
constexpr std::size_t kMaxSearchLines = 200;  // lines scanned when looking for a fitting count
constexpr std::size_t kMaxTrials = 256;       // counts tried: hostile input must not go quadratic
constexpr std::size_t kMaxSearches = 8;       // fitting-count searches per example

bool starts_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}
bool ends_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
std::string rstrip(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return std::string(s);
}

// ---- Client command tokens ----------------------------------------------------------------------

class Tokens {
  public:
    explicit Tokens(std::string_view in) : in_(in) {}

    Result<ClientCommand> command() {
        ClientCommand c;
        c.tag = word("a tag");
        if (!error_.empty()) return fail();
        if (c.tag.find('+') != std::string::npos) return fail("a tag may not contain \"+\"");
        if (!space()) return fail("a space after the tag");
        c.name = imap::to_upper(word("a command name"));
        if (!error_.empty()) return fail();
        while (error_.empty() && !at_crlf()) {
            if (!space()) return fail("a space between arguments");
            c.args.push_back(value(0));
        }
        if (!error_.empty()) return fail();
        pos_ += 2;
        if (pos_ != in_.size()) return fail("nothing after the final CRLF");
        return c;
    }

  private:
    Error fail(std::string what = {}) const {
        if (!what.empty()) return Error{ErrorKind::protocol, "expected " + what + at()};
        return Error{ErrorKind::protocol, error_};
    }
    std::string at() const {
        return " at offset " + std::to_string(pos_) + " (" +
               show(in_.substr(pos_, std::min<std::size_t>(20, in_.size() - pos_)), 24) + ")";
    }
    void set_error(std::string what) {
        if (error_.empty()) error_ = "expected " + what + at();
    }
    bool at_crlf() const { return in_.substr(pos_, 2) == "\r\n"; }
    bool space() {
        if (pos_ < in_.size() && in_[pos_] == ' ') {
            ++pos_;
            return true;
        }
        return false;
    }
    static bool word_char(char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '{' && c != '"';
    }
    std::string word(const char* what) {
        std::size_t start = pos_;
        while (pos_ < in_.size() && word_char(in_[pos_])) ++pos_;
        if (pos_ == start) set_error(what);
        return std::string(in_.substr(start, pos_ - start));
    }
    imap::SExpr value(std::size_t depth) {
        imap::SExpr v;
        if (++count_ > kMaxTokens) {
            set_error("at most " + std::to_string(kMaxTokens) + " tokens");
            return v;
        }
        if (pos_ >= in_.size()) {
            set_error("an argument");
            return v;
        }
        char c = in_[pos_];
        if (c == '(') {
            if (depth >= kMaxDepth) {
                set_error("lists nested at most " + std::to_string(kMaxDepth) + " deep");
                return v;
            }
            ++pos_;
            v.type = imap::SExpr::Type::list;
            while (error_.empty() && pos_ < in_.size() && in_[pos_] != ')') {
                if (!v.items.empty() && !space()) {
                    set_error("a space or \")\" in a list");
                    break;
                }
                v.items.push_back(value(depth + 1));
            }
            if (error_.empty() && pos_ < in_.size() && in_[pos_] == ')')
                ++pos_;
            else
                set_error("\")\"");
            return v;
        }
        if (c == '"') {
            ++pos_;
            v.type = imap::SExpr::Type::string;
            while (pos_ < in_.size() && in_[pos_] != '"') {
                if (in_[pos_] == '\r' || in_[pos_] == '\n') {
                    set_error("a closing quote before the line end");
                    return v;
                }
                if (in_[pos_] == '\\' && pos_ + 1 < in_.size()) ++pos_;
                v.text.push_back(in_[pos_++]);
            }
            if (pos_ >= in_.size()) set_error("a closing quote");
            ++pos_;
            return v;
        }
        if (c == '{' || (c == '~' && pos_ + 1 < in_.size() && in_[pos_ + 1] == '{')) {
            if (c == '~') ++pos_;
            ++pos_;
            std::size_t n = 0, digits = 0;
            while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9' && digits < 9) {
                n = n * 10 + static_cast<std::size_t>(in_[pos_++] - '0');
                ++digits;
            }
            if (pos_ < in_.size() && in_[pos_] == '+') ++pos_;
            if (digits == 0 || in_.substr(pos_, 3) != "}\r\n") {
                set_error("a literal {N} followed by CRLF");
                return v;
            }
            pos_ += 3;
            if (n > in_.size() - pos_) {
                set_error(std::to_string(n) + " octets of literal data");
                return v;
            }
            v.type = imap::SExpr::Type::string;
            v.text = std::string(in_.substr(pos_, n));
            pos_ += n;
            return v;
        }
        v.text = word("an atom, string, literal or list");
        v.type = imap::iequals(v.text, "NIL") ? imap::SExpr::Type::nil : imap::SExpr::Type::atom;
        return v;
    }

    std::string_view in_;
    std::size_t pos_ = 0;
    std::size_t count_ = 0;
    std::string error_;
};

// ---- Framing: example lines -> commands and responses ------------------------------------------

struct Literal {
    int line = 0;
    std::size_t announced = 0;
};

struct Unit {
    ExchangeSide side = ExchangeSide::server;
    bool unmarked = false;  // began on a line without a C:/S: marker
    int first_line = 0;
    std::size_t next = 0;  // index of the first line after the unit
    std::string wire;
    std::vector<Literal> literals;
    std::optional<imap::Response> response;
    std::optional<ClientCommand> command;
};

// "{N}", "{N+}" or "~{N}" at the end of a line: the announced count.
std::optional<std::size_t> trailing_literal(std::string_view line) {
    if (!ends_with(line, "}")) return std::nullopt;
    std::size_t open = line.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view inside = line.substr(open + 1, line.size() - open - 2);
    if (ends_with(inside, "+")) inside.remove_suffix(1);
    if (inside.empty() || inside.size() > 9 ||
        inside.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    return static_cast<std::size_t>(std::stoul(std::string(inside)));
}

bool continues(const ExchangeLine& l, ExchangeSide side) {
    return l.side == side || l.side == ExchangeSide::unmarked;
}

// Reassembles the unit that starts at `start`, reading literal data from the following lines
// of the same side (or unmarked) with `sep` between lines. `override` replaces the first
// literal's count (used to find the count that fits the data shown).
Result<Unit> frame(const std::vector<ExchangeLine>& lines, std::size_t start, ExchangeSide side,
                   std::string_view sep, std::optional<std::size_t> override) {
    Unit u;
    u.side = side;
    u.unmarked = lines[start].side == ExchangeSide::unmarked;
    u.first_line = lines[start].line;
    std::string cur =
        lines[start].side == ExchangeSide::unmarked ? rstrip(lines[start].text) : lines[start].text;
    std::size_t k = start;
    for (;;) {
        auto n = trailing_literal(cur);
        std::size_t want = n ? *n : 0;
        if (n && u.literals.empty() && override) {
            // The trial count goes on the wire too, or the parser would read the announced one.
            want = *override;
            std::size_t open = cur.rfind('{');
            bool plus = cur[cur.size() - 2] == '+';
            cur = cur.substr(0, open + 1) + std::to_string(want) + (plus ? "+}" : "}");
        }
        u.wire += cur;
        u.wire += "\r\n";
        if (!n) break;
        u.literals.push_back({lines[k].line, *n});
        if (want > kMaxLiteral)
            return make_error(ErrorKind::limit, "a literal of " + std::to_string(want) + " octets");
        std::string data;
        bool placed = false;
        for (std::size_t j = k + 1; j < lines.size() && continues(lines[j], side); ++j) {
            const std::string& piece = lines[j].text;
            if (data.size() + piece.size() >= want) {
                std::size_t cut = want - data.size();
                data += piece.substr(0, cut);
                cur = piece.substr(cut);
                k = j;
                placed = true;
                break;
            }
            data += piece;
            if (data.size() + sep.size() > want)
                return make_error(ErrorKind::protocol, "the literal ends inside a line break");
            data += sep;
        }
        if (!placed)
            return make_error(ErrorKind::protocol,
                              "the literal runs past the lines the example shows");
        u.wire += data;
    }
    u.next = k + 1;
    return u;
}

bool parses(Unit& u, std::string& error) {
    if (u.side == ExchangeSide::server) {
        auto r = imap::parse_response(u.wire);
        if (!r) {
            error = r.error().message;
            return false;
        }
        u.response = std::move(*r);
        return true;
    }
    auto c = parse_client_command(u.wire);
    if (!c) {
        error = c.error().message;
        return false;
    }
    u.command = std::move(*c);
    return true;
}

std::optional<Unit> frame_and_parse(const std::vector<ExchangeLine>& lines, std::size_t start,
                                    ExchangeSide side, std::optional<std::size_t> override,
                                    std::string& error, std::string& convention) {
    for (std::string_view sep : {std::string_view("\n"), std::string_view("\r\n")}) {
        auto u = frame(lines, start, side, sep, override);
        if (!u) {
            if (error.empty()) error = u.error().message;
            continue;
        }
        std::string e;
        if (parses(*u, e)) {
            convention = sep == "\n" ? "LF" : "CRLF";
            return std::move(*u);
        }
        if (error.empty()) error = e;
    }
    return std::nullopt;
}

// The first literal count that makes the unit parse with `sep` between lines, trying every place
// in the following lines where the literal could end (before ")" or " ", or at a line end).
struct Fit {
    Unit unit;
    std::size_t count = 0;
};
std::optional<Fit> fitting_count(const std::vector<ExchangeLine>& lines, std::size_t start,
                                 ExchangeSide side, std::string_view sep) {
    std::size_t before = 0, trials = 0;
    for (std::size_t j = start + 1;
         j < lines.size() && j <= start + kMaxSearchLines && continues(lines[j], side); ++j) {
        const std::string& t = lines[j].text;
        for (std::size_t pos = 0; pos <= t.size(); ++pos) {
            if (pos < t.size() && t[pos] != ')' && t[pos] != ' ') continue;
            if (++trials > kMaxTrials) return std::nullopt;
            auto u = frame(lines, start, side, sep, before + pos);
            if (!u) continue;
            std::string e;
            if (parses(*u, e)) return Fit{std::move(*u), before + pos};
        }
        before += t.size() + sep.size();
    }
    return std::nullopt;
}

}  // namespace

std::vector<ExchangeLine> split_exchange(std::string_view text, int first_line) {
    std::vector<ExchangeLine> out;
    std::size_t pos = 0;
    int line = first_line;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        std::size_t end = eol == std::string_view::npos ? text.size() : eol;
        std::string_view l = text.substr(pos, end - pos);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        ExchangeLine x;
        x.line = line++;
        if (starts_with(l, "C:") || starts_with(l, "S:")) {
            x.side = l[0] == 'C' ? ExchangeSide::client : ExchangeSide::server;
            l.remove_prefix(2);
            if (!l.empty() && l.front() == ' ') l.remove_prefix(1);
            // White space at the end of a marked line is invisible in a rendered spec.
            x.text = rstrip(l);
        } else {
            x.text = std::string(l);
        }
        out.push_back(std::move(x));
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
    }
    return out;
}

Result<ClientCommand> parse_client_command(std::string_view wire) {
    if (wire.size() > (4u << 20)) return make_error(ErrorKind::limit, "a command over 4 MiB");
    return Tokens(wire).command();
}

std::vector<std::string_view> exchange_requirements() {
    return {"rfc3501.syntax.literal-octets",
            "rfc3501.syntax.tagged-completion",
            "rfc3501.syntax.response",
            "rfc3501.syntax.command",
            "rfc5464.syntax.value",
            "coi-server.capability.coi-after-login",
            "coi-server.capability.webpush",
            "coi-server.metadata.setmetadata-paths",
            "coi-server.enable.invalid-value-no",
            "coi-server.filter.invalid-value-no",
            "coi-server.config.mailbox-root-per-user",
            "coi-server.config.getmetadata-prefix",
            "coi-server.config.mailbox-root-exists",
            "webpush.capability.advertised",
            "webpush.capability.not-before-auth",
            "webpush.subscribe.path-prefix",
            "webpush.subscribe.id-rules",
            "webpush.subscribe.supported",
            "webpush.subscribe.msgtype-values",
            "webpush.vapid.pem-base64",
            "webpush.list.depth-one",
            "webpush.subscribe.created-added",
            "webpush.validation.payload",
            "webpush.payload.fields",
            "webpush.payload.content-type",
            "webpush.payload.date-omitted"};
}

void judge_exchange(const std::vector<ExchangeLine>& lines, std::string_view file,
                    std::string_view spec, Findings& f) {
    exchange::SpecRules judge(file, spec, f);
    std::vector<Unit> units;
    units.reserve(lines.size());
    ExchangeSide last = ExchangeSide::server;
    std::size_t i = 0, searches = 0;
    while (i < lines.size()) {
        const ExchangeLine& l = lines[i];
        if (l.side == ExchangeSide::unmarked && message::trim(l.text).empty()) {
            ++i;
            continue;
        }
        ExchangeSide side = l.side == ExchangeSide::unmarked ? last : l.side;
        last = side;
        const char* syntax_rule =
            side == ExchangeSide::server ? "rfc3501.syntax.response" : "rfc3501.syntax.command";
        std::string error, convention;
        auto unit = frame_and_parse(lines, i, side, std::nullopt, error, convention);
        if (unit) {
            for (const auto& lit : unit->literals)
                f.pass("rfc3501.syntax.literal-octets",
                       where_of(file, lit.line, "{" + std::to_string(lit.announced) + "}"),
                       convention + " line ends");
            f.pass(syntax_rule, where_of(file, l.line, ""));
            i = unit->next;
            units.push_back(std::move(*unit));
            continue;
        }
        // Searching a fitting count costs up to kMaxTrials parses; a few per example suffice.
        if (trailing_literal(l.text) && ++searches <= kMaxSearches) {
            auto lf = fitting_count(lines, i, side, "\n");
            auto crlf = fitting_count(lines, i, side, "\r\n");
            if (lf || crlf) {
                Fit& fit = lf ? *lf : *crlf;
                const Literal& lit = fit.unit.literals.front();
                std::string seen =
                    "announces " + std::to_string(lit.announced) + " octets; the data shown is ";
                if (lf && crlf && lf->count == crlf->count) {
                    seen += std::to_string(lf->count) + " octets";
                } else {
                    if (lf) seen += std::to_string(lf->count) + " octets with LF line ends";
                    if (lf && crlf) seen += ", ";
                    if (crlf) seen += std::to_string(crlf->count) + " with CRLF line ends";
                }
                f.unmet("rfc3501.syntax.literal-octets",
                        where_of(file, lit.line, "{" + std::to_string(lit.announced) + "}"),
                        "the announced count equal to the octets of the literal data", seen);
                f.pass(syntax_rule, where_of(file, l.line, ""), "with the fitting count");
                i = fit.unit.next;
                units.push_back(std::move(fit.unit));
                continue;
            }
        }
        f.unmet(syntax_rule, where_of(file, l.line, ""),
                side == ExchangeSide::server ? "an IMAP response (RFC 3501 §7, §9)"
                                             : "an IMAP command (RFC 3501 §9)",
                show(l.text, 80) + ": " + error);
        ++i;
        while (i < lines.size() && lines[i].side == ExchangeSide::unmarked &&
               !message::trim(lines[i].text).empty())
            ++i;
    }

    // The conversation: commands wait for their tagged completion; untagged data in between
    // belongs to the oldest command waiting.
    struct Pending {
        const Unit* unit;
        std::vector<const Unit*> untagged;
    };
    std::vector<Pending> pending;
    std::map<std::string, const Unit*> completed_by;
    bool authenticated = false;
    for (const Unit& u : units) {
        if (u.side == ExchangeSide::client) {
            pending.push_back({&u, {}});
            continue;
        }
        const imap::Response& r = *u.response;
        if (const auto* t = r.get<imap::Tagged>()) {
            auto it = std::find_if(pending.begin(), pending.end(), [&](const Pending& p) {
                return p.unit->command->tag == t->tag;
            });
            std::string w = where_of(file, u.first_line, "tag " + t->tag);
            if (it == pending.end()) {
                std::string seen = "no command with tag " + t->tag + " was sent";
                if (auto done = completed_by.find(t->tag); done != completed_by.end())
                    seen = "a second completion of " + t->tag + ": line " +
                           std::to_string(done->second->first_line) +
                           (done->second->unmarked ? ", which has no S: marker," : "") +
                           " completed it already";
                if (u.unmarked) seen += " (this line has no S: marker)";
                f.unmet("rfc3501.syntax.tagged-completion", w, "one tagged completion per command",
                        seen);
                continue;
            }
            f.pass("rfc3501.syntax.tagged-completion", w);
            completed_by[t->tag] = &u;
            const ClientCommand& cmd = *it->unit->command;
            if ((cmd.name == "LOGIN" || cmd.name == "AUTHENTICATE") &&
                t->result.status == imap::Status::ok)
                authenticated = true;
            if (t->result.code && t->result.code->kind == imap::CodeKind::capability)
                judge.capabilities({authenticated, t->result.code->list, u.first_line});
            exchange::Completed c;
            c.command = &cmd;
            c.command_line = it->unit->first_line;
            for (const Unit* x : it->untagged)
                c.untagged.emplace_back(x->first_line, &*x->response);
            c.status = t->result.status;
            judge.completed(c);
            pending.erase(it);
            continue;
        }
        if (const auto* cap = r.get<imap::Capability>())
            judge.capabilities({authenticated, cap->capabilities, u.first_line});
        else if (const auto* code = r.code(); code && code->kind == imap::CodeKind::capability)
            judge.capabilities({authenticated, code->list, u.first_line});
        if (!pending.empty() && r.is_untagged()) pending.front().untagged.push_back(&u);
    }
    for (const auto& p : pending)
        f.unmet("rfc3501.syntax.tagged-completion",
                where_of(file, p.unit->first_line, "tag " + p.unit->command->tag),
                "a tagged completion for every command", "the example ends without one");
}

}  // namespace coitest::messages
