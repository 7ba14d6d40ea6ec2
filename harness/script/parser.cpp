// The parser: files and lines, words and variables, the statement dispatch and the header.
#include "script/parser_impl.hpp"

#include <fmt/ranges.h>

#include <charconv>
#include <cstring>

namespace coitest::script::detail {

void Parser::error(const Location& at, std::string message) {
    if (stopped_) return;
    errors_.push_back({at, std::move(message)});
    if (errors_.size() >= limits_.max_errors) {
        errors_.push_back(
            {at, fmt::format("more than {} problems; stopping here", limits_.max_errors)});
        stopped_ = true;
    }
}

void Parser::error(const Line& l, int col, std::string message) {
    error(l.at(col), std::move(message));
}

void Parser::parse_file(const SourceFile& file, std::size_t depth) {
    total_ += file.text.size();
    if (file.text.size() > limits_.max_file) {
        // Name the first over-long line too (a scan without copying), as that is usually the
        // reason.
        std::string_view rest = file.text;
        for (int number = 1; !rest.empty(); ++number) {
            const std::size_t nl = rest.find('\n');
            const std::size_t len = nl == std::string_view::npos ? rest.size() : nl;
            if (len > limits_.max_line) {
                error({file.display, number, static_cast<int>(limits_.max_line) + 1},
                      fmt::format("the line is {} bytes long; the limit is {}", len,
                                  limits_.max_line));
                break;
            }
            if (nl == std::string_view::npos) break;
            rest.remove_prefix(nl + 1);
        }
        error({file.display, 1, 1}, fmt::format("the file is {} bytes; the limit is {}",
                                                file.text.size(), limits_.max_file));
        return;
    }
    if (total_ > limits_.max_total) {
        error({file.display, 1, 1},
              fmt::format("the script and what it includes exceed {} bytes", limits_.max_total));
        return;
    }
    stack_.push_back(file.key);
    const std::size_t nesting_at_start = frames_.size();
    lines_.push_back(split_lines(file));
    cursor_.push_back(0);
    // (Indices, not references: an include below pushes onto lines_ and may move it.)
    const std::size_t me = lines_.size() - 1;
    while (cursor_[me] < lines_[me].size() && !stopped_) {
        const Line line = lines_[me][cursor_[me]++];
        if (line.text.size() > limits_.max_line) {
            error(line, static_cast<int>(limits_.max_line) + 1,
                  fmt::format("the line is {} bytes long; the limit is {}", line.text.size(),
                              limits_.max_line));
            continue;
        }
        statement(line, depth);
    }
    if (!stopped_ && frames_.size() > nesting_at_start) {
        for (std::size_t i = frames_.size(); i > nesting_at_start; --i)
            error(frames_[i - 1].at,
                  fmt::format("'{}' is never closed with 'end'", frames_[i - 1].what));
        while (frames_.size() > nesting_at_start) pop_frame();
    }
    cursor_.pop_back();
    lines_.pop_back();
    stack_.pop_back();
}

std::vector<Line> Parser::split_lines(const SourceFile& file) {
    std::vector<Line> out;
    std::string_view rest = file.text;
    int number = 0;
    while (!rest.empty()) {
        const char* nl = static_cast<const char*>(std::memchr(rest.data(), '\n', rest.size()));
        const std::size_t len = nl ? static_cast<std::size_t>(nl - rest.data()) : rest.size();
        std::string_view text = rest.substr(0, len);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        out.push_back({&file, ++number, text});
        rest.remove_prefix(nl ? len + 1 : len);
    }
    return out;
}

const Line* Parser::take_line() {
    auto& lines = lines_.back();
    if (cursor_.back() >= lines.size()) return nullptr;
    return &lines[cursor_.back()++];
}

const Line* Parser::peek_line() const {
    const auto& lines = lines_.back();
    return cursor_.back() < lines.size() ? &lines[cursor_.back()] : nullptr;
}

Parsed<std::vector<Word>> Parser::words(const Line& l, std::string_view text) {
    std::vector<Word> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        if (i >= text.size()) break;
        Word w;
        w.col = l.col_of(text.substr(i));
        const std::size_t start = i;
        const bool regex = text.substr(i, 3) == "re\"";
        if (regex) i += 2;
        if (i < text.size() && text[i] == '"') {
            ++i;
            while (i < text.size() && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    const char n = text[i + 1];
                    if (n == '"' || (!regex && n == '\\')) {
                        w.value += n;
                        i += 2;
                        continue;
                    }
                    if (regex) w.value += text[i++];
                }
                w.value += text[i++];
            }
            if (i >= text.size()) return ParseError{w.col, "unterminated quoted string"};
            ++i;
            w.quoted = !regex;
            w.regex = regex;
            if (regex && i < text.size() && text[i] == 'i') {
                w.icase = true;
                ++i;
            }
            if (i < text.size() && !is_space(text[i]))
                return ParseError{l.col_of(text.substr(i)),
                                  "a quoted string must be followed by a space"};
        } else {
            while (i < text.size() && !is_space(text[i])) ++i;
            w.value = std::string(text.substr(start, i - start));
        }
        w.text = text.substr(start, i - start);
        out.push_back(std::move(w));
    }
    return out;
}

Parsed<Value> Parser::value_of(const Word& w) {
    auto t = parse_template(w.value, w.quoted ? w.col + 1 : w.col);
    if (!t) return t.error();
    Value v{std::move(*t), w.quoted, w.col};
    return v;
}

bool Parser::check_vars(const Line& l, const Template& t, const std::vector<std::string>& extra) {
    bool ok = true;
    for (const auto& p : t.pieces) {
        if (p.kind != TemplatePiece::Kind::variable) continue;
        if (vars_.count(p.text) || std::find(extra.begin(), extra.end(), p.text) != extra.end())
            continue;
        if (mode_ == ParseMode::snippet) continue;  // the including script may set it
        error(
            l, p.col,
            fmt::format("unknown variable ${{{}}}: set it first (set, a ${{={}}} capture, "
                        "deliver ... as {}), or use an account's fields ({}.address, "
                        ".login, .password, .sasl_plain)",
                        p.text, p.text, p.text,
                        script_->header.accounts.empty() ? "alice" : script_->header.accounts[0]));
        ok = false;
    }
    return ok;
}

std::optional<std::size_t> Parser::account_index(std::string_view name) const {
    const auto& a = script_->header.accounts;
    const auto it = std::find(a.begin(), a.end(), name);
    if (it == a.end()) return std::nullopt;
    return static_cast<std::size_t>(it - a.begin());
}

void Parser::add(const Line& l, decltype(Statement::node) node) {
    if (++statements_ > limits_.max_statements) {
        error(l, 1, fmt::format("more than {} statements", limits_.max_statements));
        stopped_ = true;
        return;
    }
    body().push_back({l.at(1), std::move(node)});
}

void Parser::statement(const Line& l, std::size_t depth) {
    const std::string_view text = trim(l.text);
    if (text.empty() || text.front() == '#') return;
    const std::size_t sp = text.find_first_of(" \t");
    const std::string_view first = text.substr(0, sp);
    const std::string_view rest =
        sp == std::string_view::npos ? std::string_view{} : trim(text.substr(sp));

    if (first.size() > 1 && first.back() == ':' && first != "C:" && first != "S:" &&
        first != "S?:" && first != "S!:") {
        const std::string key(first.substr(0, first.size() - 1));
        if (std::find(header_keys().begin(), header_keys().end(), key) != header_keys().end()) {
            header_line(l, key, rest);
            return;
        }
        error(l, l.col_of(first),
              fmt::format("unknown header '{}' (test, title, classname, profile, requirement, "
                          "tags, accounts, requires, timeout)",
                          first));
        return;
    }
    if (stack_.size() == 1) header_open_ = false;

    // An optional connection name in front of C:, S:, assert, require, if.
    std::string conn;
    std::string_view verb = first, args = rest;
    const std::size_t sp2 = rest.find_first_of(" \t");
    const std::string_view second = rest.substr(0, sp2);
    static const std::set<std::string_view> conn_verbs{
        "C:", "S:", "S?:", "S!:", "assert", "require", "if"};
    static const std::set<std::string_view> keywords{
        "connect", "use", "set",  "deliver", "judge",  "setup",   "assert",
        "require", "if",  "else", "end",     "repeat", "include", "cleanup"};
    if (!conn_verbs.count(first) && !keywords.count(first) && conn_verbs.count(second) &&
        valid_name(first)) {
        if (!connections_.count(std::string(first)) && mode_ == ParseMode::test) {
            error(l, l.col_of(first),
                  fmt::format("connection '{}' is not open here: write 'connect {} as "
                              "ACCOUNT' (or 'connect {}') first",
                              first, first, first));
            return;
        }
        conn = std::string(first);
        verb = second;
        args = sp2 == std::string_view::npos ? std::string_view{} : trim(rest.substr(sp2));
    }
    const bool conn_bound = conn_verbs.count(verb) > 0;
    if (conn_bound && conn.empty()) {
        if (current_.empty() && mode_ == ParseMode::test) {
            error(l, l.col_of(verb),
                  "no connection yet: write 'connect c1 as ACCOUNT' (or 'connect c1') first");
            return;
        }
        conn = current_.empty() ? "c1" : current_;
    }
    // Expected lines stay one block across judge and setup lines (and comments).
    if (verb != "S:" && verb != "S?:" && verb != "S!:" && verb != "judge" && verb != "setup")
        last_block_ = nullptr;

    if (verb == "C:") return send(l, conn, verb, depth);
    if (verb == "S:" || verb == "S?:" || verb == "S!:") return expect(l, conn, verb, args);
    if (verb == "connect") return connect(l, args);
    if (verb == "use") return use(l, args);
    if (verb == "set") return set(l, args);
    if (verb == "deliver") return deliver(l, args);
    if (verb == "judge") return judge(l, args);
    if (verb == "setup") return setup(l, args);
    if (verb == "assert") return assertion(l, conn, args);
    if (verb == "require") return require(l, conn, args);
    if (verb == "if") return if_statement(l, conn, args);
    if (verb == "else") return else_statement(l, args);
    if (verb == "end") return end_statement(l, args);
    if (verb == "repeat") return repeat(l, args);
    if (verb == "include") return include(l, args, depth);
    if (verb == "cleanup") return cleanup(l, args);
    error(l, l.col_of(verb),
          fmt::format("'{}' is not a statement (C:, S:, S?:, S!:, connect, use, set, deliver, "
                      "judge, setup, assert, require, if, else, end, repeat, include, "
                      "cleanup)",
                      verb));
}

void Parser::no_args(const Line& l, std::string_view verb, std::string_view args) {
    if (!args.empty()) error(l, l.col_of(args), fmt::format("'{}' takes nothing after it", verb));
}

void Parser::header_line(const Line& l, const std::string& key, std::string_view value) {
    if (mode_ == ParseMode::snippet || stack_.size() > 1) {
        error(l, 1, "a header line in a snippet: headers belong to the test script");
        return;
    }
    if (!header_open_) {
        error(l, 1,
              fmt::format("header '{}:' after the first statement: the header comes first", key));
        return;
    }
    Header& h = script_->header;
    const int vcol = value.empty() ? static_cast<int>(l.text.size()) + 1 : l.col_of(value);
    auto single = [&](std::string& field, bool id) {
        if (!field.empty()) {
            error(l, 1, fmt::format("'{}:' given twice", key));
            return;
        }
        if (value.empty()) {
            error(l, vcol, fmt::format("'{}:' needs a value", key));
            return;
        }
        if (id && !valid_id(value)) {
            error(l, vcol,
                  fmt::format("'{}' is not a valid {}: lower-case letters, digits, '.', "
                              "'-', '_'",
                              value, key));
            return;
        }
        field = std::string(value);
    };
    if (key == "test") {
        single(h.id, true);
        h.at = l.at(1);
    } else if (key == "title") {
        single(h.title, false);
    } else if (key == "classname") {
        single(h.classname, true);
    } else if (key == "profile") {
        single(h.profile, true);
    } else if (key == "requirement") {
        const std::size_t sp = value.find_first_of(" \t");
        const std::string_view id = value.substr(0, sp);
        const std::string_view level =
            sp == std::string_view::npos ? std::string_view{} : trim(value.substr(sp));
        if (!valid_id(id)) {
            error(l, vcol, "'requirement:' needs a requirement ID, then its level");
            return;
        }
        auto parsed = parse_level(level);
        if (!parsed) {
            error(l, level.empty() ? static_cast<int>(l.text.size()) + 1 : l.col_of(level),
                  fmt::format("requirement {} needs its level: MUST, MUST NOT, SHOULD, "
                              "SHOULD NOT or MAY",
                              id));
            return;
        }
        for (const auto& r : h.requirements)
            if (r.id == id) {
                error(l, vcol, fmt::format("requirement {} is declared twice", id));
                return;
            }
        h.requirements.push_back({std::string(id), *parsed, l.at(vcol)});
    } else if (key == "tags" || key == "accounts") {
        auto ws = words(l, value);
        if (!ws) return error(l, ws.error());
        auto& list = key == "tags" ? h.tags : h.accounts;
        if (!list.empty()) return error(l, 1, fmt::format("'{}:' given twice", key));
        for (const auto& w : *ws) {
            if (!valid_name(w.value)) {
                error(l, w.col, fmt::format("'{}' is not a valid name", w.text));
                continue;
            }
            if (std::find(list.begin(), list.end(), w.value) != list.end()) {
                error(l, w.col, fmt::format("'{}' is listed twice", w.value));
                continue;
            }
            list.push_back(w.value);
            if (key == "accounts")
                for (const auto& f : account_fields()) vars_.insert(w.value + "." + f);
        }
    } else if (key == "requires") {
        auto ws = words(l, value);
        if (!ws) return error(l, ws.error());
        if (ws->empty()) return error(l, vcol, "'requires:' needs delivery or capability NAME");
        if ((*ws)[0].value == "delivery" && ws->size() == 1) {
            h.needs_delivery = true;
        } else if ((*ws)[0].value == "capability" && ws->size() > 1) {
            auto alts = alternatives(l, *ws, 1);
            if (!alts.empty()) h.capabilities.push_back(std::move(alts));
        } else {
            error(l, vcol, "'requires:' takes 'delivery' or 'capability NAME [| NAME...]'");
        }
    } else if (key == "timeout") {
        const auto d = duration(l, value, vcol);
        if (d) h.timeout = *d;
    }
}

std::vector<std::string> Parser::alternatives(const Line& l, const std::vector<Word>& ws,
                                              std::size_t from) {
    std::vector<std::string> names;
    std::string joined;
    for (std::size_t i = from; i < ws.size(); ++i) joined += ws[i].value + " ";
    std::string current;
    for (char c : joined) {
        if (c == '|' || c == ' ') {
            if (!current.empty()) names.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (names.empty()) error(l, ws[from - 1].col, "a capability name is missing");
    return names;
}

std::optional<Millis> Parser::duration(const Line& l, std::string_view text, int col) {
    const auto d = parse_duration(text);
    if (!d || d->count() <= 0 || *d > limits_.max_duration) {
        error(l, col,
              fmt::format("'{}' is not a duration: a number with ms, s or m (at most {} s)", text,
                          limits_.max_duration.count() / 1000));
        return std::nullopt;
    }
    return d;
}

void Parser::finish(const SourceFile& top) {
    if (mode_ != ParseMode::test) return;
    Header& h = script_->header;
    const Location start{top.display, 1, 1};
    if (h.id.empty()) error(start, "the header has no 'test: ID' line");
    if (h.title.empty()) error(start, "the header has no 'title:' line");
    if (h.classname.empty())
        error(start,
              "the header has no 'classname:' line (spec and section, e.g. "
              "rfc3501.6.3.1)");
    if (h.profile.empty()) error(start, "the header has no 'profile:' line");
    if (h.requirements.empty())
        error(start, "the header names no requirement ('requirement: ID LEVEL')");
    for (const auto& r : h.requirements)
        if (!judged_.count(r.id))
            error(r.at, fmt::format("requirement {} is declared but no 'judge {}' line "
                                    "judges it",
                                    r.id, r.id));
}

}  // namespace coitest::script::detail

namespace coitest::script {

std::optional<Millis> parse_duration(std::string_view text) {
    std::uint64_t n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc{} || r.ptr == text.data() || n > 1'000'000'000) return std::nullopt;
    const std::string_view unit(r.ptr, static_cast<std::size_t>(text.data() + text.size() - r.ptr));
    if (unit == "ms") return Millis(n);
    if (unit == "s") return Millis(n * 1000);
    if (unit == "m") return Millis(n * 60'000);
    return std::nullopt;
}

ParseResult parse_script(const SourceFile& file, SourceLoader& loader, const ScriptLimits& limits,
                         ParseMode mode) {
    return detail::Parser(loader, limits, mode).run(file);
}

}  // namespace coitest::script
