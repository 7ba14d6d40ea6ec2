// The chatmail dialect (chatmail/spec.md 0.37.0): what Delta Chat and chatmail clients write.
// Requirement IDs: suites/requirements/chatmail.toml.
#include "messages/engine.hpp"
#include "messages/rule_util.hpp"

#include <algorithm>
#include <functional>

namespace coitest::messages {

using message::Findings;
using message::show;
using message::trim;

namespace {

const HeaderField* hdr(const MessageContext& ctx, std::string_view name) {
    return ctx.header(name);
}

// ---- Encryption and the header confidentiality policy (envelope) ------------------------------

void check_encryption(const MessageContext& ctx, const Message& outer, Findings& f) {
    f.judge(ctx.crypto().encrypted, "chatmail.encryption.autocrypt", "message",
            "a PGP/MIME encrypted message",
            outer.root.type.type + "/" + outer.root.type.subtype + " (not encrypted)");
    if (const HeaderField* ac = outer.headers().first("Autocrypt")) {
        if (ac->value.find("prefer-encrypt=mutual") != std::string::npos)
            f.chose("chatmail.encryption.prefer-mutual", "Autocrypt", "prefer-encrypt=mutual");
    }
    if (ctx.crypto().encrypted && ctx.inner_layer())
        f.judge(ctx.has_protected_headers(), "chatmail.encryption.header-protection",
                "[inner] header", "the real header fields inside the encrypted part",
                "no protected header fields in the payload");
}

void check_hcp(const MessageContext& ctx, const Message& outer, Findings& f) {
    if (!ctx.crypto().encrypted) return;
    const auto& h = outer.headers();
    if (const HeaderField* from = h.first("From")) {
        // The policy keeps the addr-spec and drops the display name. "<addr>" carries the same
        // mailbox with no name (RFC 5322 angle-addr): judged on meaning, it meets the rule.
        auto list = message::parse_mailbox_list(from->raw_value);
        bool bare = list && list->size() == 1 && list->front().display_name.empty();
        f.judge(bare, "chatmail.hcp.from", "[outer] From", "the addr-spec only, no display name",
                show(from->value));
    }
    if (const HeaderField* to = h.first("To")) {
        auto list = message::parse_address_list(to->raw_value);
        bool hidden = list && list->mailboxes.empty() && list->groups.size() == 1 &&
                      list->groups.front().name == "hidden-recipients";
        f.judge(hidden, "chatmail.hcp.to", "[outer] To", "\"hidden-recipients\": ;",
                show(to->value));
    }
    if (const HeaderField* date = h.first("Date")) {
        auto dt = message::parse_date(date->raw_value);
        std::string problem;
        if (!dt) {
            problem = dt.error().message;
        } else if (dt->zone_minutes != 0) {
            problem = "not in UTC";
        } else if (ctx.inner_layer()) {
            if (const HeaderField* real = ctx.crypto().inner->headers().first("Date")) {
                auto rdt = message::parse_date(real->raw_value);
                if (rdt) {
                    long long diff = rdt->unix_seconds() - dt->unix_seconds();
                    if (diff < 0)
                        problem = "later than the real Date " + show(real->value);
                    else if (diff > 7 * 86400)
                        problem = "more than 7 days before the real Date " + show(real->value);
                }
            }
        }
        f.judge(problem.empty(), "chatmail.hcp.date", "[outer] Date",
                "a UTC date within 7 days before the real Date",
                show(date->value) + (problem.empty() ? "" : ": " + problem));
    }
    if (const HeaderField* subject = h.first("Subject"))
        f.judge(trim(subject->value) == "[...]", "chatmail.hcp.subject", "[outer] Subject",
                "\"[...]\"", show(subject->value));
    if (ctx.inner_layer()) {
        const HeaderField* outer_id = h.first("Message-ID");
        const HeaderField* inner_id = ctx.crypto().inner->headers().first("Message-ID");
        if (outer_id && inner_id)
            f.judge(trim(outer_id->value) == trim(inner_id->value), "chatmail.hcp.message-id",
                    "[outer] Message-ID", "the real Message-ID " + show(inner_id->value),
                    show(outer_id->value));
    }
    std::vector<std::string> extra;
    static const std::vector<std::string> kept{"from",           "to",
                                               "date",           "subject",
                                               "message-id",     "chat-is-post-message",
                                               "mime-version",   "received",
                                               "return-path",    "delivered-to",
                                               "dkim-signature", "authentication-results",
                                               "x-original-to"};
    for (const auto& fld : h.fields) {
        std::string n = message::to_lower(fld.name);
        if (n.rfind("content-", 0) == 0 || n.rfind("arc-", 0) == 0) continue;
        if (std::find(kept.begin(), kept.end(), n) == kept.end()) extra.push_back(fld.name);
    }
    f.judge(extra.empty(), "chatmail.hcp.others-removed", "[outer] header",
            "only From, To, Date, Subject, Message-ID (and Chat-Is-Post-Message) outside",
            "also outside: " + join(extra));
}

// ---- Outgoing messages ------------------------------------------------------------------------

void check_chat_version(const MessageContext& ctx, const Message&, Findings& f) {
    const HeaderField* cv = hdr(ctx, "Chat-Version");
    f.judge(cv != nullptr && trim(cv->value) == "1.0", "chatmail.outgoing.chat-version",
            ctx.where("Chat-Version"), "Chat-Version: 1.0",
            cv ? show(cv->value) : "no Chat-Version field");
}

bool is_group(const MessageContext& ctx) {
    for (const char* n :
         {"Chat-Group-ID", "Chat-Group-Name", "Chat-Group-Member-Added",
          "Chat-Group-Member-Removed", "Chat-Group-Name-Changed", "Chat-Group-Avatar"})
        if (hdr(ctx, n)) return true;
    return false;
}

void check_subject(const MessageContext& ctx, const Message& m, Findings& f) {
    const HeaderField* subject = hdr(ctx, "Subject");
    if (is_group(ctx) || is_mdn(m) || hdr(ctx, "Chat-Edit") || hdr(ctx, "Chat-Delete")) return;
    std::string s = decoded(subject);
    if (message::istarts_with(s, "Re:")) {
        f.chose("chatmail.outgoing.subject-re", ctx.where("Subject"), show(s, 60));
        return;
    }
    f.judge(s.rfind("Message from ", 0) == 0, "chatmail.outgoing.subject", ctx.where("Subject"),
            "\"Message from <sender name>\"", subject ? show(s, 60) : "no Subject");
}

// Text must be text/plain, or a multipart/alternative that holds text/plain.
void check_text_plain(const MessageContext&, const Message& m, Findings& f) {
    bool judged = false;
    std::function<void(const Entity&, const Entity*)> walk = [&](const Entity& e,
                                                                 const Entity* parent) {
        if (!e.children.empty()) {
            for (const auto& c : e.children) walk(c, &e);
            return;
        }
        if (!e.is("text", "*") || e.is("text", "plain") || is_attachment(e)) return;
        if (e.is("text", "vcard") || e.is("text", "x-vcard") || e.is("text", "rfc822-headers"))
            return;
        judged = true;
        bool has_plain_sibling = false;
        if (parent && parent->is("multipart", "alternative"))
            for (const auto& s : parent->children)
                if (s.is("text", "plain")) has_plain_sibling = true;
        f.judge(has_plain_sibling, "chatmail.outgoing.text-plain", e.where(),
                "text/plain, or text/plain beside it in a multipart/alternative",
                e.type.type + "/" + e.type.subtype + " without a text/plain alternative");
    };
    walk(m.root, nullptr);
    if (!judged && !text_parts(m).empty())
        f.pass("chatmail.outgoing.text-plain", "body", "text/plain");
    const std::string text = message_text(m);  // lines_of returns views into it
    for (auto line : lines_of(text))
        if (line == "-- ") {
            f.chose("chatmail.outgoing.footer", "body", "a \"-- \" footer separator");
            break;
        }
}

void check_forward(const MessageContext&, const Message& m, Findings& f) {
    const std::string text = message_text(m);  // lines_of returns views into it
    auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (trim(lines[i]) != "---------- Forwarded message ----------") continue;
        bool ok = i + 1 < lines.size() && lines[i + 1].rfind("From: ", 0) == 0;
        f.judge(ok, "chatmail.forward.header-lines", "body line " + std::to_string(i + 2),
                "\"From: <original sender>\" after the forwarded-message marker",
                i + 1 < lines.size() ? show(lines[i + 1], 60) : "end of text");
        // Anonymised or a placeholder: at least the original sender's address stays out.
        if (ok)
            f.judge(lines[i + 1].find('@') == std::string_view::npos,
                    "chatmail.forward.anonymized-sender", "body line " + std::to_string(i + 2),
                    "an anonymised sender or a placeholder", show(lines[i + 1], 60));
        return;
    }
}

// ---- Groups -----------------------------------------------------------------------------------

void check_group(const MessageContext& ctx, const Message& m, Findings& f) {
    if (!is_group(ctx)) return;
    const HeaderField* gid = hdr(ctx, "Chat-Group-ID");
    f.judge(gid != nullptr, "chatmail.group.id-header", ctx.where("Chat-Group-ID"),
            "a Chat-Group-ID field on a group message",
            "no Chat-Group-ID although the message carries group fields");
    std::string id = gid ? std::string(trim(gid->value)) : "";
    if (gid) {
        bool charset = !id.empty() &&
                       id.find_first_not_of(
                           "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") ==
                           std::string::npos;
        f.judge(charset, "chatmail.group.id-charset", ctx.where("Chat-Group-ID"),
                "only 0-9 A-Z a-z _ -", show(id));
        f.judge(id.size() >= 11 && id.size() <= 32, "chatmail.group.id-length",
                ctx.where("Chat-Group-ID"), "11 to 32 characters",
                std::to_string(id.size()) + " characters: " + show(id));
        const HeaderField* name = hdr(ctx, "Chat-Group-Name");
        f.judge(name != nullptr, "chatmail.group.name-header", ctx.where("Chat-Group-Name"),
                "a Chat-Group-Name field with the group's name", "no Chat-Group-Name field");
        if (name) {
            auto d = message::decode_encoded_words(name->raw_value);
            bool ok = !trim(d.text).empty() && message::is_valid_utf8(d.text);
            f.judge(ok, "chatmail.group.name-required", ctx.where("Chat-Group-Name"),
                    "a non-empty UTF-8 group-name", show(d.text));
            std::string subject = decoded(hdr(ctx, "Subject"));
            f.judge(subject.find(trim(d.text)) != std::string::npos, "chatmail.group.subject",
                    ctx.where("Subject"), "the group-name " + show(d.text, 40) + " in the Subject",
                    show(subject, 60));
        }
        // The Message-ID form is judged on the identifier itself; its bracket syntax is RFC 5322's.
        const HeaderField* mid = hdr(ctx, "Message-ID");
        auto parsed = mid ? message::parse_msg_id_loose(mid->raw_value)
                          : Result<message::LooseMsgId>(make_error(ErrorKind::protocol, "absent"));
        std::string left = parsed ? parsed->id.substr(0, parsed->id.rfind('@')) : "";
        f.judge(parsed && left.find(id) != std::string::npos,
                "chatmail.group.message-id-contains-id", ctx.where("Message-ID"),
                "the group-id " + show(id) + " inside the Message-ID",
                mid ? show(mid->value) : "no Message-ID");
        f.judge(parsed && left.rfind("Gr." + id + ".", 0) == 0 && left.size() > id.size() + 4,
                "chatmail.group.message-id-format", ctx.where("Message-ID"),
                "<Gr." + id + ".UNIQUE@domain>", mid ? show(mid->value) : "no Message-ID");
    }
    auto added = ctx.headers("Chat-Group-Member-Added");
    auto removed = ctx.headers("Chat-Group-Member-Removed");
    std::vector<std::string> members;
    if (const HeaderField* from = hdr(ctx, "From"))
        if (auto mb = single_from(from))
            members.push_back(message::canonical_address(mb->address()));
    for (const auto& a : recipient_addresses(ctx, false)) members.push_back(a);
    for (const HeaderField* a : added) {
        auto mb = message::parse_addr_spec(a->raw_value);
        f.judge(mb.has_value(), "chatmail.group.member-added-header",
                ctx.where("Chat-Group-Member-Added"), "the added member's address",
                mb ? show(a->value) : show(a->value) + ": " + mb.error().message);
        if (mb) {
            std::string addr = message::canonical_address(mb->address());
            f.judge(std::find(members.begin(), members.end(), addr) != members.end(),
                    "chatmail.group.members-in-from-to", ctx.where("To"),
                    "the added member " + addr + " among the recipients", "not in From/To");
        }
    }
    for (const HeaderField* r : removed) {
        auto mb = message::parse_addr_spec(r->raw_value);
        f.judge(mb.has_value(), "chatmail.group.member-removed-header",
                ctx.where("Chat-Group-Member-Removed"), "the removed member's address",
                mb ? show(r->value) : show(r->value) + ": " + mb.error().message);
    }
    std::string text = user_text(m);
    if (!added.empty() || !removed.empty()) {
        f.judge(added.size() + removed.size() == 1, "chatmail.group.member-change-own-message",
                "header", "one membership change per message",
                std::to_string(added.size()) + " added and " + std::to_string(removed.size()) +
                    " removed");
        f.judge(!text.empty(), "chatmail.group.member-change-description", "body",
                "a text saying what happened", "empty body text");
    }
    // Renames and image changes each travel in a message of their own (lines 263 and 291).
    auto other_changes = [&](std::string_view self) {
        std::vector<std::string> others;
        for (const char* n : {"Chat-Group-Member-Added", "Chat-Group-Member-Removed",
                              "Chat-Group-Name-Changed", "Chat-Group-Avatar"})
            if (self != n && hdr(ctx, n)) others.push_back(n);
        return others;
    };
    if (hdr(ctx, "Chat-Group-Name-Changed")) {
        auto others = other_changes("Chat-Group-Name-Changed");
        f.judge(others.empty(), "chatmail.group.name-change-own-message",
                ctx.where("Chat-Group-Name-Changed"), "the rename alone in its message",
                "also " + join(others));
    }
    if (const HeaderField* av = hdr(ctx, "Chat-Group-Avatar"); av && trim(av->value) != "0") {
        auto others = other_changes("Chat-Group-Avatar");
        f.judge(others.empty(), "chatmail.group.avatar-change-own-message",
                ctx.where("Chat-Group-Avatar"), "the image change alone in its message",
                "also " + join(others));
    }
    if (const HeaderField* changed = hdr(ctx, "Chat-Group-Name-Changed")) {
        const HeaderField* name = hdr(ctx, "Chat-Group-Name");
        bool ok = name != nullptr && trim(decoded(name)) != trim(decoded(changed));
        f.judge(ok, "chatmail.group.name-changed-header", ctx.where("Chat-Group-Name-Changed"),
                "the old name here and a different new name in Chat-Group-Name",
                name ? "old " + show(decoded(changed), 40) + ", new " + show(decoded(name), 40)
                     : "no Chat-Group-Name");
        f.judge(!text.empty(), "chatmail.group.name-change-description", "body",
                "a text saying what happened", "empty body text");
    }
    if (const HeaderField* avatar = hdr(ctx, "Chat-Group-Avatar")) {
        std::string v(trim(avatar->value));
        if (v == "0") {
            f.pass("chatmail.group.avatar-remove", ctx.where("Chat-Group-Avatar"), "0");
        } else {
            f.chose("chatmail.group.image-optional", ctx.where("Chat-Group-Avatar"),
                    "sets a group-image");
            f.chose("chatmail.group.image-may", ctx.where("Chat-Group-Avatar"),
                    "the group has a group-image");
            const Entity* image = nullptr;
            const Entity* any_image = nullptr;
            for (const Entity* e : leaves(m.root)) {
                if (!e->is("image", "*")) continue;
                any_image = e;
                if (e->filename() == v) image = e;
            }
            f.judge(any_image != nullptr, "chatmail.group.avatar-attached", "body",
                    "an attached image file", "no image part");
            f.judge(image != nullptr, "chatmail.group.avatar-header",
                    ctx.where("Chat-Group-Avatar"), "the file name of the attached image",
                    show(v) + (any_image ? " but the image is named " + show(any_image->filename())
                                         : ""));
            if (image)
                f.judge(image->is("image", "jpeg") || image->is("image", "png"),
                        "chatmail.group.avatar-format", image->where(), "image/jpeg or image/png",
                        image->type.type + "/" + image->type.subtype);
            f.judge(!text.empty(), "chatmail.group.avatar-change-description", "body",
                    "a text saying what happened", "empty body text");
        }
    }
}

// ---- Edit and delete --------------------------------------------------------------------------

std::string strip_edit_prefix(const std::string& text, bool& had_prefix) {
    const std::string pencil = "\xE2\x9C\x8F";  // U+270F, optionally followed by U+FE0F
    std::size_t at = text.find(pencil);
    had_prefix = at != std::string::npos;
    if (!had_prefix) return text;
    std::string rest = text.substr(at + pencil.size());
    if (rest.rfind("\xEF\xB8\x8F", 0) == 0) rest = rest.substr(3);
    return std::string(trim(rest));
}

void check_edit_delete(const MessageContext& ctx, const Message& m, Findings& f) {
    if (const HeaderField* edit = hdr(ctx, "Chat-Edit")) {
        auto id = message::parse_msg_id_loose(edit->raw_value);
        f.judge(id.has_value(), "chatmail.edit.header", ctx.where("Chat-Edit"),
                "the Message-ID of the edited message",
                id ? show(edit->value) : show(edit->value) + ": " + id.error().message);
        bool prefixed = false;
        std::string text = strip_edit_prefix(user_text(m), prefixed);
        if (prefixed) f.chose("chatmail.edit.quote-prefix", "body", "quote and pencil prefix");
        f.judge(!trim(text).empty(), "chatmail.edit.text-not-empty", "body", "a non-empty new text",
                "empty new text");
    }
    if (const HeaderField* del = hdr(ctx, "Chat-Delete")) {
        auto id = message::parse_msg_id_loose(del->raw_value);
        f.judge(id.has_value(), "chatmail.delete.header", ctx.where("Chat-Delete"),
                "the Message-ID of the message to delete",
                id ? show(del->value) : show(del->value) + ": " + id.error().message);
        f.judge(!trim(message_text(m)).empty(), "chatmail.delete.body-not-empty", "body",
                "some non-empty text", "empty body");
    }
}

// ---- Profile image, locations, durations, contacts ----------------------------------------------

bool is_jpeg_or_png(std::string_view data) {
    return (data.size() >= 3 && static_cast<unsigned char>(data[0]) == 0xFF &&
            static_cast<unsigned char>(data[1]) == 0xD8 &&
            static_cast<unsigned char>(data[2]) == 0xFF) ||
           (data.size() >= 8 && data.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8));
}

void check_user_avatar(const MessageContext& ctx, const Message& m, Findings& f) {
    struct Where {
        const HeaderField* field;
        std::string where;
        bool top_level;
    };
    std::vector<Where> found;
    for (const HeaderField* h : m.headers().all("Chat-User-Avatar"))
        found.push_back({h, "Chat-User-Avatar", true});
    message::for_each_entity(m.root, [&](const Entity& e) {
        if (e.path.empty()) return;
        for (const HeaderField* h : e.headers.all("Chat-User-Avatar"))
            found.push_back({h, e.where() + " Chat-User-Avatar", false});
    });
    for (const auto& w : found) {
        std::string v(trim(w.field->value));
        if (v == "0") {
            f.pass("chatmail.avatar.remove", w.where, "0");
            continue;
        }
        f.chose("chatmail.avatar.optional", w.where, "sends a profile-image");
        if (user_text(m).empty())
            f.chose("chatmail.avatar.explicit-mail", w.where,
                    "in a message of its own (no user text)");
        else
            f.chose("chatmail.avatar.with-next-mail", w.where, "along with a message's text");
        std::optional<std::string> data;
        if (v.rfind("base64:", 0) == 0) data = message::base64_decode(v.substr(7));
        f.judge(data.has_value(), "chatmail.avatar.header-format", w.where,
                "base64:<image data> or 0",
                v.rfind("base64:", 0) == 0 ? "invalid base64 after \"base64:\"" : show(v, 40));
        if (!data) continue;
        // "Outer" is the unencrypted top-level header: for encrypted mail the inner header is fine.
        bool on_outer = w.top_level && !ctx.inner_layer();
        bool ok = !on_outer && data->size() <= 20 * 1024;
        f.judge(ok, "chatmail.avatar.not-outer", w.where,
                "inside a part or the encrypted payload, at most 20 KB",
                on_outer ? "on the unencrypted top-level header"
                         : std::to_string(data->size()) + " bytes");
        f.judge(is_jpeg_or_png(*data), "chatmail.avatar.format", w.where, "a JPEG or PNG image",
                "data that starts like neither JPEG nor PNG");
    }
}

void check_location(const MessageContext& ctx, const Message& m, Findings& f) {
    for (const Entity* e : leaves(m.root)) {
        if (e->filename() != "location.kml") continue;
        std::string from = from_address(ctx);
        std::size_t doc = e->body.find("<Document");
        std::string addr;
        if (doc != std::string::npos) {
            std::size_t a = e->body.find("addr=\"", doc);
            std::size_t close = e->body.find('>', doc);
            if (a != std::string::npos && a < close) {
                std::size_t end = e->body.find('"', a + 6);
                if (end != std::string::npos) addr = e->body.substr(a + 6, end - a - 6);
            }
        }
        f.judge(!addr.empty() && message::canonical_address(addr) == from,
                "chatmail.location.kml-addr", e->where(), "Document addr=\"" + from + "\"",
                addr.empty() ? "no addr attribute" : show(addr));
    }
}

void check_duration(const MessageContext& ctx, const Message&, Findings& f) {
    const HeaderField* d = hdr(ctx, "Chat-Duration");
    if (!d) return;
    f.chose("chatmail.duration.optional", ctx.where("Chat-Duration"), show(d->value));
    std::string v(trim(d->value));
    bool ok = !v.empty() && v.size() < 19 && v.find_first_not_of("0123456789") == std::string::npos;
    f.judge(ok, "chatmail.duration.milliseconds", ctx.where("Chat-Duration"),
            "a whole number of milliseconds", show(v));
}

void check_misc(const MessageContext& ctx, const Message& m, Findings& f) {
    message::for_each_entity(m.root, [&](const Entity& e) {
        if (e.disposition && message::iequals(e.disposition->value, "reaction"))
            f.chose("chatmail.reaction.rfc9078", e.where(), "sends an RFC 9078 reaction");
    });
    // A reply names another message in References; Delta Chat also puts a new message's own
    // Message-ID there, which makes nothing a reply.
    bool reply = false;
    if (const HeaderField* refs = hdr(ctx, "References"); refs && !is_mdn(m)) {
        auto own = message::parse_msg_id_loose(value_of(hdr(ctx, "Message-ID")));
        if (auto ids = message::parse_msg_id_list(refs->raw_value))
            for (const auto& id : *ids)
                if (!own || id != own->id) reply = true;
    }
    if (reply)
        f.judge(hdr(ctx, "In-Reply-To") != nullptr, "chatmail.misc.in-reply-to",
                ctx.where("In-Reply-To"), "In-Reply-To naming the message answered",
                "References name another message, but there is no In-Reply-To");
    if (hdr(ctx, "Chat-Disposition-Notification-To"))
        f.chose("chatmail.misc.chat-dnt", ctx.where("Chat-Disposition-Notification-To"),
                "requests read receipts with Chat-Disposition-Notification-To");
    else if (hdr(ctx, "Disposition-Notification-To"))
        f.chose("chatmail.misc.chat-dnt", ctx.where("Disposition-Notification-To"),
                "requests read receipts with the standard Disposition-Notification-To");
}

void check_vcard(const MessageContext&, const Message& m, Findings& f) {
    for (const Entity* e : leaves(m.root)) {
        std::string name = message::to_lower(e->filename());
        bool vcard = e->is("text", "vcard") || e->is("text", "x-vcard") ||
                     (name.size() > 4 && name.substr(name.size() - 4) == ".vcf");
        if (!vcard) continue;
        f.chose("chatmail.vcard.optional", e->where(), "attaches a contact");
        // Unfold content lines (RFC 6350 §3.2) and collect property names.
        std::vector<std::string> lines;
        for (auto line : lines_of(e->body)) {
            if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !lines.empty())
                lines.back() += std::string(line.substr(1));
            else
                lines.emplace_back(line);
        }
        bool begin = !lines.empty() && message::iequals(trim(lines.front()), "BEGIN:VCARD");
        bool end = false;
        for (const auto& l : lines)
            if (message::iequals(trim(l), "END:VCARD")) end = true;
        f.judge(begin && end, "chatmail.vcard.format", e->where(),
                "a vCard (BEGIN:VCARD … END:VCARD)",
                begin ? "no END:VCARD" : "does not start with BEGIN:VCARD");
        auto prop = [&](std::string_view p) -> const std::string* {
            for (const auto& l : lines) {
                std::size_t colon = l.find(':');
                if (colon == std::string::npos) continue;
                std::string_view key = std::string_view(l).substr(0, colon);
                std::size_t semi = key.find(';');
                if (semi != std::string_view::npos) key = key.substr(0, semi);
                if (std::size_t dot = key.find('.'); dot != std::string_view::npos)
                    key = key.substr(dot + 1);
                if (message::iequals(key, p)) return &l;
            }
            return nullptr;
        };
        std::vector<std::string> missing;
        for (const char* p : {"EMAIL", "FN", "VERSION"})
            if (!prop(p)) missing.push_back(p);
        f.judge(missing.empty(), "chatmail.vcard.required-properties", e->where(),
                "EMAIL, FN and VERSION", "missing " + join(missing));
        std::string problem;
        if (!prop("REV")) problem = "no REV";
        if (const std::string* key = prop("KEY")) {
            // RFC 6350 §3.4 escapes a comma in a property value as "\,"; Delta Chat writes the
            // data URI that way.
            std::size_t b64 = key->find("base64,");
            std::size_t skip = 7;
            if (b64 == std::string::npos) {
                b64 = key->find("base64\\,");
                skip = 8;
            }
            if (b64 == std::string::npos) {
                problem = "KEY is not a data:application/pgp-keys;base64, URI";
            } else {
                auto data = message::base64_decode(key->substr(b64 + skip));
                if (!data || data->empty() || (static_cast<unsigned char>((*data)[0]) & 0x80) == 0)
                    problem = "KEY does not hold a binary OpenPGP key in plain base64";
            }
        }
        f.judge(problem.empty(), "chatmail.vcard.recommended-properties", e->where(),
                "REV, and KEY as binary base64", problem);
    }
}

void check_gossip_verified(const MessageContext& ctx, const Message& m, Findings& f) {
    if (!ctx.inner_layer()) return;
    for (const HeaderField* g : m.headers().all("Autocrypt-Gossip"))
        if (g->value.find("_verified=") != std::string::npos)
            f.chose("chatmail.gossip.verified-attribute", "Autocrypt-Gossip",
                    "marks a gossiped key as verified");
}

}  // namespace

RuleSet chatmail_rules() {
    return {
        "chatmail",
        {
            {"encryption",
             Needs::envelope,
             {"chatmail.encryption.autocrypt", "chatmail.encryption.prefer-mutual",
              "chatmail.encryption.header-protection"},
             check_encryption},
            {"header confidentiality policy",
             Needs::envelope,
             {"chatmail.hcp.from", "chatmail.hcp.to", "chatmail.hcp.date", "chatmail.hcp.subject",
              "chatmail.hcp.message-id", "chatmail.hcp.others-removed"},
             check_hcp},
            {"Chat-Version",
             Needs::content,
             {"chatmail.outgoing.chat-version"},
             check_chat_version},
            {"Subject",
             Needs::content,
             {"chatmail.outgoing.subject", "chatmail.outgoing.subject-re"},
             check_subject},
            {"text/plain",
             Needs::content,
             {"chatmail.outgoing.text-plain", "chatmail.outgoing.footer"},
             check_text_plain},
            {"forwarded",
             Needs::content,
             {"chatmail.forward.header-lines", "chatmail.forward.anonymized-sender"},
             check_forward},
            {"groups",
             Needs::content,
             {"chatmail.group.id-header",
              "chatmail.group.id-charset",
              "chatmail.group.id-length",
              "chatmail.group.name-header",
              "chatmail.group.name-required",
              "chatmail.group.subject",
              "chatmail.group.message-id-contains-id",
              "chatmail.group.message-id-format",
              "chatmail.group.member-added-header",
              "chatmail.group.members-in-from-to",
              "chatmail.group.member-removed-header",
              "chatmail.group.member-change-own-message",
              "chatmail.group.member-change-description",
              "chatmail.group.name-changed-header",
              "chatmail.group.name-change-own-message",
              "chatmail.group.avatar-change-own-message",
              "chatmail.group.image-may",
              "chatmail.group.name-change-description",
              "chatmail.group.avatar-remove",
              "chatmail.group.image-optional",
              "chatmail.group.avatar-attached",
              "chatmail.group.avatar-header",
              "chatmail.group.avatar-format",
              "chatmail.group.avatar-change-description"},
             check_group},
            {"edit and delete",
             Needs::content,
             {"chatmail.edit.header", "chatmail.edit.quote-prefix", "chatmail.edit.text-not-empty",
              "chatmail.delete.header", "chatmail.delete.body-not-empty"},
             check_edit_delete},
            {"profile image",
             Needs::content,
             {"chatmail.avatar.remove", "chatmail.avatar.optional", "chatmail.avatar.explicit-mail",
              "chatmail.avatar.with-next-mail", "chatmail.avatar.header-format",
              "chatmail.avatar.not-outer", "chatmail.avatar.format"},
             check_user_avatar},
            {"location", Needs::content, {"chatmail.location.kml-addr"}, check_location},
            {"duration",
             Needs::content,
             {"chatmail.duration.optional", "chatmail.duration.milliseconds"},
             check_duration},
            {"miscellaneous",
             Needs::content,
             {"chatmail.reaction.rfc9078", "chatmail.misc.in-reply-to", "chatmail.misc.chat-dnt"},
             check_misc},
            {"vCard",
             Needs::content,
             {"chatmail.vcard.optional", "chatmail.vcard.format",
              "chatmail.vcard.required-properties", "chatmail.vcard.recommended-properties"},
             check_vcard},
            {"gossip verified",
             Needs::content,
             {"chatmail.gossip.verified-attribute"},
             check_gossip_verified},
        }};
}

}  // namespace coitest::messages
