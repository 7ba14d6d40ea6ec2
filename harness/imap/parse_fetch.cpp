// FETCH msg-att (RFC 3501 §7.4.2) with CONDSTORE's MODSEQ and BINARY (RFC 3516). Body
// structures stay generic SExpr trees; body_structure.hpp reads them.
#include "imap/parsers.hpp"

namespace coitest::imap::detail {

namespace {

// Item names run up to a section '[' or partial '<': "BODY[", "BINARY.SIZE[", "RFC822.SIZE".
std::string item_name(Cursor& c) {
    const std::size_t from = c.pos();
    while (!c.at_end() && is_atom_char(c.peek()) && c.peek() != '[' && c.peek() != '<') c.advance();
    if (c.pos() == from) c.fail("a FETCH item name");
    return to_upper(c.slice(from, c.pos()));
}

// "[" section-spec "]" -> the text between the brackets, as sent. A header-list's names may be
// quoted strings holding "]", so the list is read as astrings, not scanned.
std::string section(Cursor& c) {
    c.expect('[', "'['");
    const std::size_t from = c.pos();
    while (!c.at(']')) {
        if (c.at('(')) {
            c.list([&] { c.astring(); });
        } else if (is_atom_char(c.peek()) || c.at(' ')) {
            c.advance();
        } else {
            c.fail("']' closing the section");
        }
    }
    std::string out(c.slice(from, c.pos()));
    c.advance();
    return out;
}

std::optional<std::uint32_t> origin(Cursor& c) {
    if (!c.accept('<')) return std::nullopt;
    const std::uint32_t n = c.number();
    c.expect('>', "'>' closing the partial origin");
    return n;
}

std::vector<Address> addresses(Cursor& c) {
    std::vector<Address> out;
    if (c.accept_word("NIL")) return out;
    c.expect('(', "'(' or NIL for an address list");
    Cursor::Depth outer(c);
    do {
        c.accept(' ');  // addresses are adjacent; a space between them is tolerated
        c.expect('(', "'(' opening an address");
        Address a;
        a.name = c.nstring();
        c.sp();
        a.adl = c.nstring();
        c.sp();
        a.mailbox = c.nstring();
        c.sp();
        a.host = c.nstring();
        c.expect(')', "')' closing an address");
        out.push_back(std::move(a));
    } while (c.at('(') || (c.at(' ') && c.peek(1) == '('));
    c.expect(')', "')' closing an address list");
    return out;
}

Envelope envelope(Cursor& c) {
    c.expect('(', "'(' opening the envelope");
    Cursor::Depth guard(c);
    Envelope e;
    e.date = c.nstring();
    c.sp();
    e.subject = c.nstring();
    for (auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) {
        c.sp();
        *list = addresses(c);
    }
    c.sp();
    e.in_reply_to = c.nstring();
    c.sp();
    e.message_id = c.nstring();
    c.expect(')', "')' closing the envelope");
    return e;
}

SExpr body_structure(Cursor& c) {
    if (!c.at('(')) c.fail("'(' opening a body structure");
    return c.sexpr();
}

void item(Cursor& c, Fetch& f) {
    std::string name = item_name(c);
    const bool sectioned = name == "BODY" || name == "BINARY" || name == "BINARY.SIZE";
    if (sectioned && c.at('[')) {
        BodySection s;
        s.item = std::move(name);
        s.section = section(c);
        s.origin = origin(c);
        c.sp();
        if (s.item == "BINARY.SIZE") {
            SExpr size;
            size.type = SExpr::Type::atom;
            size.text = std::to_string(c.number64());
            f.other.emplace_back("BINARY.SIZE[" + s.section + "]", std::move(size));
            return;
        }
        s.data = c.nstring();
        f.sections.push_back(std::move(s));
        return;
    }
    if (c.at('[')) name += "[" + section(c) + "]";  // an extension's sectioned item
    c.sp();
    if (name == "FLAGS") {
        f.flags = parse_flag_list(c, false);
    } else if (name == "UID") {
        f.uid = c.number();
    } else if (name == "RFC822.SIZE") {
        f.rfc822_size = c.number64();
    } else if (name == "INTERNALDATE") {
        f.internaldate = c.quoted();
    } else if (name == "ENVELOPE") {
        f.envelope = envelope(c);
    } else if (name == "BODY" || name == "BODYSTRUCTURE") {
        f.body_structure = body_structure(c);
        f.body_structure_extended = name == "BODYSTRUCTURE";
    } else if (name == "MODSEQ") {
        c.expect('(', "'(' before the MODSEQ value");
        f.modseq = c.number64();
        c.expect(')', "')' after the MODSEQ value");
    } else if (name == "RFC822" || name == "RFC822.HEADER" || name == "RFC822.TEXT") {
        f.sections.push_back(BodySection{name, "", std::nullopt, c.nstring()});
    } else {
        f.other.emplace_back(std::move(name), c.sexpr());
    }
}

}  // namespace

Fetch parse_fetch(Cursor& c, std::uint32_t seq) {
    Fetch f;
    f.seq = seq;
    c.list([&] { item(c, f); });
    return f;
}

}  // namespace coitest::imap::detail
