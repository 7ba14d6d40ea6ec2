// SEARCH (with CONDSTORE's MODSEQ), ESEARCH (RFC 4731), METADATA (RFC 5464), ID (RFC 2971),
// CAPABILITY/ENABLED atom lists (RFC 5161) and VANISHED (RFC 7162).
#include "imap/parsers.hpp"

namespace coitest::imap::detail {

std::vector<std::string> parse_atoms(Cursor& c) {
    std::vector<std::string> out;
    while (c.accept(' ')) {
        if (c.at_crlf()) break;  // a trailing space before CRLF changes nothing
        out.push_back(c.atom());
    }
    return out;
}

Search parse_search(Cursor& c) {
    Search s;
    while (c.accept(' ')) {
        if (c.at_crlf()) break;  // several servers send "* SEARCH " when nothing matched
        if (c.at('(')) {
            c.expect('(', "'('");
            c.expect_word("MODSEQ");
            c.sp();
            s.modseq = c.number64();
            c.expect(')', "')' after the MODSEQ value");
            break;
        }
        s.numbers.push_back(c.number());
    }
    return s;
}

ESearch parse_esearch(Cursor& c) {
    ESearch e;
    if (c.peek() == ' ' && c.peek(1) == '(') {
        c.sp();
        c.expect('(', "'('");
        c.expect_word("TAG");
        c.sp();
        e.tag = c.string();
        c.expect(')', "')' closing the search correlator");
    }
    e.uid = c.accept_sp_word("UID");
    while (c.accept(' ')) {
        std::string name = c.upper_atom();
        c.sp();
        if (name == "MIN")
            e.min = c.number();
        else if (name == "MAX")
            e.max = c.number();
        else if (name == "COUNT")
            e.count = c.number64();
        else if (name == "ALL")
            e.all = c.sequence_set();
        else if (name == "MODSEQ")
            e.modseq = c.number64();
        else
            e.other.emplace_back(std::move(name), c.sexpr());
    }
    return e;
}

Metadata parse_metadata(Cursor& c) {
    Metadata m;
    m.mailbox = c.astring();
    c.sp();
    if (c.at('(')) {
        c.list([&] {
            MetadataEntry e;
            e.name = c.astring();
            c.sp();
            e.value = c.nstring();  // nstring covers literal8 values too
            m.entries.push_back(std::move(e));
        });
        return m;
    }
    // Unsolicited form (RFC 5464 §4.4.2): entry names only.
    m.has_values = false;
    do {
        m.entries.push_back(MetadataEntry{c.astring(), std::nullopt});
    } while (c.accept(' '));
    return m;
}

Id parse_id(Cursor& c) {
    Id id;
    if (c.accept_word("NIL")) return id;
    id.params.emplace();
    c.list([&] {
        std::string key = c.string();
        c.sp();
        id.params->emplace_back(std::move(key), c.nstring());
    });
    return id;
}

Vanished parse_vanished(Cursor& c) {
    Vanished v;
    if (c.accept('(')) {
        c.expect_word("EARLIER");
        c.expect(')', "')' after EARLIER");
        c.sp();
        v.earlier = true;
    }
    v.uids = c.sequence_set();
    return v;
}

}  // namespace coitest::imap::detail
