// Status responses (resp-text) and their response codes, RFC 3501 §7.1 and the extensions'
// codes (UIDPLUS, CONDSTORE/QRESYNC, METADATA).
#include "imap/parsers.hpp"

namespace coitest::imap::detail {

namespace {

struct Simple {
    std::string_view name;
    CodeKind kind;
};
constexpr Simple kSimple[] = {
    {"ALERT", CodeKind::alert},         {"PARSE", CodeKind::parse},
    {"READ-ONLY", CodeKind::read_only}, {"READ-WRITE", CodeKind::read_write},
    {"TRYCREATE", CodeKind::trycreate}, {"UIDNOTSTICKY", CodeKind::uidnotsticky},
    {"NOMODSEQ", CodeKind::nomodseq},   {"CLOSED", CodeKind::closed},
};

// "METADATA LONGENTRIES 2199" and friends (RFC 5464 §4.2.1, §4.3). Unknown ones stay generic.
void metadata_code(Cursor& c, ResponseCode& code) {
    const std::size_t at = c.pos();
    if (!c.accept(' ')) return;
    if (c.accept_word("LONGENTRIES")) {
        c.sp();
        code.kind = CodeKind::metadata_longentries;
        code.number = c.number64();
    } else if (c.accept_word("MAXSIZE")) {
        c.sp();
        code.kind = CodeKind::metadata_maxsize;
        code.number = c.number64();
    } else if (c.accept_word("TOOMANY")) {
        code.kind = CodeKind::metadata_toomany;
    } else if (c.accept_word("NOPRIVATE")) {
        code.kind = CodeKind::metadata_noprivate;
    } else {
        c.seek(at);
    }
}

void typed_arguments(Cursor& c, ResponseCode& code) {
    const std::string& n = code.name;
    for (const auto& s : kSimple) {
        if (n == s.name) {
            code.kind = s.kind;
            return;
        }
    }
    if (n == "CAPABILITY") {
        code.kind = CodeKind::capability;
        while (c.accept(' ')) code.list.push_back(c.atom());
    } else if (n == "BADCHARSET") {
        code.kind = CodeKind::badcharset;
        if (c.accept(' ')) c.list([&] { code.list.push_back(c.astring()); });
    } else if (n == "PERMANENTFLAGS") {
        code.kind = CodeKind::permanentflags;
        c.sp();
        code.list = parse_flag_list(c, true);
    } else if (n == "UIDNEXT" || n == "UIDVALIDITY" || n == "UNSEEN") {
        code.kind = n == "UIDNEXT"       ? CodeKind::uidnext
                    : n == "UIDVALIDITY" ? CodeKind::uidvalidity
                                         : CodeKind::unseen;
        c.sp();
        code.number = c.number();
    } else if (n == "HIGHESTMODSEQ") {
        code.kind = CodeKind::highestmodseq;
        c.sp();
        code.number = c.number64();
    } else if (n == "APPENDUID") {
        code.kind = CodeKind::appenduid;
        c.sp();
        code.number = c.number();
        c.sp();
        code.uids = c.sequence_set();
    } else if (n == "COPYUID") {
        code.kind = CodeKind::copyuid;
        c.sp();
        code.number = c.number();
        c.sp();
        code.source = c.sequence_set();
        c.sp();
        code.uids = c.sequence_set();
    } else if (n == "MODIFIED") {
        code.kind = CodeKind::modified;
        c.sp();
        code.uids = c.sequence_set();
    } else if (n == "METADATA") {
        metadata_code(c, code);
    }
}

}  // namespace

std::vector<std::string> parse_flag_list(Cursor& c, bool allow_star) {
    std::vector<std::string> flags;
    c.list([&] { flags.push_back(c.flag(allow_star)); });
    return flags;
}

ResponseCode parse_code(Cursor& c) {
    c.expect('[', "'['");
    ResponseCode code;
    code.name = c.upper_atom();
    const std::size_t name_end = c.pos();
    typed_arguments(c, code);
    // Codes without typed arguments (or unknown ones) may carry free text up to the ']'.
    if (code.kind == CodeKind::other || (c.at(' ') && code.kind != CodeKind::capability)) {
        if (c.accept(' ')) c.code_text();
    }
    std::size_t args_from = name_end;
    if (args_from < c.pos() && c.slice(args_from, args_from + 1) == " ") ++args_from;
    code.arguments = std::string(c.slice(args_from, c.pos()));
    c.expect(']', "']' closing the response code");
    return code;
}

StatusResponse parse_resp_text(Cursor& c, Status status) {
    StatusResponse s;
    s.status = status;
    // RFC 3501 wants SP and text; servers sending "a1 OK" or "[CODE]" without text are
    // tolerated, as the meaning is unaffected.
    if (c.accept(' ')) {
        if (c.at('[')) {
            s.code = parse_code(c);
            c.accept(' ');
        }
        s.text = c.text();
    }
    return s;
}

}  // namespace coitest::imap::detail
