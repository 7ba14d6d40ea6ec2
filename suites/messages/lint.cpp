#include "messages/lint.hpp"

#include "message/autocrypt_header.hpp"
#include "message/check.hpp"
#include "message/text.hpp"
#include "messages/rule_util.hpp"
#include "openpgp/packets.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace coitest::messages {

namespace {

std::string read_key_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open the key file";
        return {};
    }
    std::string data;
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        data.append(buf, static_cast<std::size_t>(in.gcount()));
        if (data.size() > (4u << 20)) {
            error = path + ": key file larger than 4 MiB";
            return {};
        }
    }
    if (data.empty()) error = path + ": key file is empty";
    return data;
}

std::string now_rfc3339() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// The finding that explains a test's verdict, as one line.
std::string reason_of(const std::vector<Finding>& findings, Verdict verdict) {
    for (const auto& f : findings) {
        if (f.verdict != verdict) continue;
        std::string r = f.requirement + " (" + std::string(to_string(f.level)) + ") at " + f.where;
        if (!f.expected.empty()) r += ": expected " + f.expected;
        if (!f.seen.empty()) r += (f.expected.empty() ? ": " : "; seen ") + f.seen;
        return r;
    }
    return {};
}

Verdict test_verdict(const std::vector<Finding>& findings) {
    // info records a MAY choice; it does not make a message "info" when everything else passed.
    Verdict v = Verdict::not_applicable;
    bool judged = false;
    for (const auto& f : findings) {
        if (f.verdict == Verdict::info || f.verdict == Verdict::not_applicable) continue;
        v = judged ? worst(v, f.verdict) : f.verdict;
        judged = true;
    }
    if (judged) return v;
    for (const auto& f : findings)
        if (f.verdict == Verdict::info) return Verdict::pass;
    return Verdict::not_applicable;
}

void note(TestResult& t, std::string text) {
    TranscriptEntry e;
    e.connection = "lint";
    e.direction = Direction::note;
    e.data = std::move(text);
    t.transcript.push_back(std::move(e));
}

}  // namespace

Result<std::unique_ptr<Linter>> Linter::create(message::RequirementLookup lookup,
                                               const LintOptions& options) {
    std::unique_ptr<Linter> l(new Linter());
    l->lookup_ = std::move(lookup);
    l->options_ = options;
    l->profiles_ = make_profiles();
    if (!options.profile.empty() && !find_profile(l->profiles_, options.profile)) {
        std::string names;
        for (const auto& p : l->profiles_) names += (names.empty() ? "" : ", ") + p.name;
        return make_error(ErrorKind::usage,
                          "unknown profile \"" + options.profile + "\" (known: " + names + ")");
    }
    for (const auto& path : options.key_files) {
        std::string error;
        std::string data = read_key_file(path, error);
        if (!error.empty()) return make_error(ErrorKind::usage, error);
        auto imported = l->keyring_.import_keys(data);
        if (!imported) return make_error(ErrorKind::usage, path + ": " + imported.error().message);
    }
    l->have_secret_keys_ = l->keyring_.secret_key_count() > 0;
    if (!options.key_files.empty() && !l->have_secret_keys_)
        return make_error(ErrorKind::usage,
                          "the --key files hold no secret key; decryption needs one");
    return l;
}

CryptoState Linter::crypto_for(const message::Message& m) {
    CryptoState c;
    const message::Entity& root = m.root;
    if (!root.is("multipart", "encrypted")) return c;
    c.encrypted = true;
    if (root.children.size() < 2) {
        c.not_decrypted_reason = "the multipart/encrypted message has no encrypted payload part";
        return c;
    }
    c.payload_part = &root.children[1];
    auto armor = openpgp::dearmor(c.payload_part->body);
    if (!armor) {
        c.not_decrypted_reason = "the encrypted payload is unreadable: " + armor.error().message;
        return c;
    }
    c.armor = *armor;
    auto packets = openpgp::parse_packets(armor->data);
    if (packets) {
        for (const auto& p : *packets) {
            if (auto k = openpgp::parse_pkesk(p, armor->data)) c.recipients.push_back(*k);
            if (int v = openpgp::seipd_version(p)) c.seipd_version = v;
        }
    }
    if (!have_secret_keys_) {
        c.not_decrypted_reason = "encrypted; no --key given, so only the outer message is judged";
        return c;
    }
    // The sender's Autocrypt key verifies the signature inside; import it first (public only).
    auto import_autocrypt_keys = [&](const message::Message& msg) {
        bool added = false;
        for (const auto* ac : msg.headers().all("Autocrypt")) {
            auto h = message::parse_autocrypt_attributes(ac->raw_value);
            if (const auto* kd = h.find("keydata"))
                if (auto binary = message::base64_decode(kd->value))
                    if (imported_keydata_.insert(*binary).second &&
                        keyring_.import_keys(*binary, true))
                        added = true;
        }
        return added;
    };
    import_autocrypt_keys(m);
    auto plain = keyring_.decrypt(armor->data);
    if (plain) {
        // With header protection the key may only be in the protected header: import it, verify
        // again.
        bool unverified = std::any_of(plain->signatures.begin(), plain->signatures.end(),
                                      [](const openpgp::SignatureFacts& s) { return !s.valid; });
        if (unverified) {
            if (auto inner = parser_.parse(plain->plaintext);
                inner && import_autocrypt_keys(*inner)) {
                if (auto again = keyring_.decrypt(armor->data)) plain = std::move(again);
            }
        }
    }
    if (!plain) {
        c.not_decrypted_reason = "cannot decrypt: " + plain.error().message;
        return c;
    }
    auto inner = parser_.parse(plain->plaintext);
    if (!inner) {
        c.not_decrypted_reason =
            "decrypted, but the payload is not a MIME entity: " + inner.error().message;
        return c;
    }
    c.decrypted = true;
    c.inner = std::move(*inner);
    c.signatures = plain->signatures;
    c.used_key_id = plain->used_key_id;
    c.rewrote_wildcard = plain->rewrote_wildcard;
    return c;
}

TestResult Linter::lint(std::string_view label, std::string_view bytes) {
    auto started = std::chrono::steady_clock::now();
    TestResult t;
    t.id = "lint:" + std::string(label);
    t.title = std::string(label);
    message::ParseLimits limits;
    limits.max_message_bytes = options_.input_limits.max_message_bytes;
    auto parsed = parser_.parse(bytes, limits);
    if (!parsed) {
        t.classname = options_.profile.empty() ? "lint" : options_.profile;
        t.profile = t.classname;
        t.verdict = Verdict::error;
        t.reason = "not judged: " + parsed.error().message;
        return t;
    }
    const message::Message& m = *parsed;
    CryptoState crypto = crypto_for(m);
    MessageContext ctx(m, crypto, keys_, options_.submitted, options_.setup_codes);
    std::string profile_name = options_.profile;
    if (profile_name.empty()) {
        Detection d = detect_profile(ctx);
        profile_name = d.profile;
        note(t, "profile " + d.profile + " recognised: " + d.reason);
    } else {
        note(t, "profile " + profile_name + " (given with --profile)");
    }
    if (crypto.encrypted) {
        if (crypto.decrypted)
            note(t, "decrypted" +
                        (crypto.used_key_id.empty() ? std::string()
                                                    : " with key " + crypto.used_key_id) +
                        (crypto.rewrote_wildcard
                             ? " after naming the anonymous (wildcard) recipient, NOTES §2"
                             : "") +
                        "; rules marked [inner] were judged on the decrypted payload");
        else
            note(t, crypto.not_decrypted_reason);
    }
    const Profile* profile = find_profile(profiles_, profile_name);
    message::Findings findings(lookup_);
    run_profile(*profile, ctx, findings);
    cross_message_checks(ctx, bytes, label, findings);
    t.classname = profile_name;
    t.profile = profile_name;
    if (const auto* subject = ctx.header("Subject"))
        t.title = std::string(label) + ": " + message::show(decoded(subject), 60);
    t.findings = std::move(findings.items());
    std::set<std::string> seen_ids;
    for (const auto& f : t.findings) {
        if (!seen_ids.insert(f.requirement).second) continue;
        RequirementRef ref;
        ref.id = f.requirement;
        ref.level = f.level;
        if (const Requirement* r = lookup_(f.requirement)) {
            ref.spec = r->spec;
            ref.section = r->section;
        }
        t.requirements.push_back(std::move(ref));
    }
    t.verdict = test_verdict(t.findings);
    if (!options_.keep_passing_findings) {
        t.findings.erase(
            std::remove_if(t.findings.begin(), t.findings.end(),
                           [](const Finding& f) { return f.verdict == Verdict::pass; }),
            t.findings.end());
        std::set<std::string> kept;
        for (const auto& f : t.findings) kept.insert(f.requirement);
        t.requirements.erase(
            std::remove_if(t.requirements.begin(), t.requirements.end(),
                           [&](const RequirementRef& r) { return !kept.count(r.id); }),
            t.requirements.end());
        // Erasing keeps the capacity of ~100 findings; give it back, or 10,000 messages hold ~200
        // MB.
        t.findings.shrink_to_fit();
        t.requirements.shrink_to_fit();
    }
    if (t.verdict == Verdict::fail || t.verdict == Verdict::warn || t.verdict == Verdict::error)
        t.reason = reason_of(t.findings, t.verdict);
    else if (t.verdict == Verdict::not_applicable)
        t.reason = "nothing could be judged";
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return t;
}

// Rules that need several messages: a Message-ID is unique (RFC 5322 §3.6.4), and one sender
// sends the same Autocrypt keydata (autocrypt/level1.rst). Only breaches are reported.
void Linter::cross_message_checks(const MessageContext& ctx, std::string_view bytes,
                                  std::string_view label, message::Findings& findings) {
    const message::Message& m = ctx.outer();
    std::size_t hash = std::hash<std::string_view>{}(bytes);
    message::Findings cross(lookup_);
    if (const auto* mid = m.headers().first("Message-ID")) {
        if (auto id = message::parse_msg_id(mid->raw_value)) {
            auto [it, fresh] = seen_ids_.emplace(*id, std::make_pair(std::string(label), hash));
            if (!fresh && it->second.second != hash)
                cross.unmet("rfc5322.msg-id.unique", "Message-ID",
                            "a Message-ID no other message uses",
                            "also used by " + it->second.first);
        }
    }
    if (const auto* ac = m.headers().first("Autocrypt")) {
        auto h = message::parse_autocrypt_attributes(ac->raw_value);
        const auto* addr = h.find("addr");
        const auto* kd = h.find("keydata");
        if (addr && kd) {
            std::string sender = message::canonical_address(addr->value);
            auto [it, fresh] =
                keydata_by_sender_.emplace(sender, std::make_pair(kd->value, std::string(label)));
            if (!fresh && it->second.first != kd->value)
                cross.unmet(
                    "autocrypt.header.same-in-all", "Autocrypt",
                    "the same keydata as " + it->second.second + " (same sender " + sender + ")",
                    "different keydata");
        }
    }
    later_message_checks(ctx, label, cross);
    for (auto& f : cross.items()) findings.items().push_back(std::move(f));
    if (seen_ids_.size() > 2000000) seen_ids_.clear();  // bounded memory on huge inputs
}

namespace {
std::string squashed(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}
}  // namespace

// Rules judged on the content layer of a sender's later messages (only breaches are reported):
// the Autocrypt header does not change with the recipients (autocrypt/level1.rst "Header
// Format"), and profile and group images are sent again only when they change (chatmail/spec.md).
void Linter::later_message_checks(const MessageContext& ctx, std::string_view label,
                                  message::Findings& cross) {
    std::string sender = from_address(ctx);
    if (sender.empty()) return;
    std::string here(label);
    if (const auto* ac = ctx.header("Autocrypt")) {
        auto rs = recipient_addresses(ctx, false);
        SentHeader now{squashed(ac->value), {rs.begin(), rs.end()}, here};
        auto [it, fresh] = autocrypt_by_sender_.emplace(sender, now);
        if (!fresh && it->second.value != now.value && it->second.recipients != now.recipients)
            cross.unmet(
                "autocrypt.header.not-per-recipient", ctx.prefix() + ctx.where("Autocrypt"),
                "the same Autocrypt header as " + it->second.label + ", whatever the recipients",
                "a different Autocrypt header for other recipients");
        it->second = std::move(now);
    }
    // The profile image rides in the header or in a part's header (chatmail/spec.md).
    const message::HeaderField* av = ctx.header("Chat-User-Avatar");
    if (av == nullptr && ctx.content() != nullptr)
        message::for_each_entity(ctx.content()->root, [&](const message::Entity& e) {
            if (av == nullptr) av = e.headers.first("Chat-User-Avatar");
        });
    if (av && message::trim(av->value) != "0") {
        std::string v = squashed(av->value);
        auto [it, fresh] = avatar_by_sender_.emplace(sender, std::make_pair(v, here));
        if (!fresh && it->second.first == v)
            cross.unmet("chatmail.avatar.only-on-change",
                        ctx.prefix() + ctx.where("Chat-User-Avatar"),
                        "Chat-User-Avatar only when the image changed",
                        "the same image as " + it->second.second + " sent again");
        it->second = {v, here};
    }
    const auto* gid = ctx.header("Chat-Group-ID");
    const auto* gav = ctx.header("Chat-Group-Avatar");
    if (gid && gav && message::trim(gav->value) != "0") {
        std::string v = squashed(gav->value);
        std::string group(message::trim(gid->value));
        auto [it, fresh] = avatar_by_group_.emplace(group, std::make_pair(v, here));
        if (!fresh && it->second.first == v)
            cross.unmet("chatmail.group.avatar-only-on-change",
                        ctx.prefix() + ctx.where("Chat-Group-Avatar"),
                        "Chat-Group-Avatar only when the group image changed",
                        "the same image as " + it->second.second + " sent again");
        it->second = {v, here};
    }
    coi_later_message_checks(ctx, cross);
    // Bounded memory on huge inputs.
    for (auto* m : {&avatar_by_sender_, &avatar_by_group_})
        if (m->size() > 100000) m->clear();
    if (autocrypt_by_sender_.size() > 100000) autocrypt_by_sender_.clear();
    if (edit_origin_.size() > 100000) {
        edit_origin_.clear();
        last_edit_.clear();
    }
    if (group_members_.size() > 100000) group_members_.clear();
}

// COI (coi/coi-client-spec.md): a repeated edit names the last edit, not the original; a group
// message whose recipients differ from the group's last message carries a groupinfo part.
void Linter::coi_later_message_checks(const MessageContext& ctx, message::Findings& cross) {
    const message::Message* content = ctx.content();
    if (content == nullptr) return;
    auto id_of = [](const message::HeaderField* f) -> std::string {
        if (f == nullptr) return {};
        auto id = message::parse_msg_id_loose(f->raw_value);
        return id ? id->id : std::string();
    };
    std::string own = id_of(ctx.header("Message-ID"));
    std::string cc = chat_content(content->root);
    if (cc.empty())
        if (const auto* f = ctx.header("Chat-Content"))
            cc = message::to_lower(message::trim(f->value.substr(0, f->value.find(';'))));
    if (cc == "editrequest") {
        std::string target = id_of(ctx.header("In-Reply-To"));
        if (!target.empty()) {
            auto origin = edit_origin_.find(target);
            std::string original = origin != edit_origin_.end() ? origin->second : target;
            auto last = last_edit_.find(original);
            if (last != last_edit_.end() && last->second != target)
                cross.unmet("coi-client.edit.reference-last",
                            ctx.prefix() + ctx.where("In-Reply-To"),
                            "In-Reply-To naming the last edit <" + last->second + ">",
                            "<" + target + ">, which an earlier edit already replaced");
            if (!own.empty()) {
                edit_origin_[own] = original;
                last_edit_[original] = own;
            }
        }
    }
    if (own.rfind("chat$group.", 0) == 0 && cc != "groupleft") {
        std::string rest = own.substr(11);
        std::string group = rest.substr(0, rest.find('.'));
        auto list = recipient_addresses(ctx, false);
        std::set<std::string> members(list.begin(), list.end());
        if (std::string from = from_address(ctx); !from.empty()) members.insert(from);
        bool groupinfo = false;
        message::for_each_entity(content->root, [&](const message::Entity& e) {
            if (chat_content(e) == "groupinfo") groupinfo = true;
        });
        auto [it, fresh] = group_members_.emplace(group, members);
        if (!fresh && it->second != members && !groupinfo)
            cross.unmet("coi-client.group.groupinfo-on-change", ctx.prefix() + ctx.where("To"),
                        "a Chat-Content: groupinfo part, as the members changed",
                        "other members than the group's previous message, and no groupinfo part");
        it->second = std::move(members);
    }
}

TestResult Linter::input_error(const message::InputError& error) const {
    TestResult t;
    t.id = "lint:" + error.label;
    t.title = error.label;
    t.classname = options_.profile.empty() ? "lint" : options_.profile;
    t.profile = t.classname;
    t.verdict = Verdict::error;
    t.reason = error.message;
    return t;
}

Result<LintRun> run_lint(const LintOptions& options, message::RequirementLookup lookup,
                         std::istream& stdin_stream, const TestCallback& on_test) {
    auto linter = Linter::create(lookup, options);
    if (!linter) return linter.error();
    LintRun out;
    auto started = std::chrono::steady_clock::now();
    out.run.started_at = now_rfc3339();
    out.run.strict = options.strict;
    out.run.target = "offline messages";
    if (!options.profile.empty()) out.run.profiles.push_back(options.profile);
    SuiteResult suite;
    suite.name = "lint";

    std::map<std::string, int> label_count;
    auto emit = [&](TestResult&& t) {
        // Test IDs stay unique even when the same file is given twice.
        int n = ++label_count[t.id];
        if (n > 1) t.id += "~" + std::to_string(n);
        if (on_test) on_test(t);
        suite.tests.push_back(std::move(t));
    };
    auto on_message = [&](message::InputMessage&& msg) {
        emit((*linter)->lint(msg.label, msg.bytes));
    };
    auto on_error = [&](message::InputError&& e) {
        out.input_errors.push_back(e.label + ": " + e.message);
        if (!e.per_message) out.usage_error = true;
        emit((*linter)->input_error(e));
    };
    for (const auto& input : options.inputs)
        message::read_input(input, options.input_limits, on_message, on_error, stdin_stream);
    out.run.suites.push_back(std::move(suite));
    out.run.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

}  // namespace coitest::messages
