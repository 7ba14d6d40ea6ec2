// The COI dialect (coi/coi-client-spec.md): header fields, text and binary parts, Chat-Content,
// edit/delete, read receipts, contacts, profiles, groups. Requirement IDs: coi-client.toml.
#include "messages/engine.hpp"
#include "messages/rule_util.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <regex>
#include <set>

namespace coitest::messages {

using message::Findings;
using message::show;
using message::trim;

namespace {

const HeaderField* hdr(const MessageContext& ctx, std::string_view name) {
    return ctx.header(name);
}

// Values coi-client-spec.md defines: the list under "COI-specific Message Header Fields" plus
// those the later sections introduce (groupinfo, location, grouprequested).
const std::set<std::string>& known_chat_content() {
    static const std::set<std::string> values{"ignore",
                                              "status",
                                              "editrequest",
                                              "deleterequest",
                                              "preview",
                                              "contact",
                                              "profile",
                                              "profilerequest",
                                              "group",
                                              "groupprofile",
                                              "groupprofilerequest",
                                              "groupleft",
                                              "poll",
                                              "pollvote",
                                              "pollclose",
                                              "groupinfo",
                                              "location",
                                              "grouprequested"};
    return values;
}

std::string sha3_256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha3_256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
        return {};
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
        std::size_t j = i;
        while (j < s.size() && !(s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

// Chat-Content of the message itself (top-level field of the content layer).
std::string top_chat_content(const MessageContext& ctx) {
    const HeaderField* h = ctx.header("Chat-Content");
    if (!h) return {};
    return message::to_lower(message::parse_parameterized(h->raw_value).value);
}

// class="…" values in HTML, good enough for microformat markers (no HTML parser on purpose).
bool has_class(std::string_view html, std::string_view cls) {
    std::size_t pos = 0;
    while ((pos = html.find("class=", pos)) != std::string_view::npos) {
        pos += 6;
        if (pos >= html.size()) break;
        char q = html[pos];
        std::size_t end =
            (q == '"' || q == '\'') ? html.find(q, pos + 1) : html.find_first_of(" >", pos);
        std::size_t start = (q == '"' || q == '\'') ? pos + 1 : pos;
        if (end == std::string_view::npos) break;
        std::string_view classes = html.substr(start, end - start);
        for (auto c : split_ws(classes))
            if (c == cls) return true;
        pos = end;
    }
    return false;
}

std::vector<std::string> class_texts(std::string_view html, std::string_view cls) {
    std::vector<std::string> out;
    std::string needle = "class=\"" + std::string(cls) + "\"";
    std::size_t pos = 0;
    while ((pos = html.find(needle, pos)) != std::string_view::npos) {
        std::size_t gt = html.find('>', pos);
        std::size_t lt = gt == std::string_view::npos ? gt : html.find('<', gt);
        if (lt == std::string_view::npos) break;
        out.emplace_back(trim(html.substr(gt + 1, lt - gt - 1)));
        pos = lt;
    }
    return out;
}

const Entity* first_html(const Message& m) {
    for (const Entity* e : leaves(m.root))
        if (e->is("text", "html")) return e;
    return nullptr;
}

// ---- Header fields ------------------------------------------------------------------------

void check_headers(const MessageContext& ctx, const Message& m, Findings& f) {
    const HeaderField* cv = hdr(ctx, "Chat-Version");
    if (!cv) {
        f.unmet("coi-client.header.chat-version", ctx.where("Chat-Version"), "Chat-Version: 1.0",
                "no Chat-Version field");
    } else {
        auto pv = message::parse_parameterized(cv->raw_value);
        f.judge(pv.value == "1.0", "coi-client.header.chat-version", ctx.where("Chat-Version"),
                "Chat-Version: 1.0", show(cv->value));
        if (!pv.params.empty())
            f.chose("coi-client.header.chat-version-params", ctx.where("Chat-Version"),
                    show(cv->value));
    }
    const HeaderField* from = hdr(ctx, "From");
    if (from) {
        auto list = message::parse_mailbox_list(from->raw_value);
        f.judge(list && list->size() == 1, "coi-client.header.from-single", ctx.where("From"),
                "exactly one address",
                list ? std::to_string(list->size()) + " addresses" : list.error().message);
    } else {
        f.unmet("coi-client.header.from-single", ctx.where("From"), "exactly one address",
                "no From field");
    }
    const HeaderField* date = hdr(ctx, "Date");
    if (!date) {
        f.unmet("coi-client.header.date", ctx.where("Date"), "an RFC 5322 §3.3 Date",
                "no Date field");
    } else {
        auto dt = message::parse_date(date->raw_value);
        std::string problem = dt ? "" : dt.error().message;
        if (dt && dt->weekday && *dt->weekday != dt->actual_weekday())
            problem = message::weekday_name(*dt->weekday) + " but the date is a " +
                      message::weekday_name(dt->actual_weekday());
        f.judge(problem.empty(), "coi-client.header.date", ctx.where("Date"),
                "an RFC 5322 §3.3 date-time",
                show(date->value) + (problem.empty() ? "" : ": " + problem));
    }
    const HeaderField* mid = hdr(ctx, "Message-ID");
    if (!mid) {
        f.unmet("coi-client.header.message-id", ctx.where("Message-ID"), "<chat$UNIQUE@DOMAIN>",
                "no Message-ID field");
    } else {
        auto id = message::parse_msg_id(mid->raw_value);
        bool ok = id && id->rfind("chat$", 0) == 0 && id->find('@') > 5;
        f.judge(ok, "coi-client.header.message-id", ctx.where("Message-ID"), "<chat$UNIQUE@DOMAIN>",
                id ? show(mid->value) : show(mid->value) + ": " + id.error().message);
    }
    // MIME-Version lives on the transmitted message.
    const HeaderField* mv = ctx.outer().headers().first("MIME-Version");
    std::string v = mv ? mv->value : "";
    if (auto p = v.find('('); p != std::string::npos) v = std::string(trim(v.substr(0, p)));
    f.judge(mv && v == "1.0", "coi-client.header.mime-version", "MIME-Version", "MIME-Version: 1.0",
            mv ? show(mv->value) : "no MIME-Version field");
    const HeaderField* refs = hdr(ctx, "References");
    const HeaderField* irt = hdr(ctx, "In-Reply-To");
    if (refs) {
        auto ids = message::parse_msg_id_list(refs->raw_value);
        if (ids) {
            std::string problem;
            if (ids->size() > 2) problem = std::to_string(ids->size()) + " message IDs";
            if (irt) {
                auto parent = message::parse_msg_id_list(irt->raw_value);
                if (parent && parent->size() == 1 && ids->back() != parent->front())
                    problem = "last entry <" + ids->back() + "> is not the In-Reply-To message";
            }
            f.judge(problem.empty(), "coi-client.header.references", ctx.where("References"),
                    "the first and the last message ID only", problem);
        }
    }
    std::string subject = decoded(hdr(ctx, "Subject"));
    if (message::istarts_with(subject, "Re:") || message::istarts_with(subject, "Chat: Re:"))
        f.judge(irt != nullptr, "coi-client.header.in-reply-to", ctx.where("In-Reply-To"),
                "In-Reply-To on a reply (Subject " + show(subject, 40) + ")", "no In-Reply-To");
    f.judge(!hdr(ctx, "Sender"), "coi-client.header.no-sender", ctx.where("Sender"),
            "no Sender field", show(value_of(hdr(ctx, "Sender"))));
    if (const HeaderField* dnt = hdr(ctx, "Disposition-Notification-To")) {
        f.chose("coi-client.header.dnt-optional", ctx.where("Disposition-Notification-To"),
                "requests read receipts");
        auto d = single_from(dnt);
        auto fr = single_from(from);
        // Without a single From there is nothing to compare with (the From rules report that).
        if (fr) {
            bool same = d && message::canonical_address(d->address()) ==
                                 message::canonical_address(fr->address());
            f.judge(same, "coi-client.header.dnt-equals-from",
                    ctx.where("Disposition-Notification-To"), "the From address " + fr->address(),
                    show(dnt->value));
        }
    }
    if (hdr(ctx, "Subject"))
        f.chose("coi-client.header.subject-optional", ctx.where("Subject"), show(subject, 60));
    (void)m;
}

// ---- Parts: compatibility, text, binary ---------------------------------------------------------

bool structural_part(const Entity& e, const Entity* parent) {
    if (e.is("application", "pgp-encrypted") || e.is("application", "pgp-signature") ||
        e.is("message", "disposition-notification") || e.is("text", "rfc822-headers"))
        return true;
    return parent && parent->is("multipart", "encrypted");
}

void check_parts(const MessageContext&, const Message& m, Findings& f) {
    bool plain = false, explanatory = false;
    std::size_t binaries = 0;
    std::function<void(const Entity&, const Entity*)> walk = [&](const Entity& e,
                                                                 const Entity* parent) {
        if (!e.children.empty() || e.is_multipart()) {
            for (const auto& c : e.children) walk(c, &e);
            return;
        }
        std::string cc = chat_content(e);
        if (e.is("text", "plain") && !is_attachment(e) && cc != "ignore") plain = true;
        if ((e.is("text", "plain") || e.is("text", "html") || e.is("image", "*") ||
             e.is("audio", "*") || e.is("video", "*")) &&
            cc != "ignore")
            explanatory = true;
        if (e.is("text", "markdown"))
            f.chose("coi-client.text.markdown", e.where(), "a text/markdown part");
        if (e.is("text", "*") || e.is("message", "*") || structural_part(e, parent)) return;
        ++binaries;
        std::string where = e.where();
        f.judge(!e.transfer_encoding.empty(), "coi-client.binary.cte", where,
                "a Content-Transfer-Encoding field",
                "none on " + e.type.type + "/" + e.type.subtype);
        bool inline_disp = e.disposition && message::iequals(e.disposition->value, "inline");
        f.judge(inline_disp, "coi-client.binary.disposition-inline", where,
                "Content-Disposition: inline",
                e.disposition ? show(e.disposition->value) : "no Content-Disposition");
        std::string problem;
        const message::Parameter* fn = e.disposition ? e.disposition->param("filename") : nullptr;
        const message::Parameter* size = e.disposition ? e.disposition->param("size") : nullptr;
        if (!fn) problem = "no filename";
        if (!size)
            problem += std::string(problem.empty() ? "" : ", ") + "no size";
        else if (size->value != std::to_string(e.body.size()) && !e.body.empty() &&
                 e.encoded_body.find("...") ==
                     std::string::npos)  // elided example data is no content
            problem += std::string(problem.empty() ? "" : ", ") + "size=" + size->value +
                       " but the content has " + std::to_string(e.body.size()) + " octets";
        f.judge(problem.empty(), "coi-client.binary.disposition-params", where,
                "filename and size (octets) parameters", problem);
    };
    walk(m.root, nullptr);
    f.judge(explanatory, "coi-client.compat.explanatory-part", "body",
            "a text/plain, text/html, image, audio or video part a non-COI reader can show",
            "none");
    f.judge(plain, "coi-client.compat.text-plain-part", "body", "a text/plain part",
            "no text/plain part");
    if (binaries > 1)
        f.chose("coi-client.binary.several-attachments", "body",
                std::to_string(binaries) + " binary parts");
}

void check_text(const MessageContext&, const Message& m, Findings& f) {
    for (const Entity* e : text_parts(m)) {
        if (is_mdn(m)) break;
        std::string charset = message::to_lower(e->param("charset"));
        std::string format = message::to_lower(e->param("format"));
        bool ok = (charset == "utf-8") && format == "flowed";
        f.judge(ok, "coi-client.text.plain-utf8-flowed", e->where() + " Content-Type",
                "text/plain; charset=UTF-8; format=flowed",
                e->content_type.value.empty()
                    ? "no Content-Type"
                    : show(value_of(e->headers.first("Content-Type")), 80));
    }
}

// ---- Chat-Content ---------------------------------------------------------------------------

void check_chat_content(const MessageContext&, const Message& m, Findings& f) {
    std::vector<std::string> unknown;
    message::for_each_entity(m.root, [&](const Entity& e) {
        for (const HeaderField* h : e.headers.all("Chat-Content")) {
            auto pv = message::parse_parameterized(h->raw_value);
            std::string v = message::to_lower(pv.value);
            std::string where = (e.path.empty() ? std::string() : e.where() + " ") + "Chat-Content";
            if (known_chat_content().count(v)) {
                f.chose("coi-client.chat-content.optional", where, v);
                if (v == "preview")
                    f.chose("coi-client.preview.optional", where, "adds a preview part");
                continue;
            }
            unknown.push_back(v);
            // A client-specific value carries a name prefix (reverse domain recommended).
            bool prefixed = pv.value.find('.') != std::string::npos;
            f.judge(prefixed, "coi-client.chat-content.client-prefix", where,
                    "one of the spec's values, or a value starting with a client-specific name",
                    show(pv.value) + " is neither");
            if (prefixed) {
                static const std::regex reverse(R"(^[a-z]{2,}(\.[a-z0-9-]+){2,}$)",
                                                std::regex::icase);
                f.judge(std::regex_match(pv.value, reverse),
                        "coi-client.chat-content.reverse-domain", where,
                        "a reverse-domain prefix like com.example.Name", show(pv.value));
            }
        }
    });
    if (!unknown.empty()) {
        bool shown = false;
        for (const Entity* e : leaves(m.root)) {
            // A part's own Chat-Content marks it as data; the message-level field labels the whole
            // message, whose single part (if it is one) is the explanation.
            std::string cc = e->path.empty() ? std::string() : chat_content(*e);
            bool ext = std::find(unknown.begin(), unknown.end(), cc) != unknown.end();
            if (ext || cc == "ignore") continue;
            if (e->is("text", "plain") || e->is("text", "html") || e->is("image", "*") ||
                e->is("audio", "*") || e->is("video", "*"))
                shown = true;
        }
        f.judge(shown, "coi-client.extension.explanatory-part", "body",
                "a part explaining the extension message to other clients",
                "only the extension data");
    }
}

// ---- Edit, delete, read receipts ------------------------------------------------------------

void check_edit_delete(const MessageContext& ctx, const Message&, Findings& f) {
    std::string cc = top_chat_content(ctx);
    const HeaderField* irt = hdr(ctx, "In-Reply-To");
    auto parent = irt ? message::parse_msg_id_list(irt->raw_value)
                      : Result<std::vector<std::string>>(make_error(ErrorKind::protocol, "absent"));
    if (cc == "editrequest" || cc == "deleterequest") {
        const char* id =
            cc == "editrequest" ? "coi-client.edit.request" : "coi-client.delete.request";
        f.judge(parent && parent->size() == 1, id, ctx.where("In-Reply-To"),
                "In-Reply-To naming the " +
                    std::string(cc == "editrequest" ? "edited" : "deleted") + " message",
                irt ? show(irt->value) : "no In-Reply-To");
        if (hdr(ctx, "Disposition-Notification-To"))
            f.chose("coi-client.edit.read-receipt", ctx.where("Disposition-Notification-To"),
                    "asks for a read receipt");
    }
}

void check_mdn_format(const MessageContext&, const Message& m, Findings& f) {
    if (!is_mdn(m)) return;
    const Entity& root = m.root;
    bool note = false, original = false;
    for (const auto& c : root.children) {
        if (c.is("message", "disposition-notification")) note = true;
        if (c.is("message", "rfc822") || c.is("text", "rfc822-headers") ||
            c.is("message", "global"))
            original = true;
    }
    bool ok = root.is("multipart", "report") &&
              message::iequals(root.param("report-type"), "disposition-notification") && note;
    f.judge(ok, "coi-client.mdn.format", "header Content-Type",
            "multipart/report; report-type=disposition-notification with a "
            "message/disposition-notification part",
            root.type.type + "/" + root.type.subtype);
    f.judge(!original, "coi-client.mdn.no-original", "body", "no copy of the original message",
            "the original is included");
}

// ---- Contacts, profiles -----------------------------------------------------------------------

void check_storage(const MessageContext& ctx, const Message& m, Findings& f) {
    std::string cc = top_chat_content(ctx);
    const Message& outer = ctx.outer();
    if (cc == "contact" || (cc == "profile" && !outer.headers().has("To"))) {
        f.pass("coi-client.contact.chat-content", ctx.where("Chat-Content"), cc);
        // The server reads these from the header it can see: the outer one.
        std::vector<std::string> missing;
        for (const char* n : {"From", "Chat-Content"})
            if (!outer.headers().has(n)) missing.push_back(n);
        f.judge(missing.empty(), "coi-client.contact.header-data", "[outer] header",
                "From and Chat-Content where the server can read them",
                "missing outside: " + join(missing));
        const Entity& root = outer.root;
        bool type_ok = root.is("text", "html") || root.is("multipart", "alternative") ||
                       root.is("multipart", "encrypted") ||
                       (cc == "profile" && root.is("multipart", "mixed"));
        f.judge(type_ok, "coi-client.contact.content-type", "header Content-Type",
                "text/html, multipart/alternative or multipart/encrypted",
                root.type.type + "/" + root.type.subtype);
        f.judge(
            ctx.crypto().encrypted,
            cc == "contact" ? "coi-client.contact.encrypt-body" : "coi-client.profile.encrypt-body",
            "message", "an encrypted body (multipart/encrypted)", "stored in cleartext");
        const Entity* html = first_html(m);
        if (cc == "contact") {
            f.judge(html && has_class(html->body, "h-card"), "coi-client.contact.h-card",
                    html ? html->where() : "body", "an h-card in text/html",
                    html ? "no h-card" : "no text/html part");
            if (html && has_class(html->body, "h-card")) {
                bool fields = has_class(html->body, "p-name") && has_class(html->body, "u-email");
                f.judge(fields, "coi-client.contact.hcard-fields", html->where(),
                        "p-name and u-email", "missing");
            }
            // COI-From-Hash: SHA3-256 of each normalised address of the contact.
            auto hashes = outer.headers().all("COI-From-Hash");
            std::vector<std::string> emails =
                html ? class_texts(html->body, "u-email") : std::vector<std::string>{};
            std::set<std::string> want;
            for (const auto& e : emails) {
                std::string n = message::to_lower(e);
                n.erase(std::remove(n.begin(), n.end(), '"'), n.end());
                want.insert(sha3_256_hex(n));
            }
            std::set<std::string> have;
            std::string problem;
            for (const HeaderField* h : hashes) {
                std::string v = message::to_lower(trim(h->value));
                if (v.size() != 64 || v.find_first_not_of("0123456789abcdef") != std::string::npos)
                    problem = "not a SHA3-256 hex value: " + show(h->value, 70);
                have.insert(v);
            }
            if (hashes.empty())
                problem = "no COI-From-Hash field";
            else if (problem.empty() && !want.empty() && have != want)
                problem = std::to_string(have.size()) +
                          " hashes do not match the SHA3-256 of the h-card's " +
                          std::to_string(emails.size()) + " u-email addresses";
            f.judge(problem.empty(), "coi-client.contact.from-hash", "COI-From-Hash",
                    "one SHA3-256 hex of each normalised contact address", problem);
        }
        if (cc == "profile" && m.root.is_multipart()) {
            for (const Entity* e : leaves(m.root)) {
                if (!e->is("text", "html")) continue;
                f.judge(chat_content(*e) == "profile", "coi-client.profile.part-marker", e->where(),
                        "Chat-Content: profile on every profile part",
                        e->headers.has("Chat-Content") ? show(chat_content(*e)) : "none");
            }
        }
        if (const HeaderField* blocked = outer.headers().first("COI-Blocked"))
            f.pass("coi-client.contact.blocked", "COI-Blocked", show(blocked->value));
    }
    // A profile part in a chat message: text/html inside multipart/alternative.
    if (cc != "profile") {
        std::function<void(const Entity&, const Entity*)> walk = [&](const Entity& e,
                                                                     const Entity* parent) {
            for (const auto& c : e.children) walk(c, &e);
            if (!e.path.empty() && chat_content(e) == "profile")
                f.judge(
                    e.is("text", "html") && parent && parent->is("multipart", "alternative"),
                    "coi-client.profile.part-in-alternative", e.where(),
                    "the profile as the text/html part of a multipart/alternative",
                    e.type.type + "/" + e.type.subtype +
                        (parent ? " in " + parent->type.type + "/" + parent->type.subtype : ""));
        };
        walk(m.root, nullptr);
    }
    if (cc == "profilerequest")
        f.chose("coi-client.profile.request", ctx.where("Chat-Content"), "requests a profile");
    // Initial messages carry the sender's contact information.
    bool initial = !hdr(ctx, "References") && !hdr(ctx, "In-Reply-To");
    if (initial && cc.empty() && !is_mdn(m)) {
        bool profile = false;
        message::for_each_entity(m.root, [&](const Entity& e) {
            if (chat_content(e) == "profile") profile = true;
        });
        f.judge(profile, "coi-client.text.initial-contact-info", "body",
                "a Chat-Content: profile part in the first message of a conversation", "none");
    }
}

// ---- Groups -------------------------------------------------------------------------------------

void check_groups(const MessageContext& ctx, const Message& m, Findings& f) {
    const HeaderField* mid = hdr(ctx, "Message-ID");
    auto id = mid ? message::parse_msg_id(mid->raw_value)
                  : Result<std::string>(make_error(ErrorKind::protocol, ""));
    std::string cc = top_chat_content(ctx);
    bool group = id && id->rfind("chat$group.", 0) == 0;
    if (cc == "groupleft")
        f.judge(group, "coi-client.groupleft.message", ctx.where("Message-ID"),
                "a group Message-ID (chat$group.ID.…)", mid ? show(mid->value) : "no Message-ID");
    if (group) {
        std::string rest = id->substr(11, id->rfind('@') - 11);
        std::size_t dot = rest.find('.');
        std::string gid = rest.substr(0, dot);
        bool charset = !gid.empty() &&
                       gid.find_first_not_of(
                           "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") ==
                           std::string::npos;
        f.judge(charset, "coi-client.group.id-charset", ctx.where("Message-ID"),
                "a group ID of [0-9A-Za-z_-]", show(gid));
        f.judge(gid.size() >= 12, "coi-client.group.id-length", ctx.where("Message-ID"),
                "a group ID of at least 12 characters",
                std::to_string(gid.size()) + " characters: " + show(gid));
        f.judge(dot != std::string::npos && dot + 1 < rest.size(),
                "coi-client.group.message-id-format", ctx.where("Message-ID"),
                "<chat$group.ID.UNIQUE@DOMAIN>", show(mid->value));
        if (cc != "group") {
            auto to = recipient_addresses(ctx, false);
            f.judge(!to.empty(), "coi-client.group.recipient", ctx.where("To"),
                    "at least one recipient", "none");
            f.judge(!trim(decoded(hdr(ctx, "Subject"))).empty(), "coi-client.group.subject-name",
                    ctx.where("Subject"), "the group name in Subject", "an empty Subject");
        }
    }
    if (cc == "groupleft") {
        f.judge(!user_text(m).empty(), "coi-client.groupleft.description", "body",
                "a short text saying what happened", "empty text");
        if (hdr(ctx, "Reply-To"))
            f.chose("coi-client.groupleft.reply-to", ctx.where("Reply-To"), "sets Reply-To");
    }
    if (cc == "grouprequested")
        f.judge(!user_text(m).empty(), "coi-client.group.request-info", "body",
                "the request riding on a user-generated message (non-empty text)", "empty text");
    if (cc == "group") {
        f.chose("coi-client.group-storage.optional", ctx.where("Chat-Content"),
                "a group storage message");
        const Entity& root = ctx.outer().root;
        std::size_t htmls = 0;
        const Entity* html = nullptr;
        for (const Entity* e : leaves(m.root))
            if (e->is("text", "html")) {
                ++htmls;
                html = e;
            }
        std::string problem;
        if (!root.is("multipart", "mixed") && !root.is("multipart", "encrypted"))
            problem = root.type.type + "/" + root.type.subtype +
                      " instead of multipart/mixed or multipart/encrypted";
        else if (htmls != 1)
            problem = std::to_string(htmls) + " text/html parts";
        else if (!has_class(html->body, "h-group") || !has_class(html->body, "p-name") ||
                 !has_class(html->body, "p-id"))
            problem = "no h-group with p-name and p-id";
        f.judge(problem.empty(), "coi-client.group-storage.structure", "header Content-Type",
                "multipart/mixed or multipart/encrypted with one text/html h-group part", problem);
    }
    // groupinfo parts.
    message::for_each_entity(m.root, [&](const Entity& e) {
        if (e.path.empty() || chat_content(e) != "groupinfo") return;
        bool ok = e.is("text", "html") && has_class(e.body, "h-group");
        f.judge(ok, "coi-client.groupinfo.part", e.where(), "text/html holding an h-group",
                e.type.type + "/" + e.type.subtype +
                    (has_class(e.body, "h-group") ? "" : " without h-group"));
        const Entity& root = ctx.outer().root;
        bool container = root.is("multipart", "alternative") || root.is("multipart", "mixed") ||
                         root.is("multipart", "encrypted");
        f.judge(container, "coi-client.groupinfo.container", "header Content-Type",
                "multipart/alternative, multipart/mixed or multipart/encrypted",
                root.type.type + "/" + root.type.subtype);
        if (ctx.crypto().encrypted && ctx.inner_layer()) {
            std::size_t cards = 0, keys = 0;
            for (std::size_t p = 0; (p = e.body.find("h-card", p)) != std::string::npos; ++p)
                ++cards;
            for (std::size_t p = 0; (p = e.body.find("u-key", p)) != std::string::npos; ++p) ++keys;
            f.judge(keys >= cards, "coi-client.group.encrypted-keys", e.where(),
                    "a u-key in every participant's h-card",
                    std::to_string(keys) + " keys for " + std::to_string(cards) + " h-cards");
        }
    });
}

// ---- Mentions, locations, pins --------------------------------------------------------------

void check_misc(const MessageContext& ctx, const Message& m, Findings& f) {
    (void)ctx;
    const Entity* html = first_html(m);
    static const std::regex mention(R"(@(?:"[^"]+"|[^\s:@"]+):([^\s@]+@[A-Za-z0-9.-]+))");
    std::string text = message_text(m);
    if (html && text.size() < (1u << 20)) {
        for (std::sregex_iterator it(text.begin(), text.end(), mention), end; it != end; ++it) {
            std::string addr = (*it)[1].str();
            while (!addr.empty() && (addr.back() == '.' || addr.back() == ',')) addr.pop_back();
            bool linked = html->body.find("mailto:" + addr) != std::string::npos &&
                          has_class(html->body, "mention");
            f.judge(linked, "coi-client.mention.html-link", html->where(),
                    "<a class=\"mention\" href=\"mailto:" + addr + "\">",
                    "no such link for " + show((*it)[0].str()));
        }
    }
    message::for_each_entity(m.root, [&](const Entity& e) {
        if (chat_content(e) == "location") {
            bool ok = has_class(e.body, "h-geo") && has_class(e.body, "p-latitude") &&
                      has_class(e.body, "p-longitude");
            f.judge(ok, "coi-client.location.h-geo", e.where(),
                    "an h-geo with p-latitude and p-longitude", "missing");
        }
        if (e.disposition && message::iequals(e.disposition->value, "pinned")) {
            const message::Parameter* timeout = e.disposition->param("timeout");
            std::string problem;
            if (!e.disposition->problems.empty())
                problem = join(e.disposition->problems, "; ");
            else if (timeout && !message::parse_date(timeout->value))
                problem = "timeout " + show(timeout->value) + ": " +
                          message::parse_date(timeout->value).error().message;
            f.judge(problem.empty(), "coi-client.pinned.timeout",
                    e.where() + " Content-Disposition",
                    "pinned, with an optional well-formed date-time timeout", problem);
        }
    });
}

}  // namespace

RuleSet coi_rules() {
    return {"coi-client",
            {
                {"COI header fields",
                 Needs::content,
                 {"coi-client.header.chat-version", "coi-client.header.chat-version-params",
                  "coi-client.header.from-single", "coi-client.header.date",
                  "coi-client.header.message-id", "coi-client.header.mime-version",
                  "coi-client.header.references", "coi-client.header.in-reply-to",
                  "coi-client.header.no-sender", "coi-client.header.dnt-optional",
                  "coi-client.header.dnt-equals-from", "coi-client.header.subject-optional"},
                 check_headers},
                {"parts",
                 Needs::content,
                 {"coi-client.binary.cte", "coi-client.binary.disposition-inline",
                  "coi-client.binary.disposition-params", "coi-client.compat.explanatory-part",
                  "coi-client.compat.text-plain-part", "coi-client.text.markdown",
                  "coi-client.binary.several-attachments"},
                 check_parts},
                {"text", Needs::content, {"coi-client.text.plain-utf8-flowed"}, check_text},
                {"Chat-Content",
                 Needs::content,
                 {"coi-client.chat-content.optional", "coi-client.preview.optional",
                  "coi-client.chat-content.client-prefix", "coi-client.chat-content.reverse-domain",
                  "coi-client.extension.explanatory-part"},
                 check_chat_content},
                {"edit and delete",
                 Needs::content,
                 {"coi-client.edit.request", "coi-client.delete.request",
                  "coi-client.edit.read-receipt"},
                 check_edit_delete},
                {"read receipts",
                 Needs::content,
                 {"coi-client.mdn.format", "coi-client.mdn.no-original"},
                 check_mdn_format},
                {"contacts and profiles",
                 Needs::content,
                 {"coi-client.contact.chat-content", "coi-client.contact.header-data",
                  "coi-client.contact.content-type", "coi-client.contact.encrypt-body",
                  "coi-client.profile.encrypt-body", "coi-client.contact.h-card",
                  "coi-client.contact.hcard-fields", "coi-client.contact.from-hash",
                  "coi-client.profile.part-marker", "coi-client.contact.blocked",
                  "coi-client.profile.part-in-alternative", "coi-client.profile.request",
                  "coi-client.text.initial-contact-info"},
                 check_storage},
                {"groups",
                 Needs::content,
                 {"coi-client.groupleft.message", "coi-client.group.id-charset",
                  "coi-client.group.id-length", "coi-client.group.message-id-format",
                  "coi-client.group.recipient", "coi-client.group.subject-name",
                  "coi-client.groupleft.description", "coi-client.groupleft.reply-to",
                  "coi-client.group.request-info", "coi-client.group-storage.optional",
                  "coi-client.group-storage.structure", "coi-client.groupinfo.part",
                  "coi-client.groupinfo.container", "coi-client.group.encrypted-keys"},
                 check_groups},
                {"mentions, locations, pins",
                 Needs::content,
                 {"coi-client.mention.html-link", "coi-client.location.h-geo",
                  "coi-client.pinned.timeout"},
                 check_misc},
            }};
}

}  // namespace coitest::messages
