#include "script/pattern.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <span>

namespace coitest::script {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

bool is_status_word(std::string_view w) {
    return iequal(w, "OK") || iequal(w, "NO") || iequal(w, "BAD") || iequal(w, "PREAUTH") ||
           iequal(w, "BYE");
}

class PatternParser {
  public:
    PatternParser(std::string_view in, int first_col, const PatternLimits& limits)
        : in_(in), col0_(first_col), limits_(limits) {}

    Parsed<Pattern> run() {
        Pattern p;
        p.source = std::string(in_);
        skip_spaces();
        if (at_end()) return error("an expected server line needs at least a tag, '*' or '+'");
        const std::size_t head_at = pos_;
        const std::string_view head = word();
        if (head == "*") {
            p.head = Pattern::Head::untagged;
        } else if (head == "+") {
            p.head = Pattern::Head::continuation;
            return p;  // the text of a continuation request is never compared
        } else {
            for (char c : head)
                if (c == '(' || c == ')' || c == '[' || c == ']' || c == '"' || c == '{')
                    return error_at(head_at, fmt::format("'{}' is not a tag", head));
            p.head = Pattern::Head::tagged;
            p.tag = std::string(head);
        }
        skip_spaces();
        const std::size_t next_at = pos_;
        const std::string_view next = peek_word();
        const bool regex_first = in_.substr(pos_, 3) == "re\"";
        if (p.head == Pattern::Head::tagged || is_status_word(next) || regex_first) {
            p.status_form = true;
            if (at_end()) return error("a tagged line needs a status: OK, NO or BAD");
            auto status = element(0);
            if (!status) return status.error();
            using K = PatternElem::Kind;
            if (status->kind == K::atom && !status->value.has_variables() &&
                !is_status_word(status->text))
                return error_at(next_at, fmt::format("'{}' is not a status (OK, NO, BAD, PREAUTH, "
                                                     "BYE; or re\"...\" or ${{=name}})",
                                                     status->text));
            if (status->kind != K::atom && status->kind != K::regex && status->kind != K::capture)
                return error_at(next_at, "a status must be a word, re\"...\" or ${=name}");
            p.status = std::move(*status);
            skip_spaces();
            if (peek() == '[') {
                auto code = element(0);
                if (!code) return code.error();
                p.code = std::move(code->items);
            }
            // The rest is the human-readable text, which servers word as they like.
        } else {
            while (skip_spaces(), !at_end()) {
                auto e = element(0);
                if (!e) return e.error();
                p.data.push_back(std::move(*e));
            }
        }
        if (auto dup = check_names(p); !dup) return dup.error();
        return p;
    }

  private:
    bool at_end() const { return pos_ >= in_.size(); }
    char peek() const { return at_end() ? '\0' : in_[pos_]; }
    int col_at(std::size_t at) const { return col0_ + static_cast<int>(at); }
    void skip_spaces() {
        while (!at_end() && is_space(in_[pos_])) ++pos_;
    }
    ParseError error(std::string message) const { return {col_at(pos_), std::move(message)}; }
    ParseError error_at(std::size_t at, std::string message) const {
        return {col_at(at), std::move(message)};
    }
    static bool word_end(char c) {
        return is_space(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"';
    }
    std::string_view peek_word() const {
        std::size_t end = pos_;
        while (end < in_.size() && !is_space(in_[end])) ++end;
        return in_.substr(pos_, end - pos_);
    }
    std::string_view word() {
        const std::size_t start = pos_;
        while (!at_end() && !is_space(in_[pos_])) ++pos_;
        return in_.substr(start, pos_ - start);
    }

    // The contents of "..." starting at pos_ (on the quote). `regex`: keep backslashes except
    // before a quote, so \d reaches the regex compiler.
    Parsed<std::string> quoted(bool regex) {
        const std::size_t open = pos_;
        ++pos_;
        std::string out;
        while (!at_end() && in_[pos_] != '"') {
            if (in_[pos_] == '\\' && pos_ + 1 < in_.size()) {
                const char next = in_[pos_ + 1];
                if (next == '"' || (!regex && next == '\\')) {
                    out += next;
                    pos_ += 2;
                    continue;
                }
                if (regex) {
                    out += in_[pos_];
                    out += next;
                    pos_ += 2;
                    continue;
                }
            }
            out += in_[pos_++];
        }
        if (at_end()) return error_at(open, "unterminated quoted string");
        ++pos_;
        return out;
    }

    Parsed<PatternElem> element(std::size_t depth) {
        using K = PatternElem::Kind;
        if (++count_ > limits_.max_elements)
            return error(
                fmt::format("the pattern has more than {} elements", limits_.max_elements));
        PatternElem e;
        e.col = col_at(pos_);
        const char c = peek();
        if (c == '(' || c == '[') {
            if (depth + 1 > limits_.max_depth)
                return error(fmt::format("lists nest deeper than {}", limits_.max_depth));
            const char close = c == '(' ? ')' : ']';
            const std::size_t open = pos_;
            ++pos_;
            e.kind = c == '(' ? K::list : K::bracket;
            for (;;) {
                skip_spaces();
                if (at_end()) return error_at(open, fmt::format("'{}' is never closed", c));
                if (peek() == close) {
                    ++pos_;
                    break;
                }
                if (peek() == ')' || peek() == ']')
                    return error(fmt::format("'{}' closes nothing here", peek()));
                auto item = element(depth + 1);
                if (!item) return item.error();
                e.items.push_back(std::move(*item));
            }
            return e;
        }
        if (c == ')' || c == ']') return error(fmt::format("'{}' closes nothing here", c));
        if (c == '"') {
            const std::size_t open = pos_;
            auto s = quoted(false);
            if (!s) return s.error();
            auto t = parse_template(*s, col_at(open) + 1);
            if (!t) return t.error();
            e.kind = K::string;
            e.text = *s;
            e.value = std::move(*t);
            return e;
        }
        if (in_.substr(pos_, 3) == "re\"") {
            const std::size_t open = pos_;
            pos_ += 2;
            auto s = quoted(true);
            if (!s) return s.error();
            bool icase = false;
            if (peek() == 'i') {
                icase = true;
                ++pos_;
            }
            if (!at_end() && !word_end(peek()))
                return error("re\"...\" must be followed by a space (or 'i' for any case)");
            auto rx = Regex::compile(*s, icase, limits_.regex);
            if (!rx) return error_at(open, rx.error().message);
            e.kind = K::regex;
            e.text = *s;
            e.regex = std::make_shared<const Regex>(std::move(*rx));
            return e;
        }
        const std::size_t start = pos_;
        // A word ends at a space, a bracket or a quote; "${...}" inside it is kept whole.
        while (!at_end() && !word_end(peek())) {
            if (peek() == '$' && pos_ + 1 < in_.size() && in_[pos_ + 1] == '{') {
                const std::size_t close = in_.find('}', pos_);
                if (close == std::string_view::npos) return error("'${' without a closing '}'");
                pos_ = close + 1;
                continue;
            }
            ++pos_;
        }
        const std::string_view w = in_.substr(start, pos_ - start);
        if (w == "...") {
            e.kind = K::ellipsis;
            return e;
        }
        if (w.size() > 2 && w.front() == '{' && w.back() == '}')
            return error_at(start,
                            "a literal in an expected line: write its contents as a quoted "
                            "string (\"...\") or capture it with ${=name}");
        if (w.substr(0, 3) == "${=") {
            if (w.back() != '}' || w.find('}') != w.size() - 1)
                return error_at(start, "a capture ${=name} must be a whole token");
            const std::string_view name = w.substr(3, w.size() - 4);
            auto check = parse_template("${" + std::string(name) + "}", col_at(start));
            if (!check || check->pieces.size() != 1 || check->pieces[0].filter != Filter::none)
                return error_at(start, fmt::format("'{}' is not a capture: ${{=name}} with a "
                                                   "variable name",
                                                   w));
            e.kind = K::capture;
            e.text = std::string(name);
            return e;
        }
        if (w.find("${=") != std::string_view::npos)
            return error_at(start, "a capture ${=name} must be a whole token");
        if (iequal(w, "NIL")) {
            e.kind = K::nil;
            e.text = "NIL";
            return e;
        }
        auto t = parse_template(w, col_at(start));
        if (!t) return t.error();
        if (t->pieces.size() == 1 && t->pieces[0].kind == TemplatePiece::Kind::variable) {
            const Filter f = t->pieces[0].filter;
            if (f != Filter::none && f != Filter::base64 && f != Filter::length)
                return error_at(
                    start, fmt::format("filter :{} only applies to client lines", to_string(f)));
            e.kind = K::variable;
            e.text = t->pieces[0].text;
            e.filter = f;
            return e;
        }
        for (const auto& piece : t->pieces)
            if (piece.kind == TemplatePiece::Kind::variable && piece.filter != Filter::none)
                return error_at(
                    piece.col - col0_ >= 0 ? static_cast<std::size_t>(piece.col - col0_) : start,
                    "filters only apply to a whole ${var} token");
        e.kind = K::atom;
        e.text = std::string(w);
        e.value = std::move(*t);
        return e;
    }

    static void walk(const PatternElem& e, std::vector<const PatternElem*>& out) {
        out.push_back(&e);
        for (const auto& i : e.items) walk(i, out);
    }

    Parsed<void> check_names(const Pattern& p) const {
        std::vector<const PatternElem*> all;
        if (p.status_form) walk(p.status, all);
        if (p.code)
            for (const auto& e : *p.code) walk(e, all);
        for (const auto& e : p.data) walk(e, all);
        std::set<std::string, std::less<>> captured;
        for (const auto* e : all) {
            if (e->kind == PatternElem::Kind::capture && !captured.insert(e->text).second)
                return ParseError{e->col,
                                  fmt::format("${{={}}} captures twice in one line", e->text)};
        }
        for (const auto* e : all) {
            for (const auto& v : e->kind == PatternElem::Kind::variable
                                     ? std::vector<std::string>{e->text}
                                     : e->value.variables())
                if (captured.count(v))
                    return ParseError{
                        e->col, fmt::format("${{{}}} compares with ${{={}}} of the same line; "
                                            "compare in a later line",
                                            v, v)};
        }
        return {};
    }

    std::string_view in_;
    int col0_;
    PatternLimits limits_;
    std::size_t pos_ = 0;
    std::size_t count_ = 0;
};

void collect(const PatternElem& e, std::vector<std::string>& captures,
             std::vector<std::string>& variables) {
    if (e.kind == PatternElem::Kind::capture) captures.push_back(e.text);
    if (e.kind == PatternElem::Kind::variable) variables.push_back(e.text);
    for (auto& v : e.value.variables()) variables.push_back(std::move(v));
    for (const auto& i : e.items) collect(i, captures, variables);
}

// --- matching ----------------------------------------------------------------------------

class Matcher {
  public:
    Matcher(const Lookup& lookup, Captures& captures, MatchBudget& budget)
        : lookup_(lookup), captures_(captures), budget_(budget) {}

    bool elem(const PatternElem& p, const WireToken& w) {
        using K = PatternElem::Kind;
        using W = WireToken::Kind;
        if (budget_.steps == 0) {
            budget_.exhausted = true;
            return false;
        }
        --budget_.steps;
        const bool textual = w.kind == W::atom || w.kind == W::string;
        switch (p.kind) {
            case K::atom:
                if (!textual) return false;
                if (p.value.has_variables()) return exact(p.value, w.text);
                return iequal(p.text, w.text);
            case K::string:
                return textual && exact(p.value, w.text);
            case K::nil:
                return w.kind == W::nil;
            case K::variable: {
                const std::string* v = lookup_(p.text);
                if (!v) return false;
                std::string value = *v;
                if (p.filter == Filter::base64) value = base64_encode(value);
                if (p.filter == Filter::length) value = std::to_string(v->size());
                if (textual) return value == w.text;
                return value == w.render();
            }
            case K::capture:
                captures_.emplace_back(p.text, textual ? w.text : w.render());
                return true;
            case K::regex:
                return textual && p.regex->full_match(w.text);
            case K::list:
                return w.kind == W::list && sequence(p.items, w.items);
            case K::bracket:
                return w.kind == W::bracket && sequence(p.items, w.items);
            case K::ellipsis:
                return true;
        }
        return false;
    }

    // Words only (and "..."): a set comparison; otherwise an ordered match where "..." skips
    // any number of tokens (the classic wildcard algorithm: O(n*m) at worst, no recursion on
    // failure paths beyond one element).
    bool sequence(std::span<const PatternElem> p, std::span<const WireToken> w) {
        using K = PatternElem::Kind;
        const bool words_only =
            std::any_of(p.begin(), p.end(), [](const auto& e) { return e.kind == K::atom; }) &&
            std::all_of(p.begin(), p.end(), [](const auto& e) {
                return (e.kind == K::atom && !e.value.has_variables()) || e.kind == K::ellipsis ||
                       e.kind == K::nil;
            });
        if (words_only) return as_set(p, w);

        const std::size_t mark0 = captures_.size();
        std::size_t i = 0, j = 0;
        std::optional<std::size_t> star_i;
        std::size_t star_j = 0, mark = mark0;
        while (j < w.size()) {
            if (budget_.exhausted) break;
            if (i < p.size() && p[i].kind == K::ellipsis) {
                star_i = i++;
                star_j = j;
                mark = captures_.size();
                continue;
            }
            const std::size_t before = captures_.size();
            if (i < p.size() && elem(p[i], w[j])) {
                ++i;
                ++j;
                continue;
            }
            captures_.resize(before);
            if (star_i) {
                captures_.resize(mark);
                i = *star_i + 1;
                j = ++star_j;
                continue;
            }
            captures_.resize(mark0);
            return false;
        }
        while (i < p.size() && p[i].kind == K::ellipsis) ++i;
        if (i == p.size() && !budget_.exhausted) return true;
        captures_.resize(mark0);
        return false;
    }

  private:
    bool as_set(std::span<const PatternElem> p, std::span<const WireToken> w) {
        bool open = false;
        std::size_t words = 0;
        std::vector<bool> used(w.size(), false);
        for (const auto& e : p) {
            if (e.kind == PatternElem::Kind::ellipsis) {
                open = true;
                continue;
            }
            ++words;
            bool found = false;
            for (std::size_t j = 0; j < w.size() && !found; ++j) {
                if (used[j]) continue;
                if (elem(e, w[j])) used[j] = found = true;
            }
            if (!found) return false;
        }
        return open || words == w.size();
    }

    bool exact(const Template& t, std::string_view text) {
        auto v = expand(t, lookup_);
        return v && *v == text;
    }

    const Lookup& lookup_;
    Captures& captures_;
    MatchBudget& budget_;
};

std::string_view status_word(const imap::Response& r) {
    const imap::StatusResponse* s = r.status();
    return s ? imap::to_string(s->status) : std::string_view{};
}

}  // namespace

std::vector<std::string> Pattern::captures() const {
    std::vector<std::string> c, v;
    if (status_form) collect(status, c, v);
    if (code)
        for (const auto& e : *code) collect(e, c, v);
    for (const auto& e : data) collect(e, c, v);
    return c;
}

std::vector<std::string> Pattern::variables() const {
    std::vector<std::string> c, v;
    if (status_form) collect(status, c, v);
    if (code)
        for (const auto& e : *code) collect(e, c, v);
    for (const auto& e : data) collect(e, c, v);
    return v;
}

Parsed<Pattern> parse_pattern(std::string_view text, int first_col, const PatternLimits& limits) {
    return PatternParser(text, first_col, limits).run();
}

const std::vector<WireToken>& WireView::data() const {
    if (!data_) {
        std::string_view raw = response_.raw;
        // Skip the tag (or "*", "+") and one space.
        const std::size_t space = raw.find(' ');
        raw = space == std::string_view::npos ? std::string_view{} : raw.substr(space + 1);
        data_ = tokenize_wire(raw);
    }
    return *data_;
}

const std::vector<WireToken>& WireView::code() const {
    if (!code_) {
        code_.emplace();
        if (const imap::ResponseCode* c = response_.code()) {
            code_ = tokenize_wire(c->arguments);
            code_->insert(code_->begin(), WireToken{WireToken::Kind::atom, c->name, {}});
        }
    }
    return *code_;
}

std::string WireView::line() const {
    std::string_view raw = response_.raw;
    if (raw.size() >= 2 && raw.substr(raw.size() - 2) == "\r\n") raw.remove_suffix(2);
    return std::string(raw);
}

bool match(const Pattern& pattern, const WireView& view, std::string_view tag, const Lookup& lookup,
           Captures& captures, MatchBudget& budget) {
    const imap::Response& r = view.response();
    const std::size_t mark = captures.size();
    Matcher m(lookup, captures, budget);
    bool ok = false;
    switch (pattern.head) {
        case Pattern::Head::continuation:
            return r.is_continuation();
        case Pattern::Head::tagged: {
            const auto* t = r.get<imap::Tagged>();
            if (!t || t->tag != tag) return false;
            break;
        }
        case Pattern::Head::untagged:
            if (!r.is_untagged()) return false;
            break;
    }
    if (pattern.status_form) {
        const std::string_view word = status_word(r);
        if (word.empty()) return false;
        ok = m.elem(pattern.status, WireToken{WireToken::Kind::atom, std::string(word), {}});
        if (ok && pattern.code) ok = r.code() && m.sequence(*pattern.code, view.code());
    } else if (!pattern.data.empty() && pattern.data.front().kind == PatternElem::Kind::atom &&
               !pattern.data.front().value.has_variables()) {
        // The response name (or the number before it) is matched in place; the rest follows the
        // set or sequence rules.
        const auto& wire = view.data();
        ok = !wire.empty() && m.elem(pattern.data.front(), wire.front());
        if (ok)
            ok = m.sequence(std::span<const PatternElem>(pattern.data).subspan(1),
                            std::span<const WireToken>(wire).subspan(1));
    } else {
        ok = m.sequence(pattern.data, view.data());
    }
    if (!ok) captures.resize(mark);
    return ok;
}

}  // namespace coitest::script
