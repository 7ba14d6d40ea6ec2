// Header fields, the MIME tree as byte ranges, and IMAP renderings of them.
#include "peer/mime.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace coitest::peer::mime {

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_wsp(s.front()) || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (is_wsp(s.back()) || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// Skips white space and (nested) comments at `i`.
void skip_cfws(std::string_view s, std::size_t& i) {
    for (;;) {
        while (i < s.size() && (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n')) ++i;
        if (i < s.size() && s[i] == '(') {
            int depth = 0;
            while (i < s.size()) {
                if (s[i] == '\\') {
                    i += 2;
                    continue;
                }
                if (s[i] == '(') ++depth;
                if (s[i] == ')' && --depth == 0) {
                    ++i;
                    break;
                }
                ++i;
            }
            continue;
        }
        return;
    }
}

std::string read_quoted(std::string_view s, std::size_t& i) {
    std::string out;
    ++i;  // the opening quote
    while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        if (s[i] != '\r' && s[i] != '\n') out += s[i];
        ++i;
    }
    if (i < s.size()) ++i;
    return out;
}

// An RFC 2045 token (or anything up to a tspecial).
std::string read_token(std::string_view s, std::size_t& i) {
    static constexpr std::string_view kSpecials = "()<>@,;:\\\"/[]?= \t\r\n";
    const std::size_t from = i;
    while (i < s.size() && kSpecials.find(s[i]) == std::string_view::npos &&
           static_cast<unsigned char>(s[i]) > 0x20)
        ++i;
    return std::string(s.substr(from, i - from));
}

}  // namespace

bool icontains(std::string_view haystack, std::string_view needle) {
    if (needle.empty()) return true;
    if (needle.size() > haystack.size()) return false;
    const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                                [](char a, char b) { return lower(a) == lower(b); });
    return it != haystack.end();
}

std::vector<HeaderField> parse_header(std::string_view entity, std::size_t* body_offset) {
    std::vector<HeaderField> fields;
    std::size_t pos = 0;
    std::size_t body = entity.size();
    while (pos < entity.size()) {
        if (entity[pos] == '\n') {
            body = pos + 1;
            break;
        }
        if (entity[pos] == '\r' && pos + 1 < entity.size() && entity[pos + 1] == '\n') {
            body = pos + 2;
            break;
        }
        const std::size_t start = pos;
        for (;;) {
            const std::size_t lf = entity.find('\n', pos);
            if (lf == std::string_view::npos) {
                pos = entity.size();
                break;
            }
            pos = lf + 1;
            if (pos < entity.size() && is_wsp(entity[pos])) continue;
            break;
        }
        const std::string_view line = entity.substr(start, pos - start);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;  // not a field: ignored
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
        if (name.empty() || name.find_first_of(" \t\r\n") != std::string_view::npos) continue;
        std::string_view raw = line.substr(colon + 1);
        if (!raw.empty() && raw.back() == '\n') raw.remove_suffix(1);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        fields.push_back({name, raw, line});
    }
    if (body_offset) *body_offset = body;
    return fields;
}

std::string unfold(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw)
        if (c != '\r' && c != '\n') out += c;
    return std::string(trim(out));
}

std::optional<std::string> header_value(const std::vector<HeaderField>& fields,
                                        std::string_view name) {
    for (const auto& f : fields)
        if (iequal(f.name, name)) return unfold(f.raw);
    return std::nullopt;
}

std::optional<std::string> ContentType::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return std::nullopt;
}

ContentType parse_content_type(std::string_view value) {
    ContentType ct;
    std::size_t i = 0;
    skip_cfws(value, i);
    std::string type = to_lower(read_token(value, i));
    skip_cfws(value, i);
    if (type.empty() || i >= value.size() || value[i] != '/') return ct;  // invalid: the default
    ++i;
    skip_cfws(value, i);
    std::string subtype = to_lower(read_token(value, i));
    if (subtype.empty()) return ct;
    ct.type = std::move(type);
    ct.subtype = std::move(subtype);
    ct.params.clear();
    for (;;) {
        skip_cfws(value, i);
        if (i >= value.size() || value[i] != ';') break;
        ++i;
        skip_cfws(value, i);
        std::string name = to_lower(read_token(value, i));
        skip_cfws(value, i);
        if (name.empty() || i >= value.size() || value[i] != '=') break;
        ++i;
        skip_cfws(value, i);
        std::string v =
            (i < value.size() && value[i] == '"') ? read_quoted(value, i) : read_token(value, i);
        ct.params.emplace_back(std::move(name), std::move(v));
        if (ct.params.size() > 100) break;
    }
    return ct;
}

// --- the MIME tree -------------------------------------------------------------------------
namespace {

struct TreeBuilder {
    std::string_view msg;
    const Limits& limits;
    std::size_t parts = 0;

    Entity entity(std::size_t begin, std::size_t end, std::size_t depth, bool digest_child) {
        Entity e;
        e.begin = begin;
        e.end = end;
        std::size_t body = 0;
        const auto fields = parse_header(msg.substr(begin, end - begin), &body);
        e.body_begin = begin + body;
        if (const auto ct = header_value(fields, "Content-Type")) {
            e.type = parse_content_type(*ct);
        } else if (digest_child) {
            e.type.type = "message";
            e.type.subtype = "rfc822";
        }
        if (e.type.params.empty() && e.type.type == "text" && e.type.subtype == "plain" &&
            !header_value(fields, "Content-Type"))
            e.type.params.emplace_back("charset", "us-ascii");
        if (++parts > limits.max_parts || depth >= limits.max_depth) {
            if (e.multipart() || e.rfc822()) e.type = ContentType{};  // a leaf from here on
            return e;
        }
        if (e.multipart()) {
            split(e, depth);
            if (e.children.empty()) e.type = ContentType{};  // no parts: served as a leaf
        } else if (e.rfc822()) {
            e.embedded = std::make_unique<Entity>(entity(e.body_begin, end, depth + 1, false));
        }
        return e;
    }

    void split(Entity& e, std::size_t depth) {
        const auto boundary = e.type.param("boundary");
        if (!boundary || boundary->empty()) return;
        const std::string delim = "--" + *boundary;
        const bool digest = e.type.subtype == "digest";
        std::optional<std::size_t> part_start;
        std::size_t pos = e.body_begin;
        while (pos < e.end) {
            std::size_t lf = msg.find('\n', pos);
            if (lf == std::string_view::npos || lf >= e.end) lf = e.end;
            const std::string_view line = msg.substr(pos, lf - pos);
            const std::size_t next = lf < e.end ? lf + 1 : e.end;
            if (line.substr(0, delim.size()) == delim) {
                std::string_view rest = line.substr(delim.size());
                const bool close = rest.substr(0, 2) == "--";
                if (close) rest.remove_prefix(2);
                if (trim(rest).empty()) {
                    if (part_start) {
                        // The line break before a delimiter belongs to the delimiter.
                        std::size_t part_end = pos;
                        if (part_end > *part_start && msg[part_end - 1] == '\n') --part_end;
                        if (part_end > *part_start && msg[part_end - 1] == '\r') --part_end;
                        e.children.push_back(entity(*part_start, part_end, depth + 1, digest));
                    }
                    if (close) return;
                    part_start = next;
                }
            }
            pos = next;
        }
        if (part_start && *part_start <= e.end)  // no closing delimiter: the part runs to the end
            e.children.push_back(entity(*part_start, e.end, depth + 1, digest));
    }
};

}  // namespace

Entity parse_message(std::string_view message, const Limits& limits) {
    TreeBuilder b{message, limits};
    return b.entity(0, message.size(), 0, false);
}

// --- IMAP strings --------------------------------------------------------------------------
std::string imap_string(std::string_view s) {
    bool quotable = s.size() <= 4096;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0 || u >= 0x80 || c == '\r' || c == '\n') {
            quotable = false;
            break;
        }
    }
    if (!quotable) return fmt::format("{{{}}}\r\n{}", s.size(), s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string imap_nstring(const std::optional<std::string>& s) {
    return s ? imap_string(*s) : std::string("NIL");
}

// --- ENVELOPE ------------------------------------------------------------------------------
namespace {

struct Token {
    enum class Kind { atom, quoted, special, literal_domain };
    Kind kind;
    std::string text;
};

std::vector<Token> address_tokens(std::string_view s) {
    std::vector<Token> out;
    std::size_t i = 0;
    static constexpr std::string_view kSpecials = "<>@,;:.";
    while (i < s.size() && out.size() < 10000) {
        skip_cfws(s, i);
        if (i >= s.size()) break;
        const char c = s[i];
        if (c == '"') {
            out.push_back({Token::Kind::quoted, read_quoted(s, i)});
        } else if (c == '[') {
            const std::size_t close = s.find(']', i);
            const std::size_t to = close == std::string_view::npos ? s.size() : close + 1;
            out.push_back({Token::Kind::literal_domain, std::string(s.substr(i, to - i))});
            i = to;
        } else if (kSpecials.find(c) != std::string_view::npos) {
            out.push_back({Token::Kind::special, std::string(1, c)});
            ++i;
        } else {
            const std::size_t from = i;
            while (i < s.size() && kSpecials.find(s[i]) == std::string_view::npos && s[i] != '"' &&
                   s[i] != '(' && s[i] != '[' && !is_wsp(s[i]) && s[i] != '\r' && s[i] != '\n')
                ++i;
            if (i == from)
                ++i;  // a stray byte: skip it
            else
                out.push_back({Token::Kind::atom, std::string(s.substr(from, i - from))});
        }
    }
    return out;
}

struct Addr {
    std::optional<std::string> name, adl, mailbox, host;
};

class AddressParser {
  public:
    explicit AddressParser(std::vector<Token> t) : t_(std::move(t)) {}

    std::vector<Addr> list() {
        std::vector<Addr> out;
        while (i_ < t_.size() && out.size() < 1000) {
            if (special(",")) {
                ++i_;
                continue;
            }
            const std::size_t phrase_start = i_;
            while (i_ < t_.size() && !special("<") && !special("@") && !special(":") &&
                   !special(",") && !special(";"))
                ++i_;
            if (special(":")) {  // a group
                ++i_;
                out.push_back(
                    {std::nullopt, std::nullopt, phrase(phrase_start, i_ - 1), std::nullopt});
                while (i_ < t_.size() && !special(";")) {
                    if (special(",")) {
                        ++i_;
                        continue;
                    }
                    const std::size_t before = i_;
                    mailbox(out, i_);
                    if (i_ == before) ++i_;
                }
                if (special(";")) ++i_;
                out.push_back({});
                continue;
            }
            i_ = phrase_start;
            const std::size_t before = i_;
            mailbox(out, i_);
            if (i_ == before) ++i_;
        }
        return out;
    }

  private:
    bool special(std::string_view s) const {
        return i_ < t_.size() && t_[i_].kind == Token::Kind::special && t_[i_].text == s;
    }

    // Display name: words joined by single spaces.
    std::optional<std::string> phrase(std::size_t from, std::size_t to) const {
        std::string out;
        for (std::size_t k = from; k < to && k < t_.size(); ++k) {
            if (t_[k].kind == Token::Kind::special && t_[k].text != ".") continue;
            if (!out.empty() && t_[k].text != "." && !(k > from && t_[k - 1].text == "."))
                out += ' ';
            out += t_[k].text;
        }
        if (out.empty()) return std::nullopt;
        return out;
    }

    // local-part or domain: tokens joined without spaces, up to a stop special.
    std::string dotted(std::size_t& k, std::string_view stops) const {
        std::string out;
        while (k < t_.size()) {
            if (t_[k].kind == Token::Kind::special && stops.find(t_[k].text) != std::string::npos)
                break;
            out += t_[k].text;
            ++k;
        }
        return out;
    }

    void mailbox(std::vector<Addr>& out, std::size_t& k) {
        const std::size_t start = k;
        while (k < t_.size() &&
               !(t_[k].kind == Token::Kind::special && (t_[k].text == "<" || t_[k].text == "@" ||
                                                        t_[k].text == "," || t_[k].text == ";")))
            ++k;
        Addr a;
        if (k < t_.size() && t_[k].text == "<" && t_[k].kind == Token::Kind::special) {
            a.name = phrase(start, k);
            ++k;
            if (k < t_.size() && t_[k].text == "@") {  // obsolete route: @a,@b:
                std::string route;
                while (k < t_.size() && t_[k].text != ":" && t_[k].text != ">")
                    route += t_[k++].text;
                if (k < t_.size() && t_[k].text == ":") ++k;
                a.adl = route;
            }
            a.mailbox = dotted(k, "@>");
            if (k < t_.size() && t_[k].text == "@") {
                ++k;
                a.host = dotted(k, ">");
            } else {
                a.host = "";
            }
            if (k < t_.size() && t_[k].text == ">") ++k;
        } else {
            std::size_t j = start;
            a.mailbox = dotted(j, "@,;");
            if (j < t_.size() && t_[j].text == "@") {
                ++j;
                a.host = dotted(j, ",;");
            } else {
                a.host = "";
            }
            k = j;
        }
        if (a.mailbox && a.mailbox->empty() && a.host && a.host->empty()) return;
        out.push_back(std::move(a));
    }

    std::vector<Token> t_;
    std::size_t i_ = 0;
};

std::string address_list(const std::optional<std::string>& value) {
    if (!value) return "NIL";
    auto addrs = AddressParser(address_tokens(*value)).list();
    if (addrs.empty()) return "NIL";
    std::string out = "(";
    for (const auto& a : addrs)
        out += fmt::format("({} {} {} {})", imap_nstring(a.name), imap_nstring(a.adl),
                           imap_nstring(a.mailbox), imap_nstring(a.host));
    out += ')';
    return out;
}

std::string envelope_of(const std::vector<HeaderField>& fields) {
    const auto from = header_value(fields, "From");
    auto sender = header_value(fields, "Sender");
    auto reply_to = header_value(fields, "Reply-To");
    if (!sender || sender->empty()) sender = from;
    if (!reply_to || reply_to->empty()) reply_to = from;
    auto raw = [&](std::string_view name) { return imap_nstring(header_value(fields, name)); };
    return fmt::format(
        "({} {} {} {} {} {} {} {} {} {})", raw("Date"), raw("Subject"), address_list(from),
        address_list(sender), address_list(reply_to), address_list(header_value(fields, "To")),
        address_list(header_value(fields, "Cc")), address_list(header_value(fields, "Bcc")),
        raw("In-Reply-To"), raw("Message-ID"));
}

std::size_t count_lines(std::string_view s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string params_list(const ContentType& ct) {
    if (ct.params.empty()) return "NIL";
    std::string out = "(";
    for (std::size_t i = 0; i < ct.params.size(); ++i) {
        if (i) out += ' ';
        out += imap_string(to_upper(ct.params[i].first)) + " " + imap_string(ct.params[i].second);
    }
    out += ')';
    return out;
}

std::string disposition(const std::vector<HeaderField>& fields) {
    const auto v = header_value(fields, "Content-Disposition");
    if (!v) return "NIL";
    // Same syntax as Content-Type's parameters: "attachment; filename=x".
    std::size_t i = 0;
    skip_cfws(*v, i);
    const std::string kind = read_token(*v, i);
    if (kind.empty()) return "NIL";
    const ContentType params = parse_content_type("x/x" + v->substr(i));
    return fmt::format("({} {})", imap_string(to_upper(kind)), params_list(params));
}

std::string structure(std::string_view msg, const Entity& e, bool ext, std::size_t depth) {
    const auto fields = parse_header(msg.substr(e.begin, e.body_begin - e.begin));
    if (e.multipart() && !e.children.empty()) {
        std::string out = "(";
        for (const auto& c : e.children) out += structure(msg, c, ext, depth + 1);
        out += " " + imap_string(to_upper(e.type.subtype));
        if (ext)
            out += fmt::format(" {} {} {} {}", params_list(e.type), disposition(fields),
                               imap_nstring(header_value(fields, "Content-Language")),
                               imap_nstring(header_value(fields, "Content-Location")));
        out += ')';
        return out;
    }
    const std::string_view body = msg.substr(e.body_begin, e.end - e.body_begin);
    std::string encoding = "7BIT";
    if (const auto cte = header_value(fields, "Content-Transfer-Encoding"); cte && !cte->empty())
        encoding = to_upper(*cte);
    std::string out = fmt::format("({} {} {} {} {} {} {}", imap_string(to_upper(e.type.type)),
                                  imap_string(to_upper(e.type.subtype)), params_list(e.type),
                                  imap_nstring(header_value(fields, "Content-ID")),
                                  imap_nstring(header_value(fields, "Content-Description")),
                                  imap_string(encoding), body.size());
    if (e.rfc822() && e.embedded) {
        const auto inner =
            parse_header(msg.substr(e.embedded->begin, e.embedded->end - e.embedded->begin));
        out += fmt::format(" {} {} {}", envelope_of(inner),
                           structure(msg, *e.embedded, ext, depth + 1), count_lines(body));
    } else if (e.type.type == "text") {
        out += fmt::format(" {}", count_lines(body));
    }
    if (ext)
        out +=
            fmt::format(" {} {} {} {}", imap_nstring(header_value(fields, "Content-MD5")),
                        disposition(fields), imap_nstring(header_value(fields, "Content-Language")),
                        imap_nstring(header_value(fields, "Content-Location")));
    out += ')';
    return out;
}

}  // namespace

std::string envelope(std::string_view message) {
    std::size_t body = 0;
    return envelope_of(parse_header(message, &body));
}

std::string body_structure(std::string_view message, const Entity& root, bool extensible) {
    return structure(message, root, extensible, 0);
}

// --- sections ------------------------------------------------------------------------------
namespace {

std::string header_fields(std::string_view header_block, const std::vector<std::string>& names,
                          bool exclude) {
    std::size_t body = 0;
    const auto fields = parse_header(header_block, &body);
    std::string out;
    for (const auto& f : fields) {
        const bool listed = std::any_of(names.begin(), names.end(),
                                        [&](const std::string& n) { return iequal(n, f.name); });
        if (listed != exclude) {
            out += f.line;
            if (out.back() != '\n') out += "\r\n";  // a last field without CRLF
        }
    }
    out += "\r\n";
    return out;
}

}  // namespace

std::optional<std::string> section_bytes(std::string_view msg, const Entity& root,
                                         const imap::Section& section) {
    using T = imap::Section::Text;
    // `message` is the entity whose HEADER/TEXT the section names; `part` the numbered part.
    const Entity* message = &root;
    const Entity* part = nullptr;
    for (std::size_t i = 0; i < section.part.size(); ++i) {
        const std::uint32_t k = section.part[i];
        const Entity* container = message;
        if (i > 0) {
            if (part->rfc822() && part->embedded)
                container = part->embedded.get();
            else if (part->multipart() && !part->children.empty())
                container = part;
            else
                return std::nullopt;
        }
        if (container->multipart() && !container->children.empty()) {
            if (k > container->children.size()) return std::nullopt;
            part = &container->children[k - 1];
        } else {
            if (k != 1) return std::nullopt;
            part = container;
        }
        message = container;
    }
    auto header_of = [&](const Entity& e) { return msg.substr(e.begin, e.body_begin - e.begin); };
    auto body_of = [&](const Entity& e) { return msg.substr(e.body_begin, e.end - e.body_begin); };
    if (!part) {  // the top-level message
        switch (section.text) {
            case T::none:
                return std::string(msg);
            case T::header:
                return std::string(header_of(root));
            case T::text:
                return std::string(body_of(root));
            case T::header_fields:
            case T::header_fields_not:
                return header_fields(header_of(root), section.fields,
                                     section.text == T::header_fields_not);
            case T::mime:
                return std::nullopt;
        }
    }
    switch (section.text) {
        case T::none:
            return std::string(body_of(*part));
        case T::mime:
            // The MIME header of a part; for part 1 of a single-part message, its header.
            return std::string(header_of(*part));
        case T::header:
        case T::text:
        case T::header_fields:
        case T::header_fields_not: {
            if (!part->rfc822() || !part->embedded) return std::nullopt;
            const Entity& inner = *part->embedded;
            if (section.text == T::header) return std::string(header_of(inner));
            if (section.text == T::text) return std::string(body_of(inner));
            return header_fields(header_of(inner), section.fields,
                                 section.text == T::header_fields_not);
        }
    }
    return std::nullopt;
}

// --- dates ---------------------------------------------------------------------------------
namespace {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool digits(std::string_view s) {
    return !s.empty() && s.size() <= 9 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

long to_long(std::string_view s) {
    long n = 0;
    for (char c : s) n = n * 10 + (c - '0');
    return n;
}

}  // namespace

std::optional<std::int64_t> parse_rfc5322_date(std::string_view value) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < value.size() && words.size() < 12) {
        while (i < value.size() && (is_wsp(value[i]) || value[i] == ',')) ++i;
        if (i < value.size() && value[i] == '(') break;  // a trailing comment
        const std::size_t from = i;
        while (i < value.size() && !is_wsp(value[i]) && value[i] != ',') ++i;
        if (i > from) words.push_back(value.substr(from, i - from));
    }
    std::size_t w = 0;
    if (w < words.size() && !digits(words[w])) ++w;  // day of week
    if (words.size() < w + 4) return std::nullopt;
    const auto day = words[w], mon = words[w + 1], year = words[w + 2], time = words[w + 3];
    int m = 0;
    for (std::size_t k = 0; k < kMonths.size(); ++k)
        if (iequal(kMonths[k], mon)) m = static_cast<int>(k) + 1;
    if (!digits(day) || m == 0 || !digits(year)) return std::nullopt;
    long y = to_long(year);
    if (year.size() == 2) y += y < 50 ? 2000 : 1900;
    const long d = to_long(day);
    if (d < 1 || d > 31) return std::nullopt;
    long hh = 0, mm = 0, ss = 0;
    {
        const auto c1 = time.find(':');
        if (c1 == std::string_view::npos) return std::nullopt;
        const auto c2 = time.find(':', c1 + 1);
        const auto h = time.substr(0, c1);
        const auto mi = time.substr(
            c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1);
        if (!digits(h) || !digits(mi)) return std::nullopt;
        hh = to_long(h);
        mm = to_long(mi);
        if (c2 != std::string_view::npos) {
            const auto s = time.substr(c2 + 1);
            if (!digits(s)) return std::nullopt;
            ss = to_long(s);
        }
    }
    long offset = 0;
    if (words.size() > w + 4) {
        const auto z = words[w + 4];
        if ((z[0] == '+' || z[0] == '-') && z.size() == 5 && digits(z.substr(1))) {
            offset = (to_long(z.substr(1, 2)) * 60 + to_long(z.substr(3, 2))) * 60;
            if (z[0] == '-') offset = -offset;
        } else if (iequal(z, "EST") || iequal(z, "EDT") || iequal(z, "CST") || iequal(z, "CDT") ||
                   iequal(z, "MST") || iequal(z, "MDT") || iequal(z, "PST") || iequal(z, "PDT")) {
            static constexpr std::array<std::pair<std::string_view, int>, 8> kZones = {
                {{"EST", -5},
                 {"EDT", -4},
                 {"CST", -6},
                 {"CDT", -5},
                 {"MST", -7},
                 {"MDT", -6},
                 {"PST", -8},
                 {"PDT", -7}}};
            for (const auto& [n, h] : kZones)
                if (iequal(n, z)) offset = h * 3600;
        }
    }
    return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 +
           hh * 3600 + mm * 60 + ss - offset;
}

std::string format_internal_date(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    std::int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    return fmt::format("{:02}-{}-{:04} {:02}:{:02}:{:02} +0000", d, kMonths[m - 1], y, rem / 3600,
                       (rem / 60) % 60, rem % 60);
}

}  // namespace coitest::peer::mime
