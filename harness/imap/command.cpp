#include "imap/command.hpp"

#include "imap/cursor.hpp"
#include "imap/response.hpp"

#include <fmt/format.h>

namespace coitest::imap {

namespace {

// Longer strings go as literals: servers bound their command lines (Dovecot: 64 KiB), and a
// literal is never ambiguous.
constexpr std::size_t kMaxQuoted = 1024;
constexpr std::size_t kLiteralMinusMax = 4096;  // RFC 7888 §4

bool quotable(std::string_view s) {
    if (s.size() > kMaxQuoted) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0 || u >= 0x80 || c == '\r' || c == '\n') return false;
    }
    return true;
}

}  // namespace

std::string TagGenerator::next() {
    return fmt::format("{}{:03}", prefix_, ++counter_);
}

LiteralMode literal_mode_for(const std::vector<std::string>& capabilities) {
    bool minus = false;
    for (const auto& c : capabilities) {
        if (iequals(c, "LITERAL+")) return LiteralMode::plus;
        if (iequals(c, "LITERAL-")) minus = true;
    }
    return minus ? LiteralMode::minus : LiteralMode::synchronizing;
}

StringForm astring_form(std::string_view s) {
    if (!s.empty() && s.size() <= kMaxQuoted) {
        bool atom = true;
        for (char c : s) atom = atom && detail::is_astring_char(c);
        if (atom) return StringForm::atom;
    }
    return string_form(s);
}

StringForm string_form(std::string_view s) {
    return quotable(s) ? StringForm::quoted : StringForm::literal;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

Command& Command::raw(std::string_view text) {
    args_.push_back({Kind::raw, std::string(text)});
    return *this;
}

Command& Command::astring(std::string_view s, bool secret) {
    args_.push_back({Kind::astring, std::string(s), secret});
    return *this;
}

Command& Command::string(std::string_view s, bool secret) {
    args_.push_back({Kind::string, std::string(s), secret});
    return *this;
}

Command& Command::nstring(const std::optional<std::string>& s) {
    if (!s) {
        args_.push_back({Kind::nil, {}});
        return *this;
    }
    return string(*s);
}

Command& Command::literal(std::string_view s) {
    args_.push_back({Kind::literal, std::string(s)});
    return *this;
}

Command& Command::open() {
    args_.push_back({Kind::open, {}});
    return *this;
}

Command& Command::close() {
    args_.push_back({Kind::close, {}});
    return *this;
}

std::vector<CommandPart> Command::render(std::string_view tag, LiteralMode mode) const {
    std::vector<CommandPart> parts(1);
    auto append = [&](std::string_view wire, std::string_view shown) {
        parts.back().wire += wire;
        parts.back().shown += shown;
    };
    append(fmt::format("{} {}", tag, verb_), fmt::format("{} {}", tag, verb_));
    bool after_open = false;
    for (const auto& arg : args_) {
        if (arg.kind != Kind::close && !after_open) append(" ", " ");
        after_open = arg.kind == Kind::open;
        StringForm form = StringForm::literal;
        switch (arg.kind) {
            case Kind::raw:
                append(arg.value, arg.value);
                continue;
            case Kind::nil:
                append("NIL", "NIL");
                continue;
            case Kind::open:
                append("(", "(");
                continue;
            case Kind::close:
                append(")", ")");
                continue;
            case Kind::astring:
                form = astring_form(arg.value);
                break;
            case Kind::string:
                form = string_form(arg.value);
                break;
            case Kind::literal:
                break;
        }
        if (form == StringForm::atom) {
            append(arg.value, arg.secret ? "***" : arg.value);
        } else if (form == StringForm::quoted) {
            const std::string q = quote(arg.value);
            append(q, arg.secret ? "\"***\"" : q);
        } else {
            const bool sync = mode == LiteralMode::synchronizing ||
                              (mode == LiteralMode::minus && arg.value.size() > kLiteralMinusMax);
            const std::string header =
                fmt::format("{{{}{}}}\r\n", arg.value.size(), sync ? "" : "+");
            append(header, header);
            if (sync) {
                parts.back().wait_continuation = true;
                parts.emplace_back();
            }
            append(arg.value, arg.secret ? "***" : arg.value);
        }
    }
    append("\r\n", "\r\n");
    return parts;
}

std::string Command::to_string(std::string_view tag, LiteralMode mode) const {
    std::string out;
    for (const auto& part : render(tag, mode)) out += part.wire;
    return out;
}

}  // namespace coitest::imap
