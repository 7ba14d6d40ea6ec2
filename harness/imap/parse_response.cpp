#include "imap/parse_response.hpp"

#include "imap/cursor.hpp"
#include "imap/parsers.hpp"

namespace coitest::imap {

namespace {

using detail::Cursor;

std::optional<Status> status_word(std::string_view atom) {
    if (iequals(atom, "OK")) return Status::ok;
    if (iequals(atom, "NO")) return Status::no;
    if (iequals(atom, "BAD")) return Status::bad;
    if (iequals(atom, "PREAUTH")) return Status::preauth;
    if (iequals(atom, "BYE")) return Status::bye;
    return std::nullopt;
}

Generic generic(Cursor& c, std::string name, std::optional<std::uint32_t> number) {
    Generic g{std::move(name), number, {}};
    if (c.accept(' ')) g.text = c.rest();
    return g;
}

// "* 3 FETCH ...", "* 4 EXISTS": message-data and the numeric mailbox-data.
ResponseData numeric_untagged(Cursor& c) {
    const std::uint32_t n = c.number();
    c.sp();
    const std::string name = c.upper_atom();
    if (name == "EXISTS") return Exists{n};
    if (name == "RECENT") return Recent{n};
    if (name == "EXPUNGE") return Expunge{n};
    if (name == "FETCH") {
        c.sp();
        return detail::parse_fetch(c, n);
    }
    return generic(c, name, n);
}

ResponseData untagged(Cursor& c) {
    if (c.peek() >= '0' && c.peek() <= '9') return numeric_untagged(c);
    const std::string name = c.upper_atom();
    if (auto status = status_word(name)) return detail::parse_resp_text(c, *status);
    if (name == "CAPABILITY") return Capability{detail::parse_atoms(c)};
    if (name == "ENABLED") return Enabled{detail::parse_atoms(c)};
    if (name == "SEARCH") return detail::parse_search(c);
    if (name == "ESEARCH") return detail::parse_esearch(c);
    if (name == "FLAGS") {
        c.sp();
        return Flags{detail::parse_flag_list(c, false)};
    }
    if (name == "LIST" || name == "LSUB") {
        c.sp();
        return detail::parse_list(c, name == "LSUB");
    }
    struct Entry {
        std::string_view name;
        ResponseData (*parse)(Cursor&);
    };
    static constexpr Entry kTable[] = {
        {"STATUS", [](Cursor& c) -> ResponseData { return detail::parse_status_data(c); }},
        {"METADATA", [](Cursor& c) -> ResponseData { return detail::parse_metadata(c); }},
        {"ID", [](Cursor& c) -> ResponseData { return detail::parse_id(c); }},
        {"NAMESPACE", [](Cursor& c) -> ResponseData { return detail::parse_namespace(c); }},
        {"QUOTA", [](Cursor& c) -> ResponseData { return detail::parse_quota(c); }},
        {"QUOTAROOT", [](Cursor& c) -> ResponseData { return detail::parse_quotaroot(c); }},
        {"VANISHED", [](Cursor& c) -> ResponseData { return detail::parse_vanished(c); }},
    };
    for (const auto& entry : kTable) {
        if (name == entry.name) {
            c.sp();
            return entry.parse(c);
        }
    }
    return generic(c, name, std::nullopt);
}

ResponseData tagged(Cursor& c) {
    const std::size_t from = c.pos();
    while (!c.at_end() && detail::is_astring_char(c.peek()) && c.peek() != '+') c.advance();
    if (c.pos() == from) c.fail("'*', '+' or a tag at the start of a response");
    Tagged t;
    t.tag = std::string(c.slice(from, c.pos()));
    c.sp();
    const std::size_t word_at = c.pos();
    const std::string word = c.atom();
    const auto status = status_word(word);
    if (!status || *status == Status::preauth || *status == Status::bye) {
        c.seek(word_at);
        c.fail("OK, NO or BAD after the tag");
    }
    t.result = detail::parse_resp_text(c, *status);
    return t;
}

ResponseData any_response(Cursor& c) {
    if (c.accept('+')) {
        // "+" alone is common enough (and harmless) to accept without the space.
        Continuation k;
        if (c.accept(' ')) k.text = c.text();
        return k;
    }
    if (c.accept('*')) {
        c.sp();
        return untagged(c);
    }
    return tagged(c);
}

}  // namespace

Result<Response> parse_response(std::string raw, std::size_t max_depth) {
    Response response;
    try {
        Cursor c(raw, max_depth);
        response.data = any_response(c);
        c.end();
    } catch (const detail::ParseFailure& failure) {
        return Error{failure.kind, failure.message};
    }
    response.raw = std::move(raw);
    return response;
}

}  // namespace coitest::imap
