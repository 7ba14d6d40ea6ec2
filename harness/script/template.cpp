#include "script/template.hpp"

#include "imap/command.hpp"

#include <fmt/format.h>

#include <cctype>

namespace coitest::script {

namespace {

bool name_char(char c, bool first) {
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return true;
    return !first && (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-');
}

}  // namespace

std::optional<Filter> parse_filter(std::string_view name) {
    if (name == "astring") return Filter::astring;
    if (name == "quoted") return Filter::quoted;
    if (name == "literal") return Filter::literal;
    if (name == "literal+") return Filter::literal_plus;
    if (name == "base64") return Filter::base64;
    if (name == "length") return Filter::length;
    return std::nullopt;
}

std::string_view to_string(Filter filter) {
    switch (filter) {
        case Filter::none:
            return "";
        case Filter::astring:
            return "astring";
        case Filter::quoted:
            return "quoted";
        case Filter::literal:
            return "literal";
        case Filter::literal_plus:
            return "literal+";
        case Filter::base64:
            return "base64";
        case Filter::length:
            return "length";
    }
    return "";
}

bool Template::has_variables() const {
    for (const auto& p : pieces)
        if (p.kind == TemplatePiece::Kind::variable) return true;
    return false;
}

std::vector<std::string> Template::variables() const {
    std::vector<std::string> out;
    for (const auto& p : pieces)
        if (p.kind == TemplatePiece::Kind::variable) out.push_back(p.text);
    return out;
}

std::string Template::source() const {
    std::string out;
    for (const auto& p : pieces) {
        switch (p.kind) {
            case TemplatePiece::Kind::text:
                out += p.text;
                break;
            case TemplatePiece::Kind::variable:
                out += "${" + p.text;
                if (p.filter != Filter::none) out += ":" + std::string(to_string(p.filter));
                out += "}";
                break;
            case TemplatePiece::Kind::raw_literal:
                out += fmt::format("{{{}{}}}", p.text.size(), p.non_sync ? "+" : "");
                break;
        }
    }
    return out;
}

Parsed<Template> parse_template(std::string_view text, int first_col) {
    Template t;
    std::string pending;
    int pending_col = first_col;
    auto flush = [&] {
        if (!pending.empty())
            t.pieces.push_back(
                {TemplatePiece::Kind::text, std::move(pending), Filter::none, false, pending_col});
        pending.clear();
    };
    std::size_t i = 0;
    while (i < text.size()) {
        const int col = first_col + static_cast<int>(i);
        if (text.substr(i, 4) == "${$}") {
            // A literal dollar sign where "${" must not start a substitution: "${$}{".
            if (pending.empty()) pending_col = col;
            pending += '$';
            i += 4;
            continue;
        }
        if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            const std::size_t close = text.find('}', i + 2);
            if (close == std::string_view::npos)
                return ParseError{col, "'${' without a closing '}'"};
            const std::string_view inner = text.substr(i + 2, close - i - 2);
            const std::size_t colon = inner.find(':');
            const std::string_view name = inner.substr(0, colon);
            if (name.empty() || !name_char(name[0], true))
                return ParseError{col, fmt::format("'${{{}}}' is not a variable name (letters, "
                                                   "digits, '_', '.', '-'; a letter first)",
                                                   inner)};
            for (char c : name)
                if (!name_char(c, false))
                    return ParseError{col, fmt::format("'{}' is not a variable name", name)};
            Filter filter = Filter::none;
            if (colon != std::string_view::npos) {
                const auto f = parse_filter(inner.substr(colon + 1));
                if (!f)
                    return ParseError{col, fmt::format("unknown filter ':{}' (astring, quoted, "
                                                       "literal, literal+, base64, length)",
                                                       inner.substr(colon + 1))};
                filter = *f;
            }
            flush();
            t.pieces.push_back(
                {TemplatePiece::Kind::variable, std::string(name), filter, false, col});
            i = close + 1;
            pending_col = first_col + static_cast<int>(i);
            continue;
        }
        if (pending.empty()) pending_col = col;
        pending += text[i++];
    }
    flush();
    return t;
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

Result<std::vector<Expanded>> expand_parts(const Template& t, const Lookup& lookup) {
    std::vector<Expanded> out;
    auto text = [&](std::string_view s) {
        if (out.empty() || out.back().literal) out.push_back({});
        out.back().text += s;
    };
    for (const auto& p : t.pieces) {
        if (p.kind == TemplatePiece::Kind::text) {
            text(p.text);
            continue;
        }
        if (p.kind == TemplatePiece::Kind::raw_literal) {
            out.push_back({p.text, true, p.non_sync});
            continue;
        }
        const std::string* value = lookup(p.text);
        if (!value)
            return make_error(ErrorKind::config,
                              fmt::format("${{{}}} has no value here (it is set by an earlier "
                                          "step that did not run or did not match)",
                                          p.text));
        switch (p.filter) {
            case Filter::none:
                text(*value);
                break;
            case Filter::astring:
                switch (imap::astring_form(*value)) {
                    case imap::StringForm::atom:
                        text(*value);
                        break;
                    case imap::StringForm::quoted:
                        text(imap::quote(*value));
                        break;
                    case imap::StringForm::literal:
                        out.push_back({*value, true, false});
                        break;
                }
                break;
            case Filter::quoted:
                if (imap::string_form(*value) != imap::StringForm::quoted)
                    return make_error(ErrorKind::config,
                                      fmt::format("${{{}:quoted}}: the value cannot be sent as a "
                                                  "quoted string (use :literal or :astring)",
                                                  p.text));
                text(imap::quote(*value));
                break;
            case Filter::literal:
            case Filter::literal_plus:
                out.push_back({*value, true, p.filter == Filter::literal_plus});
                break;
            case Filter::base64:
                text(base64_encode(*value));
                break;
            case Filter::length:
                text(std::to_string(value->size()));
                break;
        }
    }
    return out;
}

Result<std::string> expand(const Template& t, const Lookup& lookup) {
    auto parts = expand_parts(t, lookup);
    if (!parts) return parts.error();
    std::string out;
    for (const auto& p : *parts) {
        if (p.literal)
            return make_error(ErrorKind::config,
                              "a literal (:literal, :literal+, :astring needing a literal, or "
                              "{N}) can only be sent in a client line");
        out += p.text;
    }
    return out;
}

}  // namespace coitest::script
