// Base rules every profile rests on: RFC 5322 (header syntax, required fields), MIME (RFC 2045,
// 2046, 2047, 2183), PGP/MIME (RFC 3156), MDN (RFC 8098) and header protection (RFC 9788).
// Each finding cites the RFC rule by its catalog ID (suites/requirements/rfc*.toml).
#include "messages/engine.hpp"
#include "messages/rule_util.hpp"

#include <set>

namespace coitest::messages {

using message::Findings;
using message::show;

namespace {

// ---- RFC 5322 ---------------------------------------------------------------------------------

void check_lines(const MessageContext&, const Message& m, Findings& f) {
    std::string where = "line " + std::to_string(m.longest_line_no);
    std::string seen = std::to_string(m.longest_line) + " characters";
    f.judge(m.longest_line <= 998, "rfc5322.syntax.line-length", where,
            "at most 998 characters per line", seen);
    f.judge(m.longest_line <= 78, "rfc5322.syntax.line-length-78", where,
            "at most 78 characters per line", seen);
    f.judge(!m.bare_cr, "rfc5322.syntax.crlf", "message", "CR only as part of CRLF",
            "a CR without LF");
}

void check_field_syntax(const MessageContext&, const Message& m, Findings& f) {
    const auto& hs = m.header_section;
    if (hs.malformed.empty()) {
        f.pass("rfc5322.syntax.field", "header");
    } else {
        std::size_t n = 0;
        for (const auto& bad : hs.malformed) {
            if (++n > 5) break;
            f.unmet("rfc5322.syntax.field", "header line " + std::to_string(bad.line),
                    "\"Name: value\" or a continuation line starting with white space",
                    show(bad.text, 60) + ": " + bad.reason);
        }
    }
    std::vector<std::string> eight_bit;
    for (const auto& fld : m.headers().fields)
        if (message::has_8bit(fld.raw_value)) eight_bit.push_back(fld.name);
    f.judge(eight_bit.empty(), "rfc5322.syntax.header-ascii",
            eight_bit.empty() ? "header" : eight_bit.front(),
            "US-ASCII header fields (RFC 2047 encoded words for other text)",
            "unencoded 8-bit characters in " + join(eight_bit));
}

void check_required_fields(const MessageContext&, const Message& m, Findings& f) {
    const auto& h = m.headers();
    std::size_t dates = h.count("Date"), froms = h.count("From");
    f.judge(dates == 1, "rfc5322.fields.date-required", "Date", "exactly one Date field",
            std::to_string(dates) + " Date fields");
    f.judge(froms == 1, "rfc5322.fields.from-required", "From", "exactly one From field",
            std::to_string(froms) + " From fields");
    std::vector<std::string> repeated;
    for (const char* name : {"Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To",
                             "References", "Subject"})
        if (h.count(name) > 1)
            repeated.push_back(std::string(name) + " ×" + std::to_string(h.count(name)));
    f.judge(repeated.empty(), "rfc5322.fields.at-most-once", repeated.empty() ? "header" : "header",
            "each of these fields at most once", join(repeated));
    f.judge(h.has("Message-ID"), "rfc5322.fields.message-id", "Message-ID", "a Message-ID field",
            "no Message-ID field");
}

void check_date(const MessageContext&, const Message& m, Findings& f) {
    for (const HeaderField* d : m.headers().all("Date")) {
        auto dt = message::parse_date(d->raw_value);
        if (!dt) {
            f.unmet("rfc5322.date.syntax", "Date", "an RFC 5322 §3.3 date-time",
                    show(d->value) + ": " + dt.error().message);
            continue;
        }
        f.pass("rfc5322.date.syntax", "Date", show(d->value));
        if (dt->weekday) {
            int actual = dt->actual_weekday();
            f.judge(*dt->weekday == actual, "rfc5322.date.day-of-week", "Date",
                    "the day of week the date falls on (" + message::weekday_name(actual) + ")",
                    message::weekday_name(*dt->weekday) + " in " + show(d->value));
        }
    }
}

void check_addresses(const MessageContext&, const Message& m, Findings& f) {
    for (const char* name : {"From", "Sender", "Reply-To", "To", "Cc", "Bcc"}) {
        for (const HeaderField* fld : m.headers().all(name)) {
            if (std::string_view(name) == "Bcc" && message::trim(fld->value).empty()) continue;
            auto list = message::parse_address_list(fld->raw_value);
            if (!list) {
                f.unmet("rfc5322.address.syntax", name, "comma-separated mailboxes or groups",
                        show(fld->value, 80) + ": " + list.error().message);
                continue;
            }
            bool group_ok = true;
            if ((std::string_view(name) == "From" || std::string_view(name) == "Sender") &&
                !list->groups.empty())
                group_ok = false;
            f.judge(group_ok, "rfc5322.address.syntax", name,
                    "mailboxes (no group) in From and Sender", show(fld->value, 80));
            if (std::string_view(name) == "From" && list->mailboxes.size() > 1) {
                const HeaderField* sender = m.headers().first("Sender");
                f.judge(sender != nullptr, "rfc5322.fields.sender-if-multiple-from", "Sender",
                        "a Sender field because From has " +
                            std::to_string(list->mailboxes.size()) + " mailboxes",
                        "no Sender field");
            }
        }
    }
}

void check_msg_ids(const MessageContext&, const Message& m, Findings& f) {
    for (const HeaderField* fld : m.headers().all("Message-ID")) {
        auto id = message::parse_msg_id(fld->raw_value);
        f.judge(id.has_value(), "rfc5322.msg-id.syntax", "Message-ID", "<id-left@id-right>",
                id ? show(fld->value) : show(fld->value) + ": " + id.error().message);
    }
    std::optional<std::vector<std::string>> refs, irt;
    for (const char* name : {"In-Reply-To", "References"}) {
        for (const HeaderField* fld : m.headers().all(name)) {
            auto ids = message::parse_msg_id_list(fld->raw_value);
            f.judge(ids.has_value(), "rfc5322.msg-id.syntax", name,
                    "one or more <id-left@id-right>",
                    ids ? show(fld->value, 80) : show(fld->value, 80) + ": " + ids.error().message);
            if (ids) (std::string_view(name) == "References" ? refs : irt) = *ids;
        }
    }
    if (refs && irt && irt->size() == 1) {
        f.judge(refs->back() == irt->front(), "rfc5322.msg-id.references-parent", "References",
                "the last References entry equal to In-Reply-To <" + irt->front() + ">",
                "last entry <" + refs->back() + ">");
    }
}

// ---- MIME ---------------------------------------------------------------------------------------

bool uses_mime(const Message& m) {
    const auto& h = m.headers();
    return h.has("Content-Type") || h.has("Content-Transfer-Encoding") ||
           h.has("Content-Disposition");
}

void check_mime_version(const MessageContext&, const Message& m, Findings& f) {
    if (!uses_mime(m)) return;
    const HeaderField* mv = m.headers().first("MIME-Version");
    std::string v = mv ? mv->value : "";
    // Comments are allowed around the version: "1.0 (produced by X)".
    auto paren = v.find('(');
    if (paren != std::string::npos) v = std::string(message::trim(v.substr(0, paren)));
    f.judge(
        mv != nullptr && v == "1.0", "rfc2045.mime-version", "MIME-Version", "MIME-Version: 1.0",
        mv ? show(mv->value) : "no MIME-Version field although the message has Content-* fields");
}

void check_mime_parts(const MessageContext&, const Message& m, Findings& f) {
    message::for_each_entity(m.root, [&](const Entity& e) {
        std::string where = e.where();
        if (e.has_content_type) {
            std::vector<std::string> problems = e.content_type.problems;
            if (!e.type.valid || !message::parse_media_type(e.content_type.value).valid)
                problems.insert(problems.begin(), "media type " + show(e.content_type.value) +
                                                      " is not type/subtype");
            if (e.content_type.trailing_semicolon)
                problems.push_back("a \";\" with no parameter after it");
            f.judge(problems.empty(), "rfc2045.content-type.syntax", where + " Content-Type",
                    "type/subtype *(; attribute=token-or-quoted-string)", join(problems, "; "));
        }
        if (!e.transfer_encoding.empty()) {
            static const std::set<std::string> known{"7bit", "8bit", "binary", "quoted-printable",
                                                     "base64"};
            bool ok =
                known.count(e.transfer_encoding) > 0 || e.transfer_encoding.rfind("x-", 0) == 0;
            f.judge(ok, "rfc2045.cte.value", where + " Content-Transfer-Encoding",
                    "7bit, 8bit, binary, quoted-printable or base64", show(e.transfer_encoding));
            if (e.is_multipart() || e.is("message", "*")) {
                bool identity = e.transfer_encoding == "7bit" || e.transfer_encoding == "8bit" ||
                                e.transfer_encoding == "binary";
                f.judge(identity, "rfc2045.cte.composite", where + " Content-Transfer-Encoding",
                        "7bit, 8bit or binary on a composite part", show(e.transfer_encoding));
            }
        }
        if (e.children.empty() && !e.is_multipart()) {
            std::string cte = e.transfer_encoding.empty() ? "7bit" : e.transfer_encoding;
            if (cte == "7bit")
                f.judge(!message::has_8bit(e.encoded_body), "rfc2045.cte.7bit-data", where,
                        "only US-ASCII data in a 7bit part (declare 8bit or encode it)",
                        "8-bit octets in the body");
            if (cte == "base64") {
                std::string bad;
                for (auto line : lines_of(e.encoded_body)) {
                    std::string_view l = message::trim(line);
                    if (l.size() > 76) {
                        bad = "a line of " + std::to_string(l.size()) + " characters";
                        break;
                    }
                    for (char c : l) {
                        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                  (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
                        if (!ok) {
                            bad = "character " + show(std::string(1, c)) +
                                  " outside the base64 alphabet";
                            break;
                        }
                    }
                    if (!bad.empty()) break;
                }
                f.judge(bad.empty(), "rfc2045.base64.lines", where,
                        "base64 alphabet in lines of at most 76 characters", bad);
            }
            if (e.is("text", "*")) {
                std::string charset = message::to_lower(e.param("charset"));
                bool eight = message::has_8bit(e.body);
                if (eight && (charset.empty() || charset == "us-ascii")) {
                    f.unmet("rfc2046.text.charset", where,
                            "a charset parameter naming the encoding of non-ASCII text",
                            charset.empty() ? "8-bit text without charset"
                                            : "8-bit text declared us-ascii");
                } else if (charset == "utf-8" || charset == "utf8") {
                    f.judge(message::is_valid_utf8(e.body), "rfc2046.text.charset", where,
                            "valid UTF-8 as declared", "invalid UTF-8 byte sequences");
                } else {
                    f.pass("rfc2046.text.charset", where, charset.empty() ? "us-ascii" : charset);
                }
            }
        }
        if (e.is_multipart()) {
            std::string boundary = e.param("boundary");
            std::string problem;
            if (boundary.empty()) {
                problem = "no boundary parameter";
            } else if (boundary.size() > 70) {
                problem = "boundary of " + std::to_string(boundary.size()) + " characters";
            } else if (boundary.back() == ' ') {
                problem = "boundary ends in a space";
            } else {
                for (char c : boundary) {
                    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') ||
                              std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
                    if (!ok) {
                        problem = "boundary character " + show(std::string(1, c)) + " not allowed";
                        break;
                    }
                }
            }
            f.judge(problem.empty(), "rfc2046.multipart.boundary", where,
                    "a boundary of 1-70 allowed characters", problem);
            f.judge(!e.children.empty(), "rfc2046.multipart.parts", where, "at least one body part",
                    "no body part");
        }
        if (e.disposition) {
            std::vector<std::string> problems = e.disposition->problems;
            if (!message::is_mime_token(e.disposition->value))
                problems.insert(problems.begin(), "disposition type " + show(e.disposition->value) +
                                                      " is not a token");
            if (e.disposition->trailing_semicolon)
                problems.push_back("a \";\" with no parameter after it");
            f.judge(problems.empty(), "rfc2183.disposition.syntax", where + " Content-Disposition",
                    "type *(; parameter=token-or-quoted-string)", join(problems, "; "));
            if (const auto* size = e.disposition->param("size")) {
                bool digits = !size->value.empty() &&
                              size->value.find_first_not_of("0123456789") == std::string::npos;
                f.judge(digits, "rfc2183.disposition.size", where + " Content-Disposition",
                        "size=<decimal octets>", show(size->value));
            }
        }
    });
    for (const auto& w : m.parser_warnings) {
        if (w.find("close delimiter") != std::string::npos)
            f.unmet("rfc2046.multipart.boundary", "message",
                    "every multipart body ends with its close delimiter", w);
    }
    // Encoded words in unstructured top-level fields.
    for (const auto& fld : m.headers().fields) {
        if (fld.raw_value.find("=?") == std::string::npos) continue;
        auto d = message::decode_encoded_words(fld.raw_value);
        if (!d.had_encoded_words) continue;
        f.judge(d.problems.empty(), "rfc2047.encoded-word.syntax", fld.name,
                "well-formed encoded words", join(d.problems, "; "));
    }
}

// ---- PGP/MIME (RFC 3156) ----------------------------------------------------------------------

void check_pgp_mime(const MessageContext&, const Message& m, Findings& f) {
    message::for_each_entity(m.root, [&](const Entity& e) {
        std::string where = e.where();
        if (e.is("multipart", "encrypted")) {
            std::string protocol = message::to_lower(e.param("protocol"));
            f.judge(protocol == "application/pgp-encrypted", "rfc3156.encrypted.protocol", where,
                    "protocol=\"application/pgp-encrypted\"",
                    protocol.empty() ? "no protocol parameter" : show(protocol));
            std::string problem;
            if (e.children.size() != 2) {
                problem = std::to_string(e.children.size()) + " parts";
            } else if (!e.children[0].is("application", "pgp-encrypted")) {
                problem =
                    "first part is " + e.children[0].type.type + "/" + e.children[0].type.subtype;
            } else if (e.children[0].body.find("Version: 1") == std::string::npos) {
                problem = "first part does not say \"Version: 1\"";
            } else if (!e.children[1].is("application", "octet-stream")) {
                problem =
                    "second part is " + e.children[1].type.type + "/" + e.children[1].type.subtype;
            }
            f.judge(problem.empty(), "rfc3156.encrypted.two-parts", where,
                    "application/pgp-encrypted (Version: 1), then application/octet-stream",
                    problem);
            if (e.children.size() == 2) {
                auto armor = openpgp::dearmor(e.children[1].body);
                f.judge(armor.has_value() && armor->label == "PGP MESSAGE", "rfc3156.armor",
                        e.children[1].where(), "an ASCII-armored PGP MESSAGE",
                        armor ? "armor label " + show(armor->label) : armor.error().message);
            }
        }
        if (e.is("multipart", "signed")) {
            std::string protocol = message::to_lower(e.param("protocol"));
            std::string micalg = message::to_lower(e.param("micalg"));
            std::string problem;
            if (protocol != "application/pgp-signature")
                problem = "protocol " + show(protocol);
            else if (micalg.rfind("pgp-", 0) != 0)
                problem = "micalg " + show(micalg);
            else if (e.children.size() != 2)
                problem = std::to_string(e.children.size()) + " parts";
            else if (!e.children[1].is("application", "pgp-signature"))
                problem =
                    "second part is " + e.children[1].type.type + "/" + e.children[1].type.subtype;
            f.judge(problem.empty(), "rfc3156.signed.structure", where,
                    "protocol=\"application/pgp-signature\", micalg=pgp-<hash>, two parts",
                    problem);
        }
    });
}

// ---- MDN (RFC 8098) ---------------------------------------------------------------------------

void check_dnt_syntax(const MessageContext&, const Message& m, Findings& f) {
    for (const char* name : {"Disposition-Notification-To", "Chat-Disposition-Notification-To"}) {
        for (const HeaderField* fld : m.headers().all(name)) {
            auto list = message::parse_mailbox_list(fld->raw_value);
            f.judge(list.has_value(), "rfc8098.dnt.syntax", name, "a mailbox list",
                    list ? show(fld->value) : show(fld->value) + ": " + list.error().message);
        }
    }
}

void check_mdn(const MessageContext&, const Message& m, Findings& f) {
    if (!is_mdn(m)) return;
    const Entity& root = m.root;
    bool report = root.is("multipart", "report") &&
                  message::iequals(root.param("report-type"), "disposition-notification");
    f.judge(report, "rfc8098.mdn.multipart-report", "header Content-Type",
            "multipart/report; report-type=disposition-notification",
            root.type.type + "/" + root.type.subtype +
                (root.param("report-type").empty() ? ""
                                                   : "; report-type=" + root.param("report-type")));
    if (!root.is("multipart", "report")) return;
    bool first_text = !root.children.empty() && root.children[0].is("text", "*");
    f.judge(first_text, "rfc8098.mdn.human-readable-first", "part 1",
            "a human-readable text part first",
            root.children.empty()
                ? "no parts"
                : root.children[0].type.type + "/" + root.children[0].type.subtype);
    const Entity* note = nullptr;
    for (const auto& c : root.children)
        if (c.is("message", "disposition-notification")) note = &c;
    bool second =
        root.children.size() >= 2 && root.children[1].is("message", "disposition-notification");
    f.judge(second, "rfc8098.mdn.notification-part", "part 2",
            "message/disposition-notification as the second part",
            note ? "it is " + note->where() : "no message/disposition-notification part");
    if (note == nullptr) return;
    auto fields = message::parse_header_section(note->body + "\n\n");
    if (!fields) return;
    auto get = [&](std::string_view name) -> std::optional<std::string> {
        for (const auto& fl : fields->fields)
            if (message::iequals(fl.name, name)) return message::unfold(fl.raw_value);
        return std::nullopt;
    };
    std::string where = note->where();
    auto ua = get("Reporting-UA");
    f.judge(ua.has_value(), "rfc8098.fields.reporting-ua", where + " Reporting-UA",
            "a Reporting-UA field", "absent");
    auto fr = get("Final-Recipient");
    bool fr_ok = fr && fr->find(';') != std::string::npos && fr->find(';') > 0 &&
                 fr->find(';') + 1 < fr->size();
    f.judge(fr_ok, "rfc8098.fields.final-recipient", where + " Final-Recipient",
            "address-type;address", fr ? show(*fr) : "absent");
    auto omi = get("Original-Message-ID");
    bool omi_ok = omi && message::parse_msg_id(*omi).has_value();
    f.judge(omi_ok, "rfc8098.fields.original-message-id", where + " Original-Message-ID",
            "<id-left@id-right>", omi ? show(*omi) : "absent");
    auto disp = get("Disposition");
    std::string problem;
    if (!disp) {
        problem = "absent";
    } else {
        std::string d = message::to_lower(*disp);
        std::size_t semi = d.find(';');
        std::string modes = std::string(message::trim(d.substr(0, semi)));
        std::string type =
            semi == std::string::npos ? "" : std::string(message::trim(d.substr(semi + 1)));
        if (std::size_t slash = type.find('/'); slash != std::string::npos) type.resize(slash);
        type = std::string(message::trim(type));
        std::size_t slash = modes.find('/');
        std::string action = std::string(message::trim(modes.substr(0, slash)));
        std::string sending =
            slash == std::string::npos ? "" : std::string(message::trim(modes.substr(slash + 1)));
        if (action != "manual-action" && action != "automatic-action")
            problem = "action mode " + show(action);
        else if (sending != "mdn-sent-manually" && sending != "mdn-sent-automatically")
            problem = "sending mode " + show(sending);
        else if (type != "displayed" && type != "deleted" && type != "dispatched" &&
                 type != "processed")
            problem = "disposition type " + show(type);
    }
    f.judge(problem.empty(), "rfc8098.fields.disposition", where + " Disposition",
            "action-mode/sending-mode; displayed|deleted|dispatched|processed",
            disp ? show(*disp) + ": " + problem : problem);
}

// ---- Header protection (RFC 9788) ---------------------------------------------------------------

bool is_structural_or_trace(std::string_view name) {
    std::string n = message::to_lower(name);
    if (n.rfind("content-", 0) == 0 || n == "mime-version") return true;
    static const std::set<std::string> trace{"received",
                                             "return-path",
                                             "delivered-to",
                                             "dkim-signature",
                                             "arc-seal",
                                             "arc-message-signature",
                                             "arc-authentication-results",
                                             "authentication-results",
                                             "x-original-to"};
    return trace.count(n) > 0;
}

std::string squash(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : message::trim(s)) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

void check_header_protection(const MessageContext& ctx, const Message&, Findings& f) {
    if (!ctx.inner_layer()) return;
    const Message& inner = *ctx.crypto().inner;
    auto hp_outer = inner.headers().all("HP-Outer");
    std::string hp = message::to_lower(inner.root.param("hp"));
    if (hp.empty() && hp_outer.empty()) return;  // the sender does not claim RFC 9788
    f.judge(hp == "cipher", "rfc9788.hp.parameter", "header Content-Type", "hp=\"cipher\"",
            hp.empty() ? "no hp parameter (but HP-Outer fields are present)" : "hp=" + show(hp));
    std::vector<std::string> missing;
    for (const char* name : {"From", "Date", "Message-ID"})
        if (!inner.headers().has(name)) missing.push_back(name);
    if (ctx.outer().headers().has("Subject") && !inner.headers().has("Subject"))
        missing.push_back("Subject");
    f.judge(missing.empty(), "rfc9788.hp.inner-headers", "header",
            "the real From, Date, Message-ID (and Subject)", "missing " + join(missing));
    // Each HP-Outer names a field of the outer header with its value.
    std::vector<std::pair<std::string, std::string>> recorded;
    for (const HeaderField* h : hp_outer) {
        std::size_t colon = h->value.find(':');
        if (colon == std::string::npos) {
            f.unmet("rfc9788.hp-outer.matches", "HP-Outer", "HP-Outer: Name: value",
                    show(h->value, 60));
            continue;
        }
        std::string name(message::trim(h->value.substr(0, colon)));
        std::string value = squash(h->value.substr(colon + 1));
        recorded.emplace_back(name, value);
        bool present = false;
        for (const HeaderField* o : ctx.outer().headers().all(name))
            if (squash(o->value) == value) present = true;
        f.judge(present, "rfc9788.hp-outer.matches", "HP-Outer " + name,
                "an outer " + name + " field with this value",
                "outer has " + (ctx.outer().headers().has(name)
                                    ? show(ctx.outer().headers().first(name)->value, 60)
                                    : "no such field"));
    }
    std::vector<std::string> unrecorded;
    for (const auto& o : ctx.outer().headers().fields) {
        if (is_structural_or_trace(o.name)) continue;
        bool found = false;
        for (const auto& [n, v] : recorded)
            if (message::iequals(n, o.name) && v == squash(o.value)) found = true;
        if (!found) unrecorded.push_back(o.name);
    }
    f.judge(unrecorded.empty(), "rfc9788.hp-outer.recorded", "[outer] header",
            "an HP-Outer copy in the inner header for every non-structural outer field",
            "not recorded: " + join(unrecorded));
}

}  // namespace

// Date, address and msg-id syntax apply to every header section that carries those fields: the
// outer one and, for an encrypted message, the protected one inside (RFC 9788 moves the real
// values there). Line lengths and required fields stay with the message as transmitted.
RuleSet rfc5322_rules() {
    return {
        "rfc5322",
        {
            {"line lengths",
             Needs::envelope,
             {"rfc5322.syntax.line-length", "rfc5322.syntax.line-length-78", "rfc5322.syntax.crlf"},
             check_lines},
            {"field syntax",
             Needs::envelope,
             {"rfc5322.syntax.field", "rfc5322.syntax.header-ascii"},
             check_field_syntax},
            {"required fields",
             Needs::envelope,
             {"rfc5322.fields.date-required", "rfc5322.fields.from-required",
              "rfc5322.fields.at-most-once", "rfc5322.fields.message-id"},
             check_required_fields},
            {"date",
             Needs::each_layer,
             {"rfc5322.date.syntax", "rfc5322.date.day-of-week"},
             check_date},
            {"addresses",
             Needs::each_layer,
             {"rfc5322.address.syntax", "rfc5322.fields.sender-if-multiple-from"},
             check_addresses},
            {"msg-ids",
             Needs::each_layer,
             {"rfc5322.msg-id.syntax", "rfc5322.msg-id.references-parent"},
             check_msg_ids},
        }};
}

RuleSet mime_rules() {
    return {"mime",
            {
                {"MIME-Version", Needs::envelope, {"rfc2045.mime-version"}, check_mime_version},
                {"MIME parts",
                 Needs::each_layer,
                 {"rfc2045.content-type.syntax", "rfc2045.cte.value", "rfc2045.cte.composite",
                  "rfc2045.cte.7bit-data", "rfc2045.base64.lines", "rfc2046.multipart.boundary",
                  "rfc2046.multipart.parts", "rfc2046.text.charset", "rfc2047.encoded-word.syntax",
                  "rfc2183.disposition.syntax", "rfc2183.disposition.size"},
                 check_mime_parts},
            }};
}

RuleSet pgp_mime_rules() {
    return {"pgp-mime",
            {{"PGP/MIME structure",
              Needs::each_layer,
              {"rfc3156.encrypted.protocol", "rfc3156.encrypted.two-parts", "rfc3156.armor",
               "rfc3156.signed.structure"},
              check_pgp_mime}}};
}

RuleSet mdn_rules() {
    return {"mdn",
            {
                {"MDN request syntax", Needs::content, {"rfc8098.dnt.syntax"}, check_dnt_syntax},
                {"MDN structure",
                 Needs::content,
                 {"rfc8098.mdn.multipart-report", "rfc8098.mdn.human-readable-first",
                  "rfc8098.mdn.notification-part", "rfc8098.fields.reporting-ua",
                  "rfc8098.fields.final-recipient", "rfc8098.fields.original-message-id",
                  "rfc8098.fields.disposition"},
                 check_mdn},
            }};
}

RuleSet header_protection_rules() {
    return {"rfc9788",
            {{"header protection",
              Needs::content,
              {"rfc9788.hp.parameter", "rfc9788.hp.inner-headers", "rfc9788.hp-outer.recorded",
               "rfc9788.hp-outer.matches"},
              check_header_protection}}};
}

}  // namespace coitest::messages
