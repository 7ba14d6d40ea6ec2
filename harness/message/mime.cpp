#include "message/mime.hpp"

#include "message/gobject_ptr.hpp"
#include "message/text.hpp"

#include <gmime/gmime.h>

#include <cstdio>

namespace coitest::message {

using detail::GObjectPtr;
using detail::ParserOptionsPtr;

// ---- Headers / Entity ------------------------------------------------------------------------

const HeaderField* Headers::first(std::string_view name) const {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return &f;
    return nullptr;
}

std::vector<const HeaderField*> Headers::all(std::string_view name) const {
    std::vector<const HeaderField*> out;
    for (const auto& f : fields)
        if (iequals(f.name, name)) out.push_back(&f);
    return out;
}

std::size_t Headers::count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& f : fields)
        if (iequals(f.name, name)) ++n;
    return n;
}

bool Entity::is(std::string_view type_name, std::string_view subtype) const {
    return type.type == type_name && (subtype == "*" || type.subtype == subtype);
}

std::string Entity::param(std::string_view name) const {
    const Parameter* p = content_type.param(name);
    return p ? p->value : std::string();
}

std::string Entity::where() const {
    return path.empty() ? "header" : "part " + path;
}

std::string Entity::filename() const {
    if (disposition)
        if (const Parameter* p = disposition->param("filename")) return p->value;
    return param("name");
}

namespace {

std::string warning_text(GMimeParserWarning code, const char* item) {
    std::string what;
    switch (code) {
        case GMIME_WARN_DUPLICATED_HEADER:
            what = "a header field that may occur once is repeated";
            break;
        case GMIME_WARN_DUPLICATED_PARAMETER:
            what = "a header parameter is repeated";
            break;
        case GMIME_WARN_UNENCODED_8BIT_HEADER:
            what = "a header field holds unencoded 8-bit characters";
            break;
        case GMIME_WARN_INVALID_CONTENT_TYPE:
            what = "invalid Content-Type (read as application/octet-stream)";
            break;
        case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
            what = "invalid RFC 2047 encoded word";
            break;
        case GMIME_WARN_MALFORMED_MULTIPART:
            what = "a multipart has no parts";
            break;
        case GMIME_WARN_TRUNCATED_MESSAGE:
            what = "the message is truncated (a multipart lacks its close delimiter)";
            break;
        case GMIME_WARN_MALFORMED_MESSAGE:
            what = "the message is malformed";
            break;
        case GMIME_CRIT_INVALID_HEADER_NAME:
            what = "invalid header field name";
            break;
        case GMIME_CRIT_CONFLICTING_HEADER:
            what = "conflicting header fields";
            break;
        case GMIME_CRIT_CONFLICTING_PARAMETER:
            what = "conflicting header parameters";
            break;
        case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
            what = "a multipart lacks the boundary parameter";
            break;
        case GMIME_WARN_INVALID_PARAMETER:
            what = "invalid header parameter";
            break;
        case GMIME_WARN_INVALID_ADDRESS_LIST:
            what = "invalid address list";
            break;
        case GMIME_CRIT_NESTING_OVERFLOW:
            what = "MIME nesting too deep";
            break;
        case GMIME_WARN_PART_WITHOUT_CONTENT:
            what = "a part's headers end at a boundary (no content)";
            break;
        case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
            what = "a part has neither headers nor content";
            break;
        default:
            what = "parser warning " + std::to_string(static_cast<int>(code));
            break;
    }
    if (item != nullptr && *item != '\0') what += ": " + show(item, 60);
    return what;
}

void on_warning(gint64 /*offset*/, GMimeParserWarning code, const gchar* item, gpointer user) {
    auto* warnings = static_cast<std::vector<std::string>*>(user);
    if (warnings->size() < 50) warnings->push_back(warning_text(code, item));
}

std::string mem_bytes(GMimeStream* mem) {
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    if (arr == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

void finish_entity(Entity& e) {
    if (const HeaderField* ct = e.headers.first("Content-Type")) {
        e.has_content_type = true;
        e.content_type = parse_parameterized(ct->raw_value);
        e.type = parse_media_type(e.content_type.value);
    }
    if (!e.type.valid) {
        e.type.type = "text";
        e.type.subtype = "plain";
    }
    if (const HeaderField* cd = e.headers.first("Content-Disposition"))
        e.disposition = parse_parameterized(cd->raw_value);
    if (const HeaderField* cte = e.headers.first("Content-Transfer-Encoding"))
        e.transfer_encoding = to_lower(trim(cte->value));
}

void headers_from_gmime(GMimeObject* obj, Headers& out) {
    GMimeHeaderList* list = g_mime_object_get_header_list(obj);
    if (list == nullptr) return;
    int n = g_mime_header_list_get_count(list);
    for (int i = 0; i < n; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
        const char* name = g_mime_header_get_name(h);
        const char* raw = g_mime_header_get_raw_value(h);
        HeaderField f;
        f.name = name ? name : "";
        f.raw_value = raw ? raw : "";
        while (!f.raw_value.empty() && (f.raw_value.back() == '\n' || f.raw_value.back() == '\r'))
            f.raw_value.pop_back();
        f.value = unfold(f.raw_value);
        out.fields.push_back(std::move(f));
    }
}

struct State {
    const ParseLimits& limits;
    std::vector<std::string>& warnings;
    std::size_t parts = 0;
};

Result<Message> parse_impl(std::string_view bytes, const ParseLimits& limits, std::size_t depth);

Result<void> convert(GMimeObject* obj, Entity& e, State& st, std::size_t depth) {
    if (++st.parts > st.limits.max_parts)
        return make_error(ErrorKind::limit,
                          "more than " + std::to_string(st.limits.max_parts) + " MIME parts");
    if (depth > st.limits.max_depth)
        return make_error(ErrorKind::limit, "MIME nesting deeper than " +
                                                std::to_string(st.limits.max_depth) + " levels");
    if (GMIME_IS_MULTIPART(obj)) {
        auto* mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; ++i) {
            Entity child;
            child.path =
                e.path.empty() ? std::to_string(i + 1) : e.path + "." + std::to_string(i + 1);
            GMimeObject* part = g_mime_multipart_get_part(mp, i);
            headers_from_gmime(part, child.headers);
            finish_entity(child);
            auto r = convert(part, child, st, depth + 1);
            if (!r) return r;
            e.children.push_back(std::move(child));
        }
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage* embedded = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (embedded != nullptr) {
            GObjectPtr<GMimeStream> mem(g_mime_stream_mem_new());
            g_mime_object_write_to_stream(GMIME_OBJECT(embedded), nullptr, mem.get());
            auto inner = parse_impl(mem_bytes(mem.get()), st.limits, depth + 1);
            if (!inner) return inner.error();
            Entity child = std::move(inner->root);
            // Number the embedded message and its parts below this entity ("2" -> "2.1", …).
            std::vector<std::pair<Entity*, std::string>> todo{
                {&child, e.path.empty() ? std::string("1") : e.path + ".1"}};
            while (!todo.empty()) {
                auto [ent, p] = todo.back();
                todo.pop_back();
                ent->path = p;
                for (std::size_t i = 0; i < ent->children.size(); ++i)
                    todo.push_back({&ent->children[i], p + "." + std::to_string(i + 1)});
            }
            for (auto& w : inner->parser_warnings) st.warnings.push_back(w);
            e.children.push_back(std::move(child));
        }
    } else if (GMIME_IS_PART(obj)) {
        GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(obj));
        if (content != nullptr) {
            GObjectPtr<GMimeStream> decoded(g_mime_stream_mem_new());
            g_mime_data_wrapper_write_to_stream(content, decoded.get());
            e.body = mem_bytes(decoded.get());
            GMimeStream* raw = g_mime_data_wrapper_get_stream(content);
            if (raw != nullptr) {
                g_mime_stream_reset(raw);
                GObjectPtr<GMimeStream> encoded(g_mime_stream_mem_new());
                g_mime_stream_write_to_stream(raw, encoded.get());
                g_mime_stream_reset(raw);
                e.encoded_body = mem_bytes(encoded.get());
            }
        }
    }
    return {};
}

void scan_lines(std::string_view bytes, Message& m) {
    std::size_t line_no = 1, len = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        char c = bytes[i];
        if (c == '\n') {
            if (i == 0 || bytes[i - 1] != '\r') m.bare_lf = true;
            if (len > m.longest_line) {
                m.longest_line = len;
                m.longest_line_no = line_no;
            }
            len = 0;
            ++line_no;
        } else if (c == '\r') {
            if (i + 1 >= bytes.size() || bytes[i + 1] != '\n') m.bare_cr = true;
        } else {
            ++len;
        }
    }
    if (len > m.longest_line) {
        m.longest_line = len;
        m.longest_line_no = line_no;
    }
}

Result<Message> parse_impl(std::string_view bytes, const ParseLimits& limits, std::size_t depth) {
    if (bytes.size() > limits.max_message_bytes) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes.size()) / 1e6);
        return make_error(ErrorKind::limit,
                          std::string("message is ") + buf + ", above the lint limit of " +
                              std::to_string(limits.max_message_bytes >> 20) + " MiB");
    }
    if (bytes.empty()) return make_error(ErrorKind::protocol, "empty input: no message");
    Message m;
    m.size = bytes.size();
    scan_lines(bytes, m);
    auto section = parse_header_section(bytes);
    if (!section) return section.error();
    m.header_section = std::move(*section);
    if (m.header_section.fields.empty())
        return make_error(
            ErrorKind::protocol,
            "no header fields at the start: this does not look like an e-mail message");
    for (const auto& rf : m.header_section.fields) {
        HeaderField f;
        f.name = rf.name;
        f.raw_value = rf.raw_value;
        f.value = unfold(rf.raw_value);
        f.line = rf.line;
        f.raw_size = rf.raw_size;
        m.root.headers.fields.push_back(std::move(f));
    }
    m.root.is_message = true;
    finish_entity(m.root);

    GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
    GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    ParserOptionsPtr options(g_mime_parser_options_new());
    g_mime_parser_options_set_warning_callback(options.get(), on_warning, &m.parser_warnings);
    GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options.get()));
    if (!message) return make_error(ErrorKind::protocol, "GMime could not parse the message");
    GMimeObject* body = g_mime_message_get_mime_part(message.get());
    if (body != nullptr) {
        State st{limits, m.parser_warnings};
        auto r = convert(body, m.root, st, depth);
        if (!r) return r.error();
    }
    return m;
}

}  // namespace

Result<Message> MimeParser::parse(std::string_view bytes, const ParseLimits& limits) const {
    return parse_impl(bytes, limits, 0);
}

}  // namespace coitest::message
