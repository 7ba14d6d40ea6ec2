// Mailbox data: LIST/LSUB with RFC 5258 extended items, STATUS, NAMESPACE (RFC 2342),
// QUOTA and QUOTAROOT (RFC 2087 / 9208).
#include "imap/parsers.hpp"

namespace coitest::imap::detail {

namespace {

// A hierarchy delimiter: one quoted character, or NIL.
std::optional<char> delimiter(Cursor& c) {
    if (c.accept_word("NIL")) return std::nullopt;
    const std::size_t at = c.pos();
    const std::string d = c.quoted();
    if (d.size() != 1) {
        c.seek(at);
        c.fail("a one-character hierarchy delimiter or NIL");
    }
    return d[0];
}

// One namespace: NIL, or "(" 1*("(" prefix SP delimiter *(SP ext-name SP "(" values ")") ")") ")".
std::vector<NamespaceDesc> nspace(Cursor& c) {
    std::vector<NamespaceDesc> out;
    if (c.accept_word("NIL")) return out;
    c.expect('(', "'(' or NIL for a namespace");
    Cursor::Depth outer(c);
    do {
        c.expect('(', "'(' opening a namespace description");
        Cursor::Depth inner(c);
        NamespaceDesc d;
        d.prefix = c.string();
        c.sp();
        d.delimiter = delimiter(c);
        while (c.accept(' ')) {
            std::pair<std::string, std::vector<std::string>> ext;
            ext.first = c.string();
            c.sp();
            c.list([&] { ext.second.push_back(c.string()); });
            d.extensions.push_back(std::move(ext));
        }
        c.expect(')', "')' closing a namespace description");
        out.push_back(std::move(d));
    } while (c.at('('));
    c.expect(')', "')' closing a namespace");
    return out;
}

}  // namespace

ListResponse parse_list(Cursor& c, bool lsub) {
    ListResponse l;
    l.lsub = lsub;
    l.attributes = parse_flag_list(c, false);
    c.sp();
    l.delimiter = delimiter(c);
    c.sp();
    l.mailbox = c.astring();
    if (c.accept(' ')) {
        c.list([&] {
            std::string tag = to_upper(c.astring());
            c.sp();
            l.extended.emplace_back(std::move(tag), c.sexpr());
        });
    }
    return l;
}

StatusData parse_status_data(Cursor& c) {
    StatusData s;
    s.mailbox = c.astring();
    c.sp();
    c.list([&] {
        std::string name = c.upper_atom();
        c.sp();
        s.items.emplace_back(std::move(name), c.sexpr());
    });
    return s;
}

Namespace parse_namespace(Cursor& c) {
    Namespace n;
    n.personal = nspace(c);
    c.sp();
    n.other_users = nspace(c);
    c.sp();
    n.shared = nspace(c);
    return n;
}

Quota parse_quota(Cursor& c) {
    Quota q;
    q.root = c.astring();
    c.sp();
    c.list([&] {
        QuotaResource r;
        r.name = c.upper_atom();
        c.sp();
        r.usage = c.number64();
        c.sp();
        r.limit = c.number64();
        q.resources.push_back(std::move(r));
    });
    return q;
}

QuotaRoot parse_quotaroot(Cursor& c) {
    QuotaRoot q;
    q.mailbox = c.astring();
    while (c.accept(' ')) q.roots.push_back(c.astring());
    return q;
}

}  // namespace coitest::imap::detail
