#include "script/wire_tokens.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>

namespace coitest::script {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\r' || c == '\n' || c == '\t';
}

// A byte that ends an atom in this tokenizer (more than RFC 3501's atom-specials: brackets are
// structure here, so BODY[HEADER] reads as BODY followed by a bracket group).
bool ends_atom(char c) {
    return is_space(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"';
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) !=
            std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

class Tokenizer {
  public:
    Tokenizer(std::string_view in, const WireLimits& limits) : in_(in), limits_(limits) {}

    std::vector<WireToken> run() {
        std::vector<WireToken> top;
        read_sequence(top, '\0', 0);
        return top;
    }

  private:
    // Reads tokens into `out` until `close` (consumed) or the end of input.
    void read_sequence(std::vector<WireToken>& out, char close, std::size_t depth) {
        for (;;) {
            while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
            if (pos_ >= in_.size()) return;
            const char c = in_[pos_];
            if (close != '\0' && c == close) {
                ++pos_;
                return;
            }
            if (count_ >= limits_.max_tokens) {
                pos_ = in_.size();
                return;
            }
            ++count_;
            if ((c == ')' || c == ']') && close == '\0') {
                // A stray closer at the top level: keep it visible as an atom.
                out.push_back({WireToken::Kind::atom, std::string(1, c), {}});
                ++pos_;
                continue;
            }
            if (c == ')' || c == ']') {
                // The wrong closer for this group: end the group here and let the caller see it.
                return;
            }
            if (c == '(' || c == '[') {
                ++pos_;
                WireToken group;
                group.kind = c == '(' ? WireToken::Kind::list : WireToken::Kind::bracket;
                if (depth + 1 >= limits_.max_depth) {
                    read_sequence(out, c == '(' ? ')' : ']', depth);  // flatten
                    continue;
                }
                read_sequence(group.items, c == '(' ? ')' : ']', depth + 1);
                out.push_back(std::move(group));
                continue;
            }
            if (c == '"') {
                out.push_back(read_quoted());
                continue;
            }
            if (auto literal = read_literal()) {
                out.push_back(std::move(*literal));
                continue;
            }
            out.push_back(read_atom());
        }
    }

    WireToken read_quoted() {
        ++pos_;  // opening quote
        WireToken t{WireToken::Kind::string, {}, {}};
        while (pos_ < in_.size() && in_[pos_] != '"') {
            if (in_[pos_] == '\\' && pos_ + 1 < in_.size()) ++pos_;
            t.text += in_[pos_++];
        }
        if (pos_ < in_.size()) ++pos_;  // closing quote
        return t;
    }

    // {N}, {N+} or ~{N} followed by CRLF and N bytes (fewer if the input ends first).
    std::optional<WireToken> read_literal() {
        std::size_t p = pos_;
        if (in_[p] == '~') ++p;
        if (p >= in_.size() || in_[p] != '{') return std::nullopt;
        ++p;
        std::size_t n = 0, digits = 0;
        while (p < in_.size() && std::isdigit(static_cast<unsigned char>(in_[p]))) {
            if (n <= in_.size()) n = n * 10 + static_cast<std::size_t>(in_[p] - '0');
            ++p;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        if (p < in_.size() && in_[p] == '+') ++p;
        if (p >= in_.size() || in_[p] != '}') return std::nullopt;
        ++p;
        if (in_.substr(p, 2) != "\r\n") return std::nullopt;
        p += 2;
        const std::size_t take = std::min(n, in_.size() - p);
        WireToken t{WireToken::Kind::string, std::string(in_.substr(p, take)), {}};
        pos_ = p + take;
        return t;
    }

    WireToken read_atom() {
        const std::size_t start = pos_;
        // A '{' that did not start a literal is an ordinary atom byte.
        while (pos_ < in_.size() && (pos_ == start || !ends_atom(in_[pos_]))) ++pos_;
        std::string text(in_.substr(start, pos_ - start));
        if (iequal(text, "NIL")) return {WireToken::Kind::nil, "NIL", {}};
        return {WireToken::Kind::atom, std::move(text), {}};
    }

    std::string_view in_;
    WireLimits limits_;
    std::size_t pos_ = 0;
    std::size_t count_ = 0;
};

bool quotable(std::string_view s) {
    for (char c : s)
        if (c == '\r' || c == '\n' || c == '\0') return false;
    return true;
}

}  // namespace

std::string WireToken::render() const {
    switch (kind) {
        case Kind::atom:
        case Kind::nil:
            return text;
        case Kind::string: {
            if (!quotable(text)) return fmt::format("{{{}}}\r\n{}", text.size(), text);
            std::string out = "\"";
            for (char c : text) {
                if (c == '"' || c == '\\') out += '\\';
                out += c;
            }
            return out + "\"";
        }
        case Kind::list:
            return "(" + render_tokens(items) + ")";
        case Kind::bracket:
            return "[" + render_tokens(items) + "]";
    }
    return text;
}

std::string render_tokens(const std::vector<WireToken>& tokens) {
    std::string out;
    for (const auto& t : tokens) {
        if (!out.empty()) out += ' ';
        out += t.render();
    }
    return out;
}

std::vector<WireToken> tokenize_wire(std::string_view data, const WireLimits& limits) {
    return Tokenizer(data, limits).run();
}

}  // namespace coitest::script
