#include "script/regex.hpp"

#include <fmt/format.h>

#include <cctype>
#include <limits>
#include <optional>

namespace coitest::script {

namespace {

constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

struct Node {
    enum class Kind { set, empty, cat, alt, star, plus, quest, repeat };
    Kind kind = Kind::empty;
    std::uint32_t set = 0;
    std::vector<Node> kids;
    std::size_t min = 0, max = 0;  // repeat; max == kUnbounded for {m,}
};

std::size_t add_sat(std::size_t a, std::size_t b) {
    return a > kUnbounded - b ? kUnbounded : a + b;
}
std::size_t mul_sat(std::size_t a, std::size_t b) {
    if (a == 0 || b == 0) return 0;
    return a > kUnbounded / b ? kUnbounded : a * b;
}

// Instructions `n` will emit (saturating), so a {m,n} bomb is refused before anything is built.
std::size_t program_size(const Node& n) {
    switch (n.kind) {
        case Node::Kind::set:
            return 1;
        case Node::Kind::empty:
            return 0;
        case Node::Kind::cat: {
            std::size_t s = 0;
            for (const auto& k : n.kids) s = add_sat(s, program_size(k));
            return s;
        }
        case Node::Kind::alt: {
            std::size_t s = 2 * (n.kids.size() - 1);
            for (const auto& k : n.kids) s = add_sat(s, program_size(k));
            return s;
        }
        case Node::Kind::star:
            return add_sat(program_size(n.kids[0]), 2);
        case Node::Kind::plus:
        case Node::Kind::quest:
            return add_sat(program_size(n.kids[0]), 1);
        case Node::Kind::repeat: {
            const std::size_t one = program_size(n.kids[0]);
            std::size_t s = mul_sat(n.min, one);
            if (n.max == kUnbounded) return add_sat(s, add_sat(one, 2));
            return add_sat(s, mul_sat(n.max - n.min, add_sat(one, 1)));
        }
    }
    return kUnbounded;
}

}  // namespace

// Parses the pattern into a tree, then emits the NFA program.
class RegexCompiler {
  public:
    RegexCompiler(std::string_view pattern, bool ignore_case, const RegexLimits& limits)
        : in_(pattern), icase_(ignore_case), limits_(limits) {}

    Result<Regex> run() {
        if (in_.size() > limits_.max_pattern)
            return make_error(
                ErrorKind::limit,
                fmt::format("the regular expression is {} bytes long; the limit is {}", in_.size(),
                            limits_.max_pattern));
        Node root;
        if (auto r = parse_alt(root, 0); !r) return r.error();
        if (pos_ < in_.size()) return error_here("unbalanced ')'");
        const std::size_t size = add_sat(program_size(root), 1);
        if (size > limits_.max_program)
            return make_error(
                ErrorKind::limit,
                fmt::format("the regular expression expands to more than {} instructions "
                            "(nested or large repetitions); simplify it",
                            limits_.max_program));
        out_.pattern_ = std::string(in_);
        out_.ignore_case_ = icase_;
        out_.program_.reserve(size);
        emit(root);
        out_.program_.push_back({Regex::Op::match, 0, 0});
        return std::move(out_);
    }

  private:
    Error error_here(std::string_view what) const {
        return make_error(ErrorKind::config,
                          fmt::format("regular expression, offset {}: {}", pos_, what));
    }
    bool at_end() const { return pos_ >= in_.size(); }
    char peek() const { return at_end() ? '\0' : in_[pos_]; }

    std::uint32_t new_set(const Regex::ByteSet& s) {
        Regex::ByteSet folded = s;
        if (icase_) {
            for (int c = 'a'; c <= 'z'; ++c) {
                const int u = c - 'a' + 'A';
                if (s.has(static_cast<unsigned char>(c)) || s.has(static_cast<unsigned char>(u))) {
                    folded.add(static_cast<unsigned char>(c));
                    folded.add(static_cast<unsigned char>(u));
                }
            }
        }
        out_.sets_.push_back(folded);
        return static_cast<std::uint32_t>(out_.sets_.size() - 1);
    }

    Result<void> parse_alt(Node& out, std::size_t depth) {
        if (depth > limits_.max_depth)
            return error_here(fmt::format("groups nest deeper than {}", limits_.max_depth));
        Node alt;
        alt.kind = Node::Kind::alt;
        for (;;) {
            Node cat;
            if (auto r = parse_cat(cat, depth); !r) return r;
            alt.kids.push_back(std::move(cat));
            if (peek() != '|') break;
            ++pos_;
        }
        out = alt.kids.size() == 1 ? std::move(alt.kids[0]) : std::move(alt);
        return {};
    }

    Result<void> parse_cat(Node& out, std::size_t depth) {
        out.kind = Node::Kind::cat;
        while (!at_end() && peek() != '|' && peek() != ')') {
            Node piece;
            if (auto r = parse_repeat(piece, depth); !r) return r;
            out.kids.push_back(std::move(piece));
        }
        if (out.kids.empty()) out.kind = Node::Kind::empty;
        return {};
    }

    std::optional<std::size_t> number() {
        std::size_t n = 0;
        const std::size_t start = pos_;
        while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) {
            n = std::min<std::size_t>(n * 10 + static_cast<std::size_t>(peek() - '0'), 1'000'000);
            ++pos_;
        }
        if (pos_ == start) return std::nullopt;
        return n;
    }

    // After an atom: `{m}`, `{m,}` or `{m,n}`. Anything else leaves pos_ where it was.
    std::optional<std::pair<std::size_t, std::size_t>> counted() {
        const std::size_t save = pos_;
        ++pos_;  // '{'
        auto m = number();
        if (!m) {
            pos_ = save;
            return std::nullopt;
        }
        std::size_t n = *m;
        if (peek() == ',') {
            ++pos_;
            auto hi = number();
            n = hi ? *hi : kUnbounded;
        }
        if (peek() != '}') {
            pos_ = save;
            return std::nullopt;
        }
        ++pos_;
        return std::make_pair(*m, n);
    }

    Result<void> parse_repeat(Node& out, std::size_t depth) {
        if (auto r = parse_atom(out, depth); !r) return r;
        const char q = peek();
        if (q != '*' && q != '+' && q != '?' && q != '{') return {};
        Node rep;
        if (q == '{') {
            const std::size_t at = pos_;
            auto c = counted();
            if (!c) return {};  // a literal '{' follows; the next atom takes it
            if (c->first > limits_.max_repeat ||
                (c->second != kUnbounded && c->second > limits_.max_repeat))
                return make_error(ErrorKind::limit,
                                  fmt::format("regular expression, offset {}: repetition count "
                                              "above {}",
                                              at, limits_.max_repeat));
            if (c->second < c->first)
                return make_error(
                    ErrorKind::config,
                    fmt::format("regular expression, offset {}: {{m,n}} with n < m", at));
            rep.kind = Node::Kind::repeat;
            rep.min = c->first;
            rep.max = c->second;
        } else {
            ++pos_;
            rep.kind = q == '*'   ? Node::Kind::star
                       : q == '+' ? Node::Kind::plus
                                  : Node::Kind::quest;
        }
        if (peek() == '?') ++pos_;  // lazy: the same language, the same whole-text answer
        const char again = peek();
        if (again == '*' || again == '+' || again == '?')
            return error_here("a quantifier follows a quantifier");
        rep.kids.push_back(std::move(out));
        out = std::move(rep);
        return {};
    }

    static void add_range(Regex::ByteSet& s, int lo, int hi) {
        for (int c = lo; c <= hi; ++c) s.add(static_cast<unsigned char>(c));
    }

    // \d \w \s and their negations; false when `c` is not a class escape.
    static bool class_escape(char c, Regex::ByteSet& s) {
        Regex::ByteSet base;
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == 'd') {
            add_range(base, '0', '9');
        } else if (lower == 'w') {
            add_range(base, '0', '9');
            add_range(base, 'a', 'z');
            add_range(base, 'A', 'Z');
            base.add('_');
        } else if (lower == 's') {
            for (char w : std::string_view(" \t\r\n\f\v")) base.add(static_cast<unsigned char>(w));
        } else {
            return false;
        }
        const bool negate = c != lower;
        for (int b = 0; b < 256; ++b)
            if (base.has(static_cast<unsigned char>(b)) != negate)
                s.add(static_cast<unsigned char>(b));
        return true;
    }

    static std::optional<char> simple_escape(char c) {
        switch (c) {
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'f':
                return '\f';
            case 'v':
                return '\v';
            case '0':
                return '\0';
            default:
                break;
        }
        if (std::ispunct(static_cast<unsigned char>(c)) || c == ' ') return c;
        return std::nullopt;
    }

    Result<void> parse_class(Node& out) {
        ++pos_;  // '['
        Regex::ByteSet s;
        bool negate = false;
        if (peek() == '^') {
            negate = true;
            ++pos_;
        }
        bool first = true;
        for (;;) {
            if (at_end()) return error_here("unterminated character class '['");
            char c = peek();
            if (c == ']' && !first) {
                ++pos_;
                break;
            }
            first = false;
            ++pos_;
            int lo = static_cast<unsigned char>(c);
            if (c == '\\') {
                if (at_end()) return error_here("a class ends in '\\'");
                const char e = peek();
                ++pos_;
                if (class_escape(e, s)) continue;
                const auto lit = simple_escape(e);
                if (!lit) return error_here(fmt::format("unknown escape '\\{}'", e));
                lo = static_cast<unsigned char>(*lit);
            }
            if (peek() == '-' && pos_ + 1 < in_.size() && in_[pos_ + 1] != ']') {
                ++pos_;
                char h = peek();
                ++pos_;
                int hi = static_cast<unsigned char>(h);
                if (h == '\\') {
                    if (at_end()) return error_here("a class ends in '\\'");
                    const auto lit = simple_escape(peek());
                    if (!lit) return error_here("a range ends in a class escape");
                    ++pos_;
                    hi = static_cast<unsigned char>(*lit);
                }
                if (hi < lo) return error_here("a range goes backwards");
                add_range(s, lo, hi);
            } else {
                s.add(static_cast<unsigned char>(lo));
            }
        }
        if (negate) {
            Regex::ByteSet inv;
            for (int b = 0; b < 256; ++b)
                if (!s.has(static_cast<unsigned char>(b))) inv.add(static_cast<unsigned char>(b));
            s = inv;
        }
        out.kind = Node::Kind::set;
        out.set = new_set(s);
        return {};
    }

    Result<void> parse_atom(Node& out, std::size_t depth) {
        const char c = peek();
        if (c == '(') {
            ++pos_;
            if (peek() == '?') {
                if (pos_ + 1 < in_.size() && in_[pos_ + 1] == ':')
                    pos_ += 2;
                else
                    return error_here("only (?: ) groups are supported");
            }
            if (auto r = parse_alt(out, depth + 1); !r) return r;
            if (peek() != ')') return error_here("missing ')'");
            ++pos_;
            return {};
        }
        if (c == '[') return parse_class(out);
        if (c == '*' || c == '+' || c == '?') return error_here("nothing to repeat");
        ++pos_;
        Regex::ByteSet s;
        if (c == '^') {
            if (pos_ != 1)
                return error_here("'^' is only allowed at the start (matches are whole)");
            out.kind = Node::Kind::empty;
            return {};
        }
        if (c == '$') {
            if (pos_ != in_.size()) return error_here("'$' is only allowed at the end");
            out.kind = Node::Kind::empty;
            return {};
        }
        if (c == '.') {
            for (int b = 0; b < 256; ++b)
                if (b != '\n' && b != '\r') s.add(static_cast<unsigned char>(b));
        } else if (c == '\\') {
            if (at_end()) return error_here("the pattern ends in '\\'");
            const char e = peek();
            ++pos_;
            if (!class_escape(e, s)) {
                const auto lit = simple_escape(e);
                if (!lit) return error_here(fmt::format("unknown escape '\\{}'", e));
                s.add(static_cast<unsigned char>(*lit));
            }
        } else {
            s.add(static_cast<unsigned char>(c));
        }
        out.kind = Node::Kind::set;
        out.set = new_set(s);
        return {};
    }

    std::uint32_t here() const { return static_cast<std::uint32_t>(out_.program_.size()); }
    std::uint32_t push(Regex::Op op, std::uint32_t x = 0, std::uint32_t y = 0) {
        out_.program_.push_back({op, x, y});
        return here() - 1;
    }

    void emit_star(const Node& body) {
        const auto split = push(Regex::Op::split);
        out_.program_[split].x = here();
        emit(body);
        push(Regex::Op::jump, split);
        out_.program_[split].y = here();
    }
    void emit_quest(const Node& body) {
        const auto split = push(Regex::Op::split);
        out_.program_[split].x = here();
        emit(body);
        out_.program_[split].y = here();
    }

    void emit(const Node& n) {
        switch (n.kind) {
            case Node::Kind::set:
                push(Regex::Op::byte, n.set);
                return;
            case Node::Kind::empty:
                return;
            case Node::Kind::cat:
                for (const auto& k : n.kids) emit(k);
                return;
            case Node::Kind::alt: {
                std::vector<std::uint32_t> jumps;
                for (std::size_t i = 0; i + 1 < n.kids.size(); ++i) {
                    const auto split = push(Regex::Op::split);
                    out_.program_[split].x = here();
                    emit(n.kids[i]);
                    jumps.push_back(push(Regex::Op::jump));
                    out_.program_[split].y = here();
                }
                emit(n.kids.back());
                for (auto j : jumps) out_.program_[j].x = here();
                return;
            }
            case Node::Kind::star:
                emit_star(n.kids[0]);
                return;
            case Node::Kind::plus: {
                const auto start = here();
                emit(n.kids[0]);
                push(Regex::Op::split, start, here() + 1);
                return;
            }
            case Node::Kind::quest:
                emit_quest(n.kids[0]);
                return;
            case Node::Kind::repeat:
                for (std::size_t i = 0; i < n.min; ++i) emit(n.kids[0]);
                if (n.max == kUnbounded) {
                    emit_star(n.kids[0]);
                } else {
                    for (std::size_t i = n.min; i < n.max; ++i) emit_quest(n.kids[0]);
                }
                return;
        }
    }

    std::string_view in_;
    bool icase_;
    RegexLimits limits_;
    std::size_t pos_ = 0;
    Regex out_;
};

Result<Regex> Regex::compile(std::string_view pattern, bool ignore_case,
                             const RegexLimits& limits) {
    return RegexCompiler(pattern, ignore_case, limits).run();
}

bool Regex::full_match(std::string_view text) const {
    // Thompson's simulation: every live NFA state advances in lock-step over the text, each state
    // at most once per position, so time is O(text × program) and memory O(program).
    const std::size_t n = program_.size();
    std::vector<std::uint32_t> current, next, stack;
    std::vector<std::uint32_t> mark(n, 0);
    std::uint32_t generation = 0;
    current.reserve(n);
    next.reserve(n);

    auto add = [&](std::vector<std::uint32_t>& list, std::uint32_t pc) {
        stack.clear();
        stack.push_back(pc);
        while (!stack.empty()) {
            const auto p = stack.back();
            stack.pop_back();
            if (mark[p] == generation) continue;
            mark[p] = generation;
            const Inst& in = program_[p];
            if (in.op == Op::jump) {
                stack.push_back(in.x);
            } else if (in.op == Op::split) {
                stack.push_back(in.y);
                stack.push_back(in.x);
            } else {
                list.push_back(p);
            }
        }
    };

    ++generation;
    add(current, 0);
    for (const char ch : text) {
        if (current.empty()) return false;
        const auto c = static_cast<unsigned char>(ch);
        ++generation;
        next.clear();
        for (const auto pc : current) {
            const Inst& in = program_[pc];
            if (in.op == Op::byte && sets_[in.x].has(c)) add(next, pc + 1);
        }
        current.swap(next);
    }
    for (const auto pc : current)
        if (program_[pc].op == Op::match) return true;
    return false;
}

}  // namespace coitest::script
