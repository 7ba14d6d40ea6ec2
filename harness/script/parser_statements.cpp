// The parser: every other statement (connect, set, deliver, judge, assert, conditions, blocks,
// include, cleanup).
#include "script/parser_impl.hpp"

#include <fmt/ranges.h>

#include <charconv>
#include <cstring>

namespace coitest::script::detail {

void Parser::connect(const Line& l, std::string_view args) {
    auto ws = words(l, args);
    if (!ws) return error(l, ws.error());
    if (ws->empty() || !valid_name((*ws)[0].value)) {
        error(l, ws->empty() ? static_cast<int>(l.text.size()) + 1 : (*ws)[0].col,
              "'connect' needs a connection name: connect c1 [as ACCOUNT]");
        return;
    }
    Connect c;
    c.conn = (*ws)[0].value;
    if (ws->size() == 3 && (*ws)[1].value == "as") {
        const auto idx = account_index((*ws)[2].value);
        if (!idx) {
            error(
                l, (*ws)[2].col,
                fmt::format("'{}' is not an account of this script (accounts: {})", (*ws)[2].value,
                            script_->header.accounts.empty()
                                ? std::string("none declared; add 'accounts: NAME...'")
                                : fmt::format("{}", fmt::join(script_->header.accounts, ", "))));
            return;
        }
        c.account = idx;
    } else if (ws->size() != 1) {
        error(l, (*ws)[1].col, "expected 'as ACCOUNT' or nothing after the connection name");
        return;
    }
    connections_.insert(c.conn);
    if (std::find(script_->connections.begin(), script_->connections.end(), c.conn) ==
        script_->connections.end())
        script_->connections.push_back(c.conn);
    current_ = c.conn;
    add(l, std::move(c));
}

void Parser::use(const Line& l, std::string_view args) {
    if (!connections_.count(std::string(args)) && mode_ == ParseMode::test) {
        error(l, args.empty() ? static_cast<int>(l.text.size()) + 1 : l.col_of(args),
              fmt::format("'use' needs a connection opened earlier with connect"));
        return;
    }
    current_ = std::string(args);
    if (mode_ == ParseMode::snippet) connections_.insert(current_);
}

void Parser::set(const Line& l, std::string_view args) {
    const std::size_t sp = args.find_first_of(" \t");
    const std::string_view name = args.substr(0, sp);
    const std::string_view value =
        sp == std::string_view::npos ? std::string_view{} : trim(args.substr(sp));
    if (!valid_name(name)) {
        error(l, name.empty() ? static_cast<int>(l.text.size()) + 1 : l.col_of(name),
              "'set' needs a variable name (letters, digits, '_', '.', '-')");
        return;
    }
    Set s;
    s.name = std::string(name);
    if (value.substr(0, 2) == "<<") {
        const std::string_view end_word = trim(value.substr(2));
        if (end_word.empty() || !valid_name(end_word)) {
            error(l, l.col_of(value), "'<<' needs an end word: set NAME <<END");
            return;
        }
        s.kind = Set::Kind::block;
        std::size_t size = 0;
        bool closed = false;
        bool first = true;
        while (const Line* next = take_line()) {
            if (trim(next->text) == end_word) {
                closed = true;
                break;
            }
            size += next->text.size() + 2;
            if (size > limits_.max_block) {
                error(l, l.col_of(value),
                      fmt::format("the block is longer than {} bytes (the limit)",
                                  limits_.max_block));
                return;
            }
            if (next->text.size() > limits_.max_line) {
                error(*next, static_cast<int>(limits_.max_line) + 1,
                      fmt::format("the line is {} bytes long; the limit is {}", next->text.size(),
                                  limits_.max_line));
                return;
            }
            if (!first) s.value.pieces.push_back({TemplatePiece::Kind::text, "\r\n"});
            first = false;
            if (!append_text(*next, next->text, 1, s.value)) return;
        }
        if (!closed) {
            error(l, l.col_of(value),
                  fmt::format("unterminated block: no line '{}' ends it", end_word));
            return;
        }
    } else if (value.substr(0, 6) == "unique" && (value.size() == 6 || is_space(value[6]))) {
        s.kind = Set::Kind::unique;
        s.prefix = std::string(trim(value.substr(6)));
        if (s.prefix.empty()) s.prefix = "coitest";
        if (s.prefix.find_first_of(" \t\"") != std::string::npos) {
            error(l, l.col_of(value), "the prefix of 'unique' is one word");
            return;
        }
    } else {
        std::string_view v = value;
        int col = value.empty() ? 1 : l.col_of(value);
        std::string unquoted;
        if (v.size() >= 2 && v.front() == '"') {
            auto ws = words(l, v);
            if (!ws) return error(l, ws.error());
            if (ws->size() != 1) {
                error(l, col, "after a quoted value, nothing more may follow");
                return;
            }
            unquoted = (*ws)[0].value;
            v = unquoted;
            ++col;
        }
        if (!append_text(l, v, col, s.value)) return;
    }
    vars_.insert(s.name);
    add(l, std::move(s));
}

void Parser::deliver(const Line& l, std::string_view args) {
    auto ws = words(l, args);
    if (!ws) return error(l, ws.error());
    const auto& w = *ws;
    if (w.size() < 3 || w[1].value != "to") {
        error(l, l.col_of(args.empty() ? l.text : args),
              "deliver FIXTURE to ACCOUNT [from ACCOUNT] [as NAME]");
        return;
    }
    Deliver d;
    const auto to = account_index(w[2].value);
    if (!to) {
        error(l, w[2].col, fmt::format("'{}' is not an account of this script", w[2].value));
        return;
    }
    d.to = d.from = *to;
    for (std::size_t i = 3; i < w.size(); i += 2) {
        if (i + 1 >= w.size() || (w[i].value != "from" && w[i].value != "as")) {
            error(l, w[i].col, "expected 'from ACCOUNT' or 'as NAME'");
            return;
        }
        if (w[i].value == "from") {
            const auto from = account_index(w[i + 1].value);
            if (!from) {
                error(l, w[i + 1].col,
                      fmt::format("'{}' is not an account of this script", w[i + 1].value));
                return;
            }
            d.from = *from;
        } else {
            if (!valid_name(w[i + 1].value)) {
                error(l, w[i + 1].col, "'as' needs a variable name");
                return;
            }
            d.bind = w[i + 1].value;
        }
    }
    const std::string& what = w[0].value;
    if (what.substr(0, 2) == "${") {
        auto t = parse_template(what, w[0].col);
        if (!t) return error(l, t.error());
        if (t->pieces.size() != 1 || t->pieces[0].kind != TemplatePiece::Kind::variable) {
            error(l, w[0].col, "deliver takes a fixture file or one ${variable}");
            return;
        }
        if (!check_vars(l, *t)) return;
        d.inline_text = std::move(*t);
    } else {
        auto file = loader_.load(what, current_file());
        if (!file) {
            error(l, w[0].col, file.error().message);
            return;
        }
        if (file->text.size() > limits_.max_file) {
            error(l, w[0].col,
                  fmt::format("fixture {} is {} bytes; the limit is {}", file->display,
                              file->text.size(), limits_.max_file));
            return;
        }
        total_ += file->text.size();
        // Errors inside the fixture point into the fixture.
        fixtures_.push_back(std::make_unique<SourceFile>(std::move(*file)));
        const SourceFile& f = *fixtures_.back();
        d.fixture_name = f.display;
        d.fixture_text = f.text;
        for (const Line& fl : split_lines(f)) {
            if (fl.text.size() > limits_.max_line) {
                error(fl, static_cast<int>(limits_.max_line) + 1, "the line is too long");
                return;
            }
            auto t = parse_template(fl.text, 1);
            if (!t) return error(fl, t.error());
            std::vector<std::string> extra = fixture_variables();
            if (!check_vars(fl, *t, extra)) return;
            for (auto& p : t->pieces) d.fixture.pieces.push_back(std::move(p));
            d.fixture.pieces.push_back({TemplatePiece::Kind::text, "\r\n"});
        }
    }
    if (d.bind) vars_.insert(*d.bind);
    script_->header.needs_delivery = true;
    add(l, std::move(d));
}

void Parser::judge(const Line& l, std::string_view args) {
    if (in_cleanup_) {
        error(l, 1, "cleanup judges nothing: its steps only tidy up");
        return;
    }
    auto ws = words(l, args);
    if (!ws) return error(l, ws.error());
    if (ws->empty()) {
        error(l, static_cast<int>(l.text.size()) + 1, "'judge' needs a requirement ID");
        return;
    }
    const std::string& id = (*ws)[0].value;
    const auto& reqs = script_->header.requirements;
    const auto it =
        std::find_if(reqs.begin(), reqs.end(), [&](const auto& r) { return r.id == id; });
    if (it == reqs.end() && mode_ == ParseMode::test) {
        error(l, (*ws)[0].col,
              fmt::format("requirement {} is not declared in the header (add "
                          "'requirement: {} LEVEL')",
                          id, id));
        return;
    }
    Section s;
    s.requirement = id;
    s.level = it == reqs.end() ? Level::must : it->level;
    s.stop_on_failure = s.level == Level::must || s.level == Level::must_not;
    s.at = l.at(1);
    for (std::size_t i = 1; i < ws->size(); ++i) {
        const std::string& m = (*ws)[i].value;
        if (m == "keep-going") {
            s.stop_on_failure = false;
        } else if (m == "stop-on-failure") {
            s.stop_on_failure = true;
        } else {
            error(l, (*ws)[i].col, fmt::format("'{}': expected keep-going or stop-on-failure", m));
            return;
        }
    }
    judged_.insert(id);
    script_->sections.push_back(std::move(s));
    section_ = static_cast<int>(script_->sections.size() - 1);
}

void Parser::setup(const Line& l, std::string_view args) {
    no_args(l, "setup", args);
    section_ = kSetup;
}

std::optional<Value> Parser::value_arg(const Line& l, const Word& w) {
    if (w.regex) {
        error(l, w.col, "a regular expression is only allowed after 'matches'");
        return std::nullopt;
    }
    auto v = value_of(w);
    if (!v) {
        error(l, v.error());
        return std::nullopt;
    }
    if (!check_vars(l, v->text)) return std::nullopt;
    return std::move(*v);
}

void Parser::assertion(const Line& l, const std::string& conn, std::string_view args) {
    auto a = parse_assert(l, conn, args);
    if (a) add(l, std::move(*a));
}

bool Parser::assertion_form(std::string_view args) {
    const std::size_t sp = args.find_first_of(" \t");
    const std::string_view first = args.substr(0, sp);
    if (first == "metadata" || first == "flags" || first == "fetch" || first == "list" ||
        first == "subscribed")
        return true;
    // VALUE equals|differs|matches VALUE: the second word decides.
    if (sp == std::string_view::npos) return false;
    std::string_view rest = trim(args.substr(sp));
    if (!first.empty() && first.front() == '"') {
        // A quoted first value may hold spaces: find its end.
        std::size_t i = 1;
        while (i < args.size() && args[i] != '"') i += args[i] == '\\' ? 2 : 1;
        if (i >= args.size()) return false;
        rest = trim(args.substr(i + 1));
    }
    const std::string_view verb = rest.substr(0, rest.find_first_of(" \t"));
    return verb == "equals" || verb == "differs" || verb == "matches";
}

std::optional<Assert> Parser::parse_assert(const Line& l, const std::string& conn,
                                           std::string_view args) {
    auto parsed = words(l, args);
    if (!parsed) {
        error(l, parsed.error());
        return std::nullopt;
    }
    const auto& w = *parsed;
    Assert a;
    a.conn = conn;
    a.section = section_;
    a.at = l.at(l.col_of(args.empty() ? l.text : args));
    a.source = "assert " + std::string(args);
    const int end_col = static_cast<int>(l.text.size()) + 1;
    const auto fail = [&](int col, std::string message) -> std::optional<Assert> {
        error(l, col, std::move(message));
        return std::nullopt;
    };
    auto need = [&](std::size_t n, std::string_view form) {
        if (w.size() < n) {
            error(l, end_col, fmt::format("incomplete assert: {}", form));
            return false;
        }
        return true;
    };
    auto vals = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            auto v = value_arg(l, w[i]);
            if (!v) return false;
            a.args.push_back(std::move(*v));
        }
        return true;
    };
    if (w.empty()) return fail(end_col, "'assert' needs what to check");
    const std::string& k = w[0].value;
    if (k == "capability" || (k == "no" && w.size() > 1 && w[1].value == "capability")) {
        a.kind = Assert::Kind::capability;
        a.negate = k == "no";
        const std::size_t at = a.negate ? 2 : 1;
        if (!need(at + 1, "assert [no] capability NAME")) return std::nullopt;
        if (!vals(at, w.size())) return std::nullopt;
    } else if (k == "metadata") {
        if (!need(4, "assert metadata MAILBOX ENTRY equals VALUE | absent | present"))
            return std::nullopt;
        if (w[3].value == "equals" && w.size() == 5) {
            a.kind = Assert::Kind::metadata_equals;
            if (!vals(1, 3) || !vals(4, 5)) return std::nullopt;
        } else if ((w[3].value == "absent" || w[3].value == "present") && w.size() == 4) {
            a.kind = w[3].value == "absent" ? Assert::Kind::metadata_absent
                                            : Assert::Kind::metadata_present;
            if (!vals(1, 3)) return std::nullopt;
        } else {
            return fail(w[3].col, "expected 'equals VALUE', 'absent' or 'present'");
        }
    } else if (k == "flags" || k == "fetch") {
        std::size_t i = 1;
        if (w.size() > 2 && (w[1].value == "uid" || w[1].value == "seq")) {
            auto v = value_arg(l, w[2]);
            if (!v) return std::nullopt;
            (w[1].value == "uid" ? a.uid : a.seq) = std::move(*v);
            i = 3;
        }
        if (k == "flags") {
            if (!need(i + 2, "assert flags [uid N | seq N] contain|lack FLAG..."))
                return std::nullopt;
            if (w[i].value != "contain" && w[i].value != "lack")
                return fail(w[i].col, "expected 'contain' or 'lack'");
            a.kind =
                w[i].value == "contain" ? Assert::Kind::flags_contain : Assert::Kind::flags_lack;
            if (!vals(i + 1, w.size())) return std::nullopt;
        } else {
            if (!need(i + 3, "assert fetch [uid N | seq N] ITEM equals VALUE")) return std::nullopt;
            a.kind = Assert::Kind::fetch_equals;
            a.item = w[i].value;
            if (w[i + 1].value != "equals" || w.size() != i + 3)
                return fail(w[i + 1].col, "expected 'equals VALUE'");
            if (!vals(i + 2, i + 3)) return std::nullopt;
        }
    } else if (k == "list") {
        if (!need(2, "assert list MAILBOX [with ATTRIBUTE...] | absent")) return std::nullopt;
        if (w.size() == 3 && w[2].value == "absent") {
            a.kind = Assert::Kind::list_absent;
            if (!vals(1, 2)) return std::nullopt;
        } else {
            a.kind = Assert::Kind::list_present;
            if (w.size() > 2 && w[2].value != "with")
                return fail(w[2].col, "expected 'with ATTRIBUTE...' or 'absent'");
            if (w.size() == 3) return fail(end_col, "'with' needs attributes");
            if (!vals(1, 2) || !vals(std::min<std::size_t>(3, w.size()), w.size()))
                return std::nullopt;
        }
    } else if (k == "subscribed" || (k == "not" && w.size() > 1 && w[1].value == "subscribed")) {
        a.kind = k == "not" ? Assert::Kind::not_subscribed : Assert::Kind::subscribed;
        const std::size_t at = k == "not" ? 2 : 1;
        if (!need(at + 1, "assert [not] subscribed MAILBOX")) return std::nullopt;
        if (w.size() != at + 1) return fail(w[at + 1].col, "one mailbox only");
        if (!vals(at, at + 1)) return std::nullopt;
    } else if (w.size() == 3 &&
               (w[1].value == "equals" || w[1].value == "differs" || w[1].value == "matches")) {
        if (w[1].value == "matches") {
            if (!w[2].regex) return fail(w[2].col, "'matches' needs re\"...\"");
            auto rx = Regex::compile(w[2].value, w[2].icase, limits_.pattern.regex);
            if (!rx) return fail(w[2].col, rx.error().message);
            a.kind = Assert::Kind::matches;
            a.regex = std::make_shared<const Regex>(std::move(*rx));
            if (!vals(0, 1)) return std::nullopt;
        } else {
            a.kind = w[1].value == "equals" ? Assert::Kind::equals : Assert::Kind::differs;
            if (!vals(0, 1) || !vals(2, 3)) return std::nullopt;
        }
    } else {
        return fail(w[0].col,
                    fmt::format("'assert {}': expected capability, no capability, metadata, "
                                "flags, fetch, list, subscribed, not subscribed, or VALUE "
                                "equals|differs|matches VALUE",
                                k));
    }
    return a;
}

std::optional<Condition> Parser::condition(const Line& l, const std::string& conn,
                                           std::string_view args) {
    Condition c;
    c.conn = conn;
    c.source = std::string(args);
    std::string_view rest = args;
    if (rest.substr(0, 4) == "not " || rest.substr(0, 4) == "not\t") {
        c.negate = true;
        rest = trim(rest.substr(4));
    }
    const std::size_t sp = rest.find_first_of(" \t");
    const std::string_view kind = rest.substr(0, sp);
    const std::string_view tail =
        sp == std::string_view::npos ? std::string_view{} : trim(rest.substr(sp));
    if (kind == "capability") {
        c.kind = Condition::Kind::capability;
        auto ws = words(l, tail);
        if (!ws) {
            error(l, ws.error());
            return std::nullopt;
        }
        if (ws->empty()) {
            error(l, static_cast<int>(l.text.size()) + 1, "capability needs a NAME");
            return std::nullopt;
        }
        std::vector<Word> all{Word{}};
        all.insert(all.end(), ws->begin(), ws->end());
        all[0].col = l.col_of(kind);
        c.names = alternatives(l, all, 1);
        if (c.names.empty()) return std::nullopt;
    } else if (kind == "tls" && tail.empty()) {
        c.kind = Condition::Kind::tls;
    } else if (kind == "defined" && !tail.empty() && tail.find_first_of(" \t") == tail.npos) {
        c.kind = Condition::Kind::defined;
        if (!valid_name(tail)) {
            error(l, l.col_of(tail), "'defined' takes a variable name (without ${...})");
            return std::nullopt;
        }
        if (!vars_.count(tail) && mode_ == ParseMode::test) {
            error(l, l.col_of(tail),
                  fmt::format("no earlier line sets {}, so 'defined {}' never holds", tail, tail));
            return std::nullopt;
        }
        c.names.emplace_back(tail);
    } else if (kind == "seen" && !tail.empty()) {
        c.kind = Condition::Kind::seen;
        auto p = parse_pattern(tail, l.col_of(tail), limits_.pattern);
        if (!p) {
            error(l, p.error());
            return std::nullopt;
        }
        for (const auto& v : p->variables())
            if (!vars_.count(v) && mode_ == ParseMode::test) {
                error(l, l.col_of(tail), fmt::format("unknown variable ${{{}}}", v));
                return std::nullopt;
            }
        for (const auto& cap : p->captures()) vars_.insert(cap);
        c.pattern = std::make_shared<const Pattern>(std::move(*p));
    } else if (!rest.empty() && assertion_form(rest)) {
        // An assertion as a condition: evaluated like `assert`, recorded nowhere.
        c.kind = Condition::Kind::assertion;
        auto a = parse_assert(l, conn, rest);
        if (!a) return std::nullopt;
        a->section = kSetup;
        a->source = std::string(rest);
        c.assertion = std::make_shared<const Assert>(std::move(*a));
    } else {
        error(l, args.empty() ? static_cast<int>(l.text.size()) + 1 : l.col_of(args),
              "expected a condition: [not] capability NAME[|NAME...], [not] tls, [not] seen "
              "PATTERN, [not] defined NAME, or an assertion ([not] "
              "metadata|flags|fetch|list|subscribed ..., "
              "VALUE equals|differs|matches VALUE)");
        return std::nullopt;
    }
    return c;
}

void Parser::require(const Line& l, const std::string& conn, std::string_view args) {
    if (in_cleanup_) return error(l, 1, "'require' has no place in cleanup");
    // An optional reason at the end: require ... because "why the test cannot apply".
    std::string because;
    const std::size_t at = args.rfind(" because \"");
    if (at != std::string_view::npos && args.back() == '"') {
        auto ws = words(l, args.substr(at + 9));
        if (!ws) return error(l, ws.error());
        if (ws->size() != 1 || !(*ws)[0].quoted)
            return error(l, l.col_of(args.substr(at + 1)),
                         "'because' takes one quoted reason at the end of the line");
        because = (*ws)[0].value;
        args = trim(args.substr(0, at));
    }
    auto c = condition(l, conn, args);
    if (!c) return;
    add(l, Require{std::move(*c), l.at(1), std::move(because)});
}

void Parser::pop_frame() {
    frames_.pop_back();
    bodies_.pop_back();
}

bool Parser::push_frame(const Line& l, std::string what) {
    if (frames_.size() >= limits_.max_nesting) {
        error(l, 1, fmt::format("if/repeat nest deeper than {}", limits_.max_nesting));
        return false;
    }
    frames_.push_back({std::move(what), l.at(1), nullptr, false});
    return true;
}

void Parser::if_statement(const Line& l, const std::string& conn, std::string_view args) {
    auto c = condition(l, conn, args);
    if (!c) {
        // Keep the structure so the matching 'end' does not cascade into more errors.
        if (push_frame(l, "if")) bodies_.push_back(scratch());
        return;
    }
    If node;
    node.condition = std::move(*c);
    node.then_body = std::make_shared<Body>();
    node.else_body = std::make_shared<Body>();
    add(l, std::move(node));
    if (stopped_ || !push_frame(l, "if")) return;
    const If& stored = std::get<If>(body().back().node);
    frames_.back().else_body = stored.else_body;
    bodies_.push_back(stored.then_body.get());
}

void Parser::else_statement(const Line& l, std::string_view args) {
    no_args(l, "else", args);
    if (frames_.empty() || frames_.back().what != "if" || frames_.back().in_else)
        return error(l, 1, "'else' without an open 'if'");
    frames_.back().in_else = true;
    bodies_.back() = frames_.back().else_body ? frames_.back().else_body.get() : scratch();
    last_block_ = nullptr;
}

void Parser::end_statement(const Line& l, std::string_view args) {
    no_args(l, "end", args);
    if (frames_.empty() || frames_.size() <= frames_base_)
        return error(l, 1, "'end' without an open 'if' or 'repeat'");
    pop_frame();
}

void Parser::repeat(const Line& l, std::string_view args) {
    std::size_t n = 0;
    const auto r = std::from_chars(args.data(), args.data() + args.size(), n);
    if (args.empty() || r.ec != std::errc{} || r.ptr != args.data() + args.size() || n == 0 ||
        n > limits_.max_repeat) {
        error(l, args.empty() ? static_cast<int>(l.text.size()) + 1 : l.col_of(args),
              fmt::format("'repeat' needs a count from 1 to {}", limits_.max_repeat));
        if (push_frame(l, "repeat")) bodies_.push_back(scratch());
        return;
    }
    Repeat node;
    node.count = n;
    node.body = std::make_shared<Body>();
    auto* inner = node.body.get();
    add(l, std::move(node));
    if (stopped_ || !push_frame(l, "repeat")) return;
    bodies_.push_back(inner);
}

void Parser::include(const Line& l, std::string_view args, std::size_t depth) {
    if (args.empty())
        return error(l, static_cast<int>(l.text.size()) + 1, "'include' needs a file name");
    if (depth + 1 > limits_.max_include_depth)
        return error(l, l.col_of(args),
                     fmt::format("includes nest deeper than {}", limits_.max_include_depth));
    auto file = loader_.load(args, current_file());
    if (!file) return error(l, l.col_of(args), file.error().message);
    if (std::find(stack_.begin(), stack_.end(), file->key) != stack_.end())
        return error(l, l.col_of(args),
                     fmt::format("include cycle: {} includes itself (through {})", file->display,
                                 fmt::join(stack_, " -> ")));
    includes_.push_back(std::make_unique<SourceFile>(std::move(*file)));
    const std::size_t base = frames_base_;
    frames_base_ = frames_.size();
    const std::size_t before = errors_.size();
    parse_file(*includes_.back(), depth + 1);
    frames_base_ = base;
    if (errors_.size() > before && !stopped_)
        errors_.push_back(
            {l.at(l.col_of(args)), fmt::format("(the problems above are in {}, included here)",
                                               includes_.back()->display)});
    last_block_ = nullptr;
}

void Parser::cleanup(const Line& l, std::string_view args) {
    no_args(l, "cleanup", args);
    if (in_cleanup_) return error(l, 1, "a second 'cleanup'");
    if (!frames_.empty() || stack_.size() > 1)
        return error(l, 1, "'cleanup' belongs at the top level of the test script");
    in_cleanup_ = true;
    section_ = kSetup;
    bodies_.back() = &script_->cleanup;
}

}  // namespace coitest::script::detail
