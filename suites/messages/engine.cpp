#include "messages/engine.hpp"

#include "message/text.hpp"

#include <algorithm>
#include <set>

namespace coitest::messages {

using message::Findings;

std::vector<Profile> make_profiles() {
    std::vector<Profile> out;
    auto base = [] {
        return std::vector<RuleSet>{rfc5322_rules(), mime_rules(), pgp_mime_rules(), mdn_rules()};
    };
    {
        Profile p{"coi-client",
                  "COI message format (coi/coi-client-spec.md) with its base RFCs",
                  base(),
                  {}};
        p.rule_sets.push_back(coi_rules());
        p.rule_sets.push_back(autocrypt_rules());
        p.supersedes = {
            {"coi-client.header.date",
             {"rfc5322.date.syntax", "rfc5322.date.day-of-week", "rfc5322.fields.date-required"}},
            {"coi-client.header.mime-version", {"rfc2045.mime-version"}},
        };
        out.push_back(std::move(p));
    }
    {
        Profile p{"chatmail-client",
                  "chatmail dialect (chatmail/spec.md, Delta Chat today) with Autocrypt, RFC 9788 "
                  "header protection and the base RFCs",
                  base(),
                  {}};
        p.rule_sets.push_back(header_protection_rules());
        p.rule_sets.push_back(chatmail_rules());
        p.rule_sets.push_back(autocrypt_rules());
        out.push_back(std::move(p));
    }
    {
        Profile p{"autocrypt",
                  "Autocrypt Level 1 (autocrypt/level1.rst) with RFC 3156 and the base RFCs",
                  base(),
                  {}};
        p.rule_sets.push_back(autocrypt_rules());
        out.push_back(std::move(p));
    }
    out.push_back(Profile{"email", "RFC 5322, MIME, PGP/MIME and MDN base rules only", base(), {}});
    return out;
}

const Profile* find_profile(const std::vector<Profile>& profiles, std::string_view name) {
    for (const auto& p : profiles)
        if (p.name == name) return &p;
    return nullptr;
}

Detection detect_profile(const MessageContext& ctx) {
    const message::Message& outer = ctx.outer();
    auto has_chat_dollar = [](const message::HeaderField* f) {
        return f != nullptr && message::trim(f->value).rfind("<chat$", 0) == 0;
    };
    // COI first: its Message-ID form and COI-* fields are unambiguous (coi-client-spec.md
    // "Manual Message Filtering" lists the first two as the COI markers).
    if (has_chat_dollar(ctx.header("Message-ID")) ||
        has_chat_dollar(outer.headers().first("Message-ID")))
        return {"coi-client", "Message-ID starts with chat$"};
    for (const char* f : {"COI-From-Hash", "COI-Blocked", "COI-TokenIn", "COI-TokenOut"})
        if (ctx.header(f) != nullptr) return {"coi-client", std::string("has a ") + f + " field"};
    if (const auto* refs = ctx.header("References"))
        if (message::trim(refs->value).rfind("<chat$", 0) == 0)
            return {"coi-client", "the first References entry starts with chat$"};
    for (const char* f : {"Chat-Version", "Chat-Group-ID", "Chat-Group-Name", "Chat-Edit",
                          "Chat-Delete", "Chat-Disposition-Notification-To", "Chat-User-Avatar"})
        if (ctx.header(f) != nullptr)
            return {"chatmail-client", std::string("has a ") + f + " field"};
    if (ctx.crypto().encrypted && !ctx.inner_layer() && outer.headers().first("To") != nullptr &&
        message::trim(outer.headers().first("To")->value).rfind("\"hidden-recipients\"", 0) == 0)
        return {"chatmail-client",
                "encrypted with the chat header confidentiality policy (To: hidden-recipients)"};
    for (const char* f : {"Autocrypt", "Autocrypt-Setup-Message", "Autocrypt-Draft-State"})
        if (ctx.header(f) != nullptr || outer.headers().has(f))
            return {"autocrypt", std::string("has an ") + f + " field"};
    if (ctx.crypto().encrypted) return {"autocrypt", "PGP/MIME encrypted"};
    return {"email", "no chat or Autocrypt markers; base rules only"};
}

namespace {

// Drops base findings restated by a profile rule on the same field.
void apply_supersedes(const Profile& profile, std::vector<Finding>& items) {
    for (const auto& entry : profile.supersedes) {
        const std::string& rule = entry.first;
        const std::vector<std::string>& replaced =
            entry.second;  // (clang 14: no lambda capture of bindings)
        std::set<std::string> wheres;
        for (const auto& f : items)
            if (f.requirement == rule) wheres.insert(f.where);
        if (wheres.empty()) continue;
        items.erase(std::remove_if(items.begin(), items.end(),
                                   [&](const Finding& f) {
                                       return std::find(replaced.begin(), replaced.end(),
                                                        f.requirement) != replaced.end() &&
                                              wheres.count(f.where) > 0;
                                   }),
                    items.end());
    }
}

}  // namespace

void run_profile(const Profile& profile, const MessageContext& ctx, Findings& findings) {
    const message::Message* content = ctx.content();
    std::set<std::string> na_reported;
    std::string reason =
        ctx.crypto().not_decrypted_reason.empty()
            ? "encrypted; give the recipient's secret key with --key to judge the content"
            : ctx.crypto().not_decrypted_reason;
    for (const auto& set : profile.rule_sets) {
        for (const auto& check : set.checks) {
            switch (check.needs) {
                case Needs::envelope:
                    check.run(ctx, ctx.outer(), findings);
                    break;
                case Needs::each_layer:
                    check.run(ctx, ctx.outer(), findings);
                    if (ctx.inner_layer()) {
                        findings.set_where_prefix("[inner] ");
                        check.run(ctx, *ctx.crypto().inner, findings);
                        findings.set_where_prefix("");
                    }
                    break;
                case Needs::content:
                    if (content == nullptr) {
                        for (auto id : check.requirements)
                            if (na_reported.insert(std::string(id)).second)
                                findings.not_applicable(id, "content", reason);
                    } else {
                        if (ctx.inner_layer()) findings.set_where_prefix("[inner] ");
                        check.run(ctx, *content, findings);
                        findings.set_where_prefix("");
                    }
                    break;
            }
        }
    }
    apply_supersedes(profile, findings.items());
}

std::vector<std::string> all_rule_requirements(const std::vector<Profile>& profiles) {
    std::set<std::string> ids;
    for (const auto& p : profiles)
        for (const auto& s : p.rule_sets)
            for (const auto& c : s.checks)
                for (auto id : c.requirements) ids.insert(std::string(id));
    return {ids.begin(), ids.end()};
}

}  // namespace coitest::messages
