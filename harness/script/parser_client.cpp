// The parser: client lines (C:, with literals) and expected server lines (S:, S?:, S!:).
#include "script/parser_impl.hpp"

#include <fmt/ranges.h>

#include <charconv>
#include <cstring>

namespace coitest::script::detail {

std::string_view Parser::client_text(const Line& l) {
    std::string_view t = l.text;
    const std::size_t at = t.find("C:");
    t = t.substr(at + 2);
    if (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    return t;
}

bool Parser::is_client_line(const Line& l, const std::string& conn) const {
    const std::string_view t = trim(l.text);
    if (t.substr(0, 2) == "C:") return true;
    const std::size_t sp = t.find_first_of(" \t");
    if (sp == std::string_view::npos) return false;
    return t.substr(0, sp) == conn && trim(t.substr(sp)).substr(0, 2) == "C:";
}

std::optional<Parser::RawLiteral> Parser::trailing_literal(std::string_view text) const {
    if (text.empty() || text.back() != '}') return std::nullopt;
    const std::size_t open = text.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view inside = text.substr(open + 1, text.size() - open - 2);
    RawLiteral r;
    r.open = open;
    if (!inside.empty() && inside.back() == '+') {
        r.non_sync = true;
        inside.remove_suffix(1);
    }
    if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        }))
        return std::nullopt;
    if (inside.size() > 18) {
        r.too_big = true;
        return r;
    }
    std::from_chars(inside.data(), inside.data() + inside.size(), r.size);
    r.too_big = r.size > limits_.max_literal;
    return r;
}

bool Parser::append_text(const Line& l, std::string_view text, int col, Template& out) {
    auto t = parse_template(text, col);
    if (!t) {
        error(l, t.error());
        return false;
    }
    if (!check_vars(l, *t)) return false;
    for (auto& p : t->pieces) out.pieces.push_back(std::move(p));
    return true;
}

void Parser::send(const Line& l, const std::string& conn, std::string_view, std::size_t) {
    const std::string_view first = client_text(l);
    Send s;
    s.conn = conn;
    // Tag: the first word, unless it holds a variable (then this line is continuation data).
    const std::size_t sp = first.find(' ');
    const std::string_view tag_word = first.substr(0, sp);
    if (tag_word.find("${") == std::string_view::npos) s.tag = std::string(tag_word);

    Template full;
    const Line* line = &l;
    std::string_view text = first;
    for (;;) {
        auto lit = trailing_literal(text);
        if (!lit) {
            if (!text.empty() && !append_text(*line, text, line->col_of(text), full)) return;
            break;
        }
        const int lit_col = line->col_of(text.substr(lit->open));
        if (lit->too_big) {
            error(*line, lit_col,
                  fmt::format("the literal announces more than {} bytes (the limit)",
                              limits_.max_literal));
            return;
        }
        if (lit->open > 0 &&
            !append_text(*line, text.substr(0, lit->open), line->col_of(text), full))
            return;
        // The literal's bytes: the following client lines, joined by CRLF.
        std::string data;
        std::string_view remainder;
        const Line* last = line;
        bool ended = false;
        while (!ended) {
            const Line* next = peek_line();
            if (!next || !is_client_line(*next, conn)) break;
            take_line();
            last = next;
            const std::string_view t = client_text(*next);
            const std::size_t need = lit->size - data.size();
            if (t.size() >= need) {
                data += t.substr(0, need);
                remainder = t.substr(need);
                ended = true;
                break;
            }
            data += t;
            if (data.size() + 2 <= lit->size) {
                data += "\r\n";
                if (data.size() == lit->size) {
                    // The literal ends with a line: the next client line continues the
                    // command.
                    const Line* cont = peek_line();
                    if (cont && is_client_line(*cont, conn)) {
                        take_line();
                        last = cont;
                        remainder = client_text(*cont);
                    }
                    ended = true;
                }
            } else if (data.size() + 1 == lit->size) {
                error(*next, static_cast<int>(next->text.size()) + 1,
                      "the literal ends between CR and LF");
                return;
            }
        }
        if (!ended && lit->size > 0) {
            error(*line, lit_col,
                  fmt::format("unterminated literal: it announces {} bytes but the client "
                              "lines after it hold {}",
                              lit->size, data.size()));
            return;
        }
        TemplatePiece piece;
        piece.kind = TemplatePiece::Kind::raw_literal;
        piece.text = std::move(data);
        piece.non_sync = lit->non_sync;
        piece.col = lit_col;
        full.pieces.push_back(std::move(piece));
        line = last;
        text = remainder;
    }
    s.full = full;
    // rest: everything after the tag and one space.
    if (!s.tag.empty()) {
        Template rest = full;
        auto& p = rest.pieces;
        if (!p.empty() && p.front().kind == TemplatePiece::Kind::text) {
            std::string& t = p.front().text;
            const std::size_t cut = std::min(t.size(), s.tag.size() + 1);
            t.erase(0, cut);
            if (t.empty()) p.erase(p.begin());
        }
        s.rest = std::move(rest);
    }
    if (s.tag == "." && s.rest.empty())
        error(l, l.col_of(first), "an automatic tag '.' needs a command after it");
    add(l, std::move(s));
}

void Parser::expect(const Line& l, const std::string& conn, std::string_view verb,
                    std::string_view args) {
    Expect e;
    e.kind = verb == "S:"    ? Expect::Kind::required
             : verb == "S?:" ? Expect::Kind::optional
                             : Expect::Kind::forbidden;
    e.section = section_;
    e.at = l.at(l.col_of(verb));
    e.source = std::string(verb) + " " + std::string(args);
    if (args.empty()) {
        error(l, static_cast<int>(l.text.size()) + 1,
              fmt::format("'{}' needs an expected server line", verb));
        return;
    }
    // A trailing "within 5s" / "during 3s".
    std::string_view pattern_text = args;
    const std::size_t last_sp = args.find_last_of(" \t");
    if (last_sp != std::string_view::npos) {
        const std::string_view before = trim(args.substr(0, last_sp));
        const std::size_t kw_sp = before.find_last_of(" \t");
        const std::string_view kw =
            kw_sp == std::string_view::npos ? before : before.substr(kw_sp + 1);
        if (kw == "within" || kw == "during") {
            const std::string_view dur = args.substr(last_sp + 1);
            const auto d = duration(l, dur, l.col_of(dur));
            if (!d) return;
            const bool within = kw == "within";
            if (within && e.kind == Expect::Kind::forbidden) {
                error(l, l.col_of(kw), "S!: takes 'during DURATION' (watch for that long)");
                return;
            }
            if (!within && e.kind != Expect::Kind::forbidden) {
                error(l, l.col_of(kw),
                      "'during' belongs to S!: lines; S: lines wait with 'within'");
                return;
            }
            (within ? e.within : e.during) = *d;
            pattern_text = kw_sp == std::string_view::npos ? std::string_view{}
                                                           : trim(before.substr(0, kw_sp));
            if (pattern_text.empty()) {
                error(l, l.col_of(kw),
                      "an expected server line is missing before '" + std::string(kw) + "'");
                return;
            }
        }
    }
    auto p = parse_pattern(pattern_text, l.col_of(pattern_text), limits_.pattern);
    if (!p) return error(l, p.error());
    if (e.within && p->head != Pattern::Head::untagged) {
        error(l, l.col_of(pattern_text),
              "'within' waits for untagged responses; a tagged line waits for its completion "
              "anyway");
        return;
    }
    for (const auto& v : p->variables()) {
        if (vars_.count(v) || mode_ == ParseMode::snippet) continue;
        error(l, l.col_of(pattern_text),
              fmt::format("unknown variable ${{{}}} in the expected line (captures are "
                          "written ${{={}}})",
                          v, v));
        return;
    }
    if (e.kind != Expect::Kind::forbidden)
        for (const auto& c : p->captures()) vars_.insert(c);
    e.pattern = std::make_shared<const Pattern>(std::move(*p));
    // Consecutive expected lines of one connection form one block.
    if (last_block_ && last_block_->conn == conn) {
        last_block_->lines.push_back(std::move(e));
        return;
    }
    ExpectBlock b;
    b.conn = conn;
    b.lines.push_back(std::move(e));
    add(l, std::move(b));
    if (!body().empty()) last_block_ = std::get_if<ExpectBlock>(&body().back().node);
}

}  // namespace coitest::script::detail
