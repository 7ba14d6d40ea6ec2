#include "peer/webpush_payload.hpp"

#include "message/header_syntax.hpp"
#include "peer/mime.hpp"
#include "peer/webpush_rules.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace coitest::peer::push {

namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629 §4), 0 when it is not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second octet
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + n > text.size()) return 0;
    if (b(1) < lo || b(1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (b(k) < 0x80 || b(k) > 0xBF) return 0;
    return n;
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

// Appends the JSON form of the unit (character) at text[i]; returns the octets consumed.
std::size_t append_unit(std::string_view text, std::size_t i, std::string& out) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20)
                    out += fmt::format("\\u{:04x}", c);
                else
                    out += static_cast<char>(c);
        }
        return 1;
    }
    const std::size_t n = utf8_length(text, i);
    if (n == 0) {
        out += kReplacement;
        return 1;
    }
    out += text.substr(i, n);
    return n;
}

// A JSON member `"name":"escaped"`.
std::string member(std::string_view name, std::string_view escaped) {
    return fmt::format("\"{}\":\"{}\"", name, escaped);
}

struct FromField {
    std::string email;
    std::string name;
};

std::string unquote_display(std::string_view s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
        std::string out;
        for (std::size_t i = 1; i + 1 < s.size(); ++i) {
            if (s[i] == '\\' && i + 2 < s.size()) ++i;
            out += s[i];
        }
        return out;
    }
    return std::string(s);
}

std::optional<FromField> parse_from(std::string_view value) {
    FromField f;
    if (auto list = message::parse_mailbox_list(value); list && !list->empty()) {
        const auto& m = list->front();
        f.email = m.address();
        f.name = message::decode_encoded_words(unquote_display(m.display_name)).text;
    } else {
        // Lenient fallback for what the strict parser refuses: the text in <...>, or the
        // whole value when it looks like an address; the name is what stands before '<'.
        const auto open = value.find('<');
        const auto close = value.find('>', open == std::string_view::npos ? 0 : open);
        if (open != std::string_view::npos && close != std::string_view::npos) {
            f.email = std::string(trim(value.substr(open + 1, close - open - 1)));
            f.name = message::decode_encoded_words(unquote_display(value.substr(0, open))).text;
        } else {
            f.email = std::string(trim(value));
        }
        if (f.email.find('@') == std::string::npos) return std::nullopt;
    }
    f.email = to_lower_ascii(f.email);
    f.name = std::string(trim(f.name));
    return f;
}

std::string msg_id_of(std::string_view value) {
    if (auto id = message::parse_msg_id(value)) return *id;
    std::string_view v = trim(value);
    if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
    return std::string(v);
}

std::optional<std::string> first_msg_id(std::string_view value) {
    if (auto ids = message::parse_msg_id_list(value); ids && !ids->empty()) return ids->front();
    const auto open = value.find('<');
    const auto close = value.find('>', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
    return std::string(value.substr(open + 1, close - open - 1));
}

std::optional<std::string> group_from_id(std::string_view id) {
    constexpr std::string_view prefix = "chat$group.";
    if (!id.starts_with(prefix)) return std::nullopt;
    const std::string_view rest = id.substr(prefix.size());
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    const std::string_view group = rest.substr(0, dot);
    for (char c : group) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                        (c >= 'a' && c <= 'z') || c == '-' || c == '_';
        if (!ok) return std::nullopt;
    }
    return std::string(group);
}

std::string rfc3339(const message::DateTime& d) {
    std::string zone = "Z";
    if (d.zone_minutes != 0) {
        const int m = d.zone_minutes < 0 ? -d.zone_minutes : d.zone_minutes;
        zone = fmt::format("{}{:02}:{:02}", d.zone_minutes < 0 ? '-' : '+', m / 60, m % 60);
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}", d.year, d.month, d.day, d.hour,
                       d.minute, d.second, zone);
}

// text/plain in a charset JSON carries as it is: the spec's "omit for text/plain" case.
bool plain_text(std::string_view content_type) {
    const mime::ContentType ct = mime::parse_content_type(content_type);
    if (to_lower_ascii(ct.type) != "text" || to_lower_ascii(ct.subtype) != "plain") return false;
    const auto charset = ct.param("charset");
    if (!charset) return true;
    const std::string cs = to_lower_ascii(*charset);
    return cs == "utf-8" || cs == "us-ascii";
}

}  // namespace

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t i = 0; i < text.size();) i += append_unit(text, i, out);
    return out;
}

std::string json_escape_shortened(std::string_view text, std::size_t limit, bool* cut) {
    if (cut) *cut = false;
    std::string out;
    std::size_t i = 0;
    while (i < text.size() && out.size() < limit) i += append_unit(text, i, out);
    if (i < text.size()) {
        out += kEllipsis;
        if (cut) *cut = true;
    }
    return out;
}

std::optional<std::string> group_id(std::string_view message) {
    const auto fields = mime::parse_header(message);
    if (const auto id = mime::header_value(fields, "Message-ID"))
        if (auto g = group_from_id(msg_id_of(*id))) return g;
    if (const auto refs = mime::header_value(fields, "References"))
        if (const auto first = first_msg_id(*refs))
            if (auto g = group_from_id(*first)) return g;
    return std::nullopt;
}

std::string build_payload(const PayloadInput& in, const PayloadLimits& limits) {
    std::size_t body_offset = 0;
    const auto fields = mime::parse_header(in.message, &body_offset);
    std::vector<std::string> head;  // members before content
    std::vector<std::string> tail;  // members after content

    if (const auto from = mime::header_value(fields, "From")) {
        if (const auto f = parse_from(*from)) {
            head.push_back(member("from-email", json_escape_shortened(f->email, limits.field)));
            if (!f->name.empty())
                head.push_back(member("from-name", json_escape_shortened(f->name, limits.field)));
        }
    }
    if (const auto subject = mime::header_value(fields, "Subject")) {
        const std::string decoded = message::decode_encoded_words(*subject).text;
        const std::string_view s = trim(decoded);
        if (!s.empty()) head.push_back(member("subject", json_escape_shortened(s, limits.field)));
    }

    // content, content-type, content-encoding: all or none.
    std::vector<std::string> content;
    const std::string_view body =
        body_offset <= in.message.size() ? in.message.substr(body_offset) : std::string_view();
    if (valid_utf8(body)) {
        content.push_back(member("content", json_escape(body)));
        if (const auto ct = mime::header_value(fields, "Content-Type"); ct && !plain_text(*ct))
            content.push_back(
                member("content-type", json_escape_shortened(*ct, limits.content_type)));
        const auto cte = mime::header_value(fields, "Content-Transfer-Encoding");
        // Absent means 7bit (RFC 2045 §6.1), which is not 8bit, so it is said.
        const std::string encoding = cte ? to_lower_ascii(trim(*cte)) : std::string("7bit");
        if (encoding != "8bit")
            content.push_back(member("content-encoding", json_escape_shortened(encoding, 64)));
    }

    if (const auto date = mime::header_value(fields, "Date")) {
        if (auto d = message::parse_date(*date)) {
            tail.push_back(member("date", rfc3339(*d)));
        } else if (auto secs = mime::parse_rfc5322_date(*date)) {
            // Obsolete forms the strict parser refuses (zone names, no seconds): said in UTC.
            tail.push_back(member("date", rfc3339_utc(std::chrono::system_clock::time_point(
                                              std::chrono::seconds(*secs)))));
        }
    }
    if (const auto id = mime::header_value(fields, "Message-ID")) {
        const std::string mid = msg_id_of(*id);
        if (!mid.empty())
            tail.push_back(member("msg-id", json_escape_shortened(mid, limits.field)));
    }
    tail.push_back(fmt::format("\"uid\":{}", in.uid));
    tail.push_back(fmt::format("\"uidvalidity\":{}", in.uidvalidity));
    if (const std::string folder = json_escape(in.folder); folder.size() <= limits.folder)
        tail.push_back(member("folder", folder));
    if (in.coi)
        if (const auto g = group_id(in.message); g && g->size() <= limits.group_id)
            tail.push_back(member("group-id", *g));

    auto assemble = [&](bool with_content) {
        std::string out = "{";
        auto add = [&](const std::vector<std::string>& members) {
            for (const auto& m : members) {
                if (out.size() > 1) out += ',';
                out += m;
            }
        };
        add(head);
        if (with_content) add(content);
        add(tail);
        out += '}';
        return out;
    };
    if (!content.empty()) {
        std::string full = assemble(true);
        if (full.size() <= limits.max_plaintext) return full;
    }
    return assemble(false);
}

}  // namespace coitest::peer::push
