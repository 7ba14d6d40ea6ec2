// Autocrypt Level 1 (autocrypt/level1.rst): the Autocrypt header and its keydata, gossip,
// PGP/MIME encryption, the Setup Message and drafts. Requirement IDs: autocrypt.toml.
// The header checks look at both layers of an encrypted message: the outer header (where
// Level 1 puts it) and the protected inner header (where header-protecting clients put it).
#include "message/autocrypt_header.hpp"
#include "messages/engine.hpp"
#include "messages/rule_util.hpp"
#include "openpgp/packets.hpp"

#include <algorithm>
#include <regex>
#include <set>

namespace coitest::messages {

using message::AutocryptHeader;
using message::Findings;
using message::show;
using message::trim;

namespace {

struct Located {
    const HeaderField* field;
    std::string where;
    bool inner;
};

std::vector<Located> collect(const MessageContext& ctx, std::string_view name) {
    std::vector<Located> out;
    bool enc = ctx.crypto().encrypted;
    for (const HeaderField* h : ctx.outer().headers().all(name))
        out.push_back({h, (enc ? "[outer] " : "") + std::string(name), false});
    if (ctx.inner_layer())
        for (const HeaderField* h : ctx.crypto().inner->headers().all(name))
            out.push_back({h, "[inner] " + std::string(name), true});
    return out;
}

std::size_t field_size(const HeaderField& h) {
    return h.raw_size != 0 ? h.raw_size : h.name.size() + 1 + h.raw_value.size() + 2;
}

std::string from_of_layer(const MessageContext& ctx, bool inner) {
    const HeaderField* from = nullptr;
    if (inner && ctx.inner_layer()) from = ctx.crypto().inner->headers().first("From");
    if (from == nullptr) from = ctx.outer().headers().first("From");
    auto mb = single_from(from);
    return mb ? message::canonical_address(mb->address()) : std::string();
}

// Facts about one keydata value, gathered once.
struct KeyData {
    std::optional<std::string> binary;
    std::vector<int> tags;
    std::string packet_error;
    std::optional<Result<openpgp::KeyFacts>> facts;
};

KeyData read_keydata(const MessageContext& ctx, const std::string& b64) {
    KeyData k;
    k.binary = message::base64_decode(b64);
    if (!k.binary) return k;
    auto packets = openpgp::parse_packets(*k.binary);
    if (packets) {
        for (const auto& p : *packets) k.tags.push_back(p.tag);
    } else {
        k.packet_error = packets.error().message;
    }
    k.facts = ctx.keys().inspect(*k.binary);
    return k;
}

std::string tag_list(const std::vector<int>& tags) {
    std::vector<std::string> names;
    for (int t : tags) names.push_back(openpgp::tag_name(t));
    return join(names);
}

// keydata of an Autocrypt header (autocrypt/level1.rst "OpenPGP Based key data").
void judge_keydata(const MessageContext& ctx, Findings& f, const std::string& where,
                   const std::string& b64, const std::string& addr) {
    KeyData k = read_keydata(ctx, b64);
    bool secret = std::find(k.tags.begin(), k.tags.end(), 5) != k.tags.end() ||
                  std::find(k.tags.begin(), k.tags.end(), 7) != k.tags.end();
    std::string binary_problem;
    if (!k.binary)
        binary_problem = "keydata is not valid base64";
    else if (k.binary->rfind("-----BEGIN", 0) == 0)
        binary_problem = "keydata is ASCII armor, not binary packets";
    else if (!k.packet_error.empty())
        binary_problem = k.packet_error;
    else if (secret)
        binary_problem = "keydata contains secret key material";
    f.judge(binary_problem.empty(), "autocrypt.keydata.binary-base64", where,
            "base64 of binary public key packets", binary_problem);
    if (!k.binary || !k.packet_error.empty()) return;
    const std::vector<int> expected{6, 13, 2, 14, 2};
    f.judge(k.tags == expected, "autocrypt.keydata.five-packets", where,
            "Public-Key, User ID, Signature, Public-Subkey, Signature", tag_list(k.tags));
    auto uids = std::count(k.tags.begin(), k.tags.end(), 13);
    f.judge(uids == 1, "autocrypt.keydata.user-id", where, "one User ID packet",
            std::to_string(uids) + " User ID packets");
    const auto& facts = *k.facts;
    if (!facts) {
        for (auto id : {"autocrypt.keydata.primary-signing", "autocrypt.keydata.uid-self-signature",
                        "autocrypt.keydata.encryption-subkey", "autocrypt.keydata.subkey-binding"})
            f.unmet(id, where, "a key RNP can read", facts.error().message);
        return;
    }
    const openpgp::KeyFacts& key = *facts;
    std::string expiry = key.expired ? " (the key has expired)" : "";
    f.judge(key.can_sign, "autocrypt.keydata.primary-signing", where,
            "a signing-capable primary key",
            key.algorithm + " primary without the sign capability" + expiry);
    bool uid_sig = !key.user_ids.empty() &&
                   std::all_of(key.user_ids.begin(), key.user_ids.end(),
                               [](const openpgp::UserIdFacts& u) { return u.signature_valid; });
    f.judge(uid_sig, "autocrypt.keydata.uid-self-signature", where,
            "a valid self-signature on the user ID",
            key.user_ids.empty() ? "no user ID" : "the self-signature does not verify");
    const openpgp::SubkeyFacts* enc = nullptr;
    for (const auto& s : key.subkeys)
        if (s.can_encrypt) enc = &s;
    f.judge(enc != nullptr, "autocrypt.keydata.encryption-subkey", where,
            "an encryption-capable subkey",
            std::to_string(key.subkeys.size()) + " subkeys, none can encrypt");
    if (enc)
        f.judge(enc->signature_valid, "autocrypt.keydata.subkey-binding", where,
                "a valid binding signature",
                "the binding signature of subkey " + enc->key_id + " does not verify");
    if (!key.user_ids.empty()) {
        const std::string& uid = key.user_ids.front().text;
        f.judge(!uid.empty(), "autocrypt.keydata.uid-not-empty", where, "a non-empty user ID",
                "an empty user ID");
        bool conv = uid == "<" + addr + ">" ||
                    message::canonical_address(uid).find(addr) != std::string::npos;
        f.chose("autocrypt.keydata.uid-addr-convention", where,
                conv ? "user ID " + show(uid) + " holds the address"
                     : "user ID " + show(uid) + " does not hold " + addr);
    }
    bool modern = message::to_lower(key.algorithm) == "eddsa" && enc &&
                  message::to_lower(enc->algorithm) == "ecdh" &&
                  message::to_lower(enc->curve) == "curve25519";
    f.judge(modern, "autocrypt.keys.ed25519-cv25519", where,
            "Ed25519 primary, Cv25519 encryption subkey",
            key.algorithm + (key.curve.empty() ? "" : "/" + key.curve) +
                (enc ? " + " + enc->algorithm + (enc->curve.empty() ? "" : "/" + enc->curve) : ""));
}

// Key IDs (hex, upper case) of a keydata value: primary and subkeys.
std::vector<std::string> key_ids(const MessageContext& ctx, const std::string& b64,
                                 bool encryption_only) {
    std::vector<std::string> out;
    auto binary = message::base64_decode(b64);
    if (!binary) return out;
    const auto& facts = ctx.keys().inspect(*binary);
    if (!facts) return out;
    if (!encryption_only) out.push_back(facts->key_id);
    for (const auto& s : facts->subkeys)
        if (!encryption_only || s.can_encrypt) out.push_back(s.key_id);
    return out;
}

bool is_setup_or_draft(const Message& m) {
    return m.headers().has("Autocrypt-Setup-Message") || m.headers().has("Autocrypt-Draft-State");
}

// ---- The Autocrypt header -----------------------------------------------------------------------

void check_autocrypt_header(const MessageContext& ctx, const Message& outer, Findings& f) {
    auto found = collect(ctx, "Autocrypt");
    if (!is_setup_or_draft(outer)) {
        if (!found.empty())
            f.pass("autocrypt.header.include", found.front().where);
        else if (ctx.crypto().encrypted && !ctx.inner_layer())
            f.not_applicable(
                "autocrypt.header.include", "Autocrypt",
                "no Autocrypt header outside; the encrypted part may carry it (give --key)");
        else
            f.unmet("autocrypt.header.include", "Autocrypt", "an Autocrypt header on outgoing mail",
                    "none");
    }
    for (bool inner : {false, true}) {
        std::size_t n = std::count_if(found.begin(), found.end(),
                                      [&](const Located& l) { return l.inner == inner; });
        if (n > 0)
            f.judge(n == 1, "autocrypt.header.single", inner ? "[inner] Autocrypt" : "Autocrypt",
                    "at most one Autocrypt header", std::to_string(n) + " Autocrypt headers");
    }
    std::set<std::string> keydata_seen;
    for (const auto& l : found) {
        AutocryptHeader h = message::parse_autocrypt_attributes(l.field->raw_value);
        std::size_t size = field_size(*l.field);
        f.judge(size <= 10240, "autocrypt.header.size-limit", l.where, "at most 10 KiB",
                std::to_string(size) + " bytes");
        std::vector<std::string> problems = h.problems;
        std::set<std::string> names;
        for (const auto& a : h.attributes)
            if (!names.insert(a.name).second)
                problems.push_back("attribute " + show(a.name) + " repeated");
        f.judge(problems.empty(), "autocrypt.header.syntax", l.where,
                "name=value attributes separated by \";\"", join(problems, "; "));
        const auto* addr = h.find("addr");
        std::string canonical;
        if (addr) {
            auto mb = message::parse_addr_spec(addr->value);
            f.judge(mb.has_value(), "autocrypt.header.addr", l.where, "addr=<one address>",
                    mb ? show(addr->value) : show(addr->value) + ": " + mb.error().message);
            if (mb) canonical = message::canonical_address(mb->address());
        } else {
            f.unmet("autocrypt.header.addr", l.where, "an addr attribute", "none");
        }
        std::string from = from_of_layer(ctx, l.inner);
        if (!canonical.empty() && !from.empty())  // no single From: the RFC 5322 rules report it
            f.judge(canonical == from, "autocrypt.header.addr-matches-from", l.where,
                    "addr equal to From " + show(from), "addr=" + canonical);
        if (const auto* pe = h.find("prefer-encrypt"))
            f.judge(pe->value == "mutual", "autocrypt.header.prefer-encrypt-value", l.where,
                    "prefer-encrypt=mutual", "prefer-encrypt=" + show(pe->value));
        const auto* kd = h.find("keydata");
        f.judge(kd != nullptr && !kd->value.empty(), "autocrypt.header.keydata", l.where,
                "a keydata attribute", kd ? "empty keydata" : "none");
        if (kd)
            f.judge(!h.attributes.empty() && h.attributes.back().name == "keydata",
                    "autocrypt.header.keydata-last", l.where, "keydata as the last attribute",
                    "last attribute is " + show(h.attributes.back().name));
        auto unknown = h.unknown_critical({"addr", "prefer-encrypt", "keydata"});
        f.judge(unknown.empty(), "autocrypt.header.critical-attributes", l.where,
                "no critical attributes beyond addr, prefer-encrypt, keydata",
                "unknown critical " + join(unknown));
        if (kd && !kd->value.empty() && keydata_seen.insert(kd->value).second)
            judge_keydata(ctx, f, l.where + " keydata", kd->value,
                          canonical.empty() ? from : canonical);
    }
}

// ---- Gossip -----------------------------------------------------------------------------------

void check_gossip(const MessageContext& ctx, const Message& outer, Findings& f) {
    auto outside = outer.headers().all("Autocrypt-Gossip");
    bool enc = ctx.crypto().encrypted;
    for (const HeaderField* g : outside) {
        (void)g;
        f.unmet("autocrypt.gossip.not-in-cleartext",
                enc ? "[outer] Autocrypt-Gossip" : "Autocrypt-Gossip",
                "Autocrypt-Gossip only inside the encrypted part", "on the unencrypted header");
    }
    if (!ctx.inner_layer()) return;
    const Message& inner = *ctx.crypto().inner;
    auto root = inner.headers().all("Autocrypt-Gossip");
    bool deeper = false;
    message::for_each_entity(inner.root, [&](const Entity& e) {
        if (!e.path.empty() && e.headers.has("Autocrypt-Gossip")) deeper = true;
    });
    if (root.empty() && !deeper) return;
    if (outside.empty()) f.pass("autocrypt.gossip.not-in-cleartext", "[inner] Autocrypt-Gossip");
    f.chose("autocrypt.gossip.optional", "[inner] Autocrypt-Gossip",
            std::to_string(root.size()) + " gossip headers");
    f.judge(!deeper, "autocrypt.gossip.inner-root", "[inner] Autocrypt-Gossip",
            "gossip headers on the root part of the encrypted payload", "gossip on a nested part");
    auto recipients = recipient_addresses(ctx, true);
    std::vector<std::string> to_cc = recipient_addresses(ctx, false);
    std::vector<std::string> pkesk_ids;
    bool anonymous = true;
    for (const auto& k : ctx.crypto().recipients) {
        if (!k.wildcard && k.key_id.size() == 8) {
            pkesk_ids.push_back(openpgp::to_hex(k.key_id));
            anonymous = false;
        }
    }
    std::set<std::string> addrs;
    for (const HeaderField* g : root) {
        AutocryptHeader h = message::parse_autocrypt_attributes(g->raw_value);
        const auto* addr = h.find("addr");
        std::string where = "[inner] Autocrypt-Gossip";
        std::string a = addr ? message::canonical_address(addr->value) : "";
        if (!a.empty()) where += " " + a;
        bool is_recipient =
            !a.empty() && std::find(recipients.begin(), recipients.end(), a) != recipients.end();
        f.judge(is_recipient, "autocrypt.gossip.addr-is-recipient", where,
                "an address from To, Cc or Reply-To",
                addr ? show(addr->value) : "no addr attribute");
        if (!a.empty() && !addrs.insert(a).second)
            f.unmet("autocrypt.gossip.inner-root", where, "one gossip header per address",
                    "repeated for " + a);
        const auto* kd = h.find("keydata");
        f.judge(kd != nullptr && !kd->value.empty(), "autocrypt.gossip.keydata", where,
                "a keydata attribute", "none");
        f.judge(
            h.find("prefer-encrypt") == nullptr, "autocrypt.gossip.no-prefer-encrypt", where,
            "no prefer-encrypt attribute",
            "prefer-encrypt=" + (h.find("prefer-encrypt") ? h.find("prefer-encrypt")->value : ""));
        if (!kd || kd->value.empty()) continue;
        if (auto binary = message::base64_decode(kd->value)) {
            const auto& facts = ctx.keys().inspect(*binary);
            if (facts) {
                bool single = facts->user_ids.size() == 1;
                f.judge(single, "autocrypt.gossip.single-uid", where, "one user ID",
                        std::to_string(facts->user_ids.size()) + " user IDs");
                if (single)
                    f.judge(message::canonical_address(facts->user_ids[0].text).find(a) !=
                                std::string::npos,
                            "autocrypt.gossip.uid-matches-addr", where, "a user ID holding " + a,
                            show(facts->user_ids[0].text));
            }
        }
        bool in_to_cc = std::find(to_cc.begin(), to_cc.end(), a) != to_cc.end();
        // A draft gossips its intended recipients' keys but is encrypted to the user only.
        if (is_setup_or_draft(ctx.outer())) continue;
        if (!in_to_cc) {
            if (is_recipient)
                f.chose("autocrypt.gossip.reply-to", where, "gossips the Reply-To key");
            continue;
        }
        if (anonymous) {
            f.not_applicable("autocrypt.gossip.key-used-for-encryption", where,
                             "the message names no recipient key IDs (anonymous PKESK), so the "
                             "keys used cannot be compared");
            continue;
        }
        auto ids = key_ids(ctx, kd->value, true);
        bool used = std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
            return std::find(pkesk_ids.begin(), pkesk_ids.end(), id) != pkesk_ids.end();
        });
        f.judge(used, "autocrypt.gossip.key-used-for-encryption", where,
                "the gossiped key among the keys the message is encrypted to",
                "gossiped " + join(ids) + "; encrypted to " + join(pkesk_ids));
    }
}

// ---- Encryption
// -----------------------------------------------------------------------------------

std::string sender_keydata(const MessageContext& ctx) {
    for (const auto& l : collect(ctx, "Autocrypt")) {
        AutocryptHeader h = message::parse_autocrypt_attributes(l.field->raw_value);
        if (const auto* kd = h.find("keydata")) return kd->value;
    }
    return {};
}

void check_encryption(const MessageContext& ctx, const Message& outer, Findings& f) {
    if (!ctx.crypto().encrypted) {
        if (outer.headers().has("Autocrypt-Setup-Message"))
            return;  // its armored payload is by design
        bool inline_pgp = false;
        for (const Entity* e : leaves(outer.root))
            if (!e->is("application", "autocrypt-setup") &&
                e->body.find("-----BEGIN PGP MESSAGE-----") != std::string::npos)
                inline_pgp = true;
        if (inline_pgp)
            f.unmet("autocrypt.encryption.pgp-mime", "body", "PGP/MIME multipart/encrypted",
                    "inline PGP in a body part");
        return;
    }
    f.pass("autocrypt.encryption.pgp-mime", "header Content-Type", "multipart/encrypted");
    if (is_setup_or_draft(outer)) return;  // drafts are encrypted to the user only
    const auto& rec = ctx.crypto().recipients;
    std::vector<std::string> ids;
    bool anonymous = !rec.empty();
    for (const auto& k : rec) {
        if (!k.wildcard && k.key_id.size() == 8) {
            ids.push_back(openpgp::to_hex(k.key_id));
            anonymous = false;
        }
    }
    if (rec.empty()) {
        f.unmet("autocrypt.encryption.recipients", "payload", "public-key encrypted session keys",
                ctx.crypto().armor ? "no PKESK packet" : "the payload could not be read");
        return;
    }
    std::string kd = sender_keydata(ctx);
    if (!anonymous && !kd.empty()) {
        auto own = key_ids(ctx, kd, true);
        bool to_self = std::any_of(own.begin(), own.end(), [&](const std::string& id) {
            return std::find(ids.begin(), ids.end(), id) != ids.end();
        });
        f.judge(to_self, "autocrypt.encryption.recipients", "payload",
                "encrypted to the sender's own key " + join(own) + " as well",
                "encrypted to " + join(ids));
    } else if (ctx.inner_layer()) {
        auto recipients = recipient_addresses(ctx, false);
        std::set<std::string> distinct(recipients.begin(), recipients.end());
        distinct.erase(from_address(ctx));
        std::size_t need = distinct.size() + 1;
        f.judge(rec.size() >= need, "autocrypt.encryption.recipients", "payload",
                "at least " + std::to_string(need) + " session keys (recipients and the sender)",
                std::to_string(rec.size()) + (anonymous ? " anonymous" : "") + " session keys");
    } else {
        f.not_applicable("autocrypt.encryption.recipients", "payload",
                         anonymous ? "recipients are anonymous (wildcard key IDs) and the real To "
                                     "is hidden; give --key"
                                   : "no Autocrypt key of the sender to compare with");
    }
}

void check_signed(const MessageContext& ctx, const Message& m, Findings& f) {
    // Encrypted drafts need not be signed (autocrypt/level1.rst "Message Drafts").
    if (!ctx.crypto().encrypted || is_setup_or_draft(ctx.outer())) return;
    if (m.root.is("multipart", "signed")) {
        f.not_applicable("autocrypt.encryption.signed", "payload",
                         "signed with a separate multipart/signed layer; coitest verifies only "
                         "signatures inside the OpenPGP message");
        return;
    }
    const auto& sigs = ctx.crypto().signatures;
    std::string kd = sender_keydata(ctx);
    auto own = kd.empty() ? std::vector<std::string>{} : key_ids(ctx, kd, false);
    bool ok = false;
    std::vector<std::string> seen;
    for (const auto& s : sigs) {
        seen.push_back((s.key_id.empty() ? "?" : s.key_id) + ": " + s.status);
        if (s.valid && (own.empty() || std::find(own.begin(), own.end(), s.key_id) != own.end()))
            ok = true;
    }
    f.judge(
        ok, "autocrypt.encryption.signed", "payload",
        own.empty() ? "a valid signature" : "a valid signature by the sender's key " + join(own),
        sigs.empty() ? "no signature inside the encrypted message" : join(seen, "; "));
}

// ---- Setup Message
// --------------------------------------------------------------------------------

// The encrypted payload of a Setup Message, opened with a Setup Code the user gave: it starts
// with an armored Transferable Secret Key carrying an Autocrypt-Prefer-Encrypt armor header.
void judge_setup_payload(const MessageContext& ctx, const openpgp::Armor& armor,
                         const std::string& where, Findings& f) {
    const char* key_rule = "autocrypt.setup.payload-secret-key";
    const char* pref_rule = "autocrypt.setup.prefer-encrypt-armor-header";
    if (ctx.setup_codes().empty()) {
        for (const char* id : {key_rule, pref_rule})
            f.not_applicable(id, where,
                             "the payload is encrypted with the Setup Code; give it with "
                             "--setup-code to judge the secret key inside (only the outer format "
                             "was judged)");
        return;
    }
    std::optional<std::string> plain;
    for (const auto& code : ctx.setup_codes())
        if (auto p = openpgp::decrypt_with_passphrase(armor.data, code)) {
            plain = std::move(*p);
            break;
        }
    if (!plain) {
        for (const char* id : {key_rule, pref_rule})
            f.not_applicable(id, where, "none of the --setup-code values opens the payload");
        return;
    }
    std::string problem;
    std::string_view text = trim(*plain);
    auto key = openpgp::dearmor(text);
    if (text.rfind("-----BEGIN PGP PRIVATE KEY BLOCK-----", 0) != 0) {
        problem = "the payload starts with " + show(text.substr(0, 40), 40);
    } else if (!key) {
        problem = key.error().message;
    } else {
        auto packets = openpgp::parse_packets(key->data);
        std::vector<int> tags;
        if (packets)
            for (const auto& p : *packets) tags.push_back(p.tag);
        bool secret_primary = !tags.empty() && tags.front() == 5;
        bool uid = std::find(tags.begin(), tags.end(), 13) != tags.end();
        if (!packets)
            problem = packets.error().message;
        else if (!secret_primary || !uid)
            problem = "packets " + tag_list(tags) + " are not a transferable secret key";
    }
    f.judge(problem.empty(), key_rule, where + " payload",
            "an ASCII-armored transferable secret key first", problem);
    if (key && problem.empty()) {
        const std::string* pe = key->header("Autocrypt-Prefer-Encrypt");
        bool ok = pe && (*pe == "mutual" || *pe == "nopreference");
        f.judge(ok, pref_rule, where + " payload armor",
                "Autocrypt-Prefer-Encrypt: mutual or nopreference",
                pe ? show(*pe) : "no Autocrypt-Prefer-Encrypt armor header");
    }
}

void check_setup_message(const MessageContext& ctx, const Message& m, Findings& f) {
    const HeaderField* asm_header = m.headers().first("Autocrypt-Setup-Message");
    const Entity* payload = nullptr;
    for (const Entity* e : leaves(m.root))
        if (e->is("application", "autocrypt-setup")) payload = e;
    if (!asm_header && !payload) return;
    f.judge(asm_header && trim(asm_header->value) == "v1", "autocrypt.setup.header",
            "Autocrypt-Setup-Message", "Autocrypt-Setup-Message: v1",
            asm_header ? show(asm_header->value) : "no such field");
    auto from = single_from(m.headers().first("From"));
    auto to = m.headers().first("To")
                  ? message::parse_mailbox_list(m.headers().first("To")->raw_value)
                  : Result<std::vector<message::Mailbox>>(make_error(ErrorKind::protocol, "no To"));
    bool same = from && to && to->size() == 1 &&
                message::canonical_address(from->address()) ==
                    message::canonical_address(to->front().address());
    f.judge(same, "autocrypt.setup.to-from", "To", "To and From both the account's address",
            "From " + show(value_of(m.headers().first("From"))) + ", To " +
                show(value_of(m.headers().first("To"))));
    const Entity& root = m.root;
    f.judge(root.is("multipart", "mixed"), "autocrypt.setup.multipart-mixed", "header Content-Type",
            "multipart/mixed", root.type.type + "/" + root.type.subtype);
    if (!root.children.empty()) {
        const Entity& first = root.children[0];
        f.judge(first.is("text", "plain") || first.is("text", "html") ||
                    first.is("multipart", "alternative"),
                "autocrypt.setup.first-part-readable", first.where(),
                "text/plain, text/html or multipart/alternative",
                first.type.type + "/" + first.type.subtype);
    }
    const Entity* second = root.children.size() >= 2 ? &root.children[1] : nullptr;
    std::string problem;
    std::optional<openpgp::Armor> armor;
    if (!second || !second->is("application", "autocrypt-setup")) {
        problem = second ? "second part is " + second->type.type + "/" + second->type.subtype
                         : "no second part";
    } else {
        auto a = openpgp::dearmor(second->body);
        if (!a) {
            problem = a.error().message;
        } else if (a->label != "PGP MESSAGE") {
            problem = "armor label " + show(a->label);
        } else {
            armor = *a;
            auto packets = openpgp::parse_packets(a->data);
            std::vector<int> tags;
            if (packets)
                for (const auto& p : *packets) tags.push_back(p.tag);
            if (!packets)
                problem = packets.error().message;
            else if (tags != std::vector<int>{3, 18})
                problem = "packets " + tag_list(tags);
            else {
                auto sk = openpgp::parse_skesk((*packets)[0]);
                bool aes = sk && (sk->cipher == 7 || sk->cipher == 9);
                bool s2k = sk && sk->s2k_type == 3;
                f.judge(aes && s2k, "autocrypt.setup.cipher", second->where(),
                        "AES-128 or AES-256 with salted+iterated S2K",
                        sk ? std::string(openpgp::symmetric_algorithm_name(sk->cipher)) +
                                 ", S2K type " + std::to_string(sk->s2k_type)
                           : "unreadable SKESK");
                judge_setup_payload(ctx, *a, second->where(), f);
            }
        }
    }
    f.judge(problem.empty(), "autocrypt.setup.second-part-type",
            second ? second->where() : "part 2",
            "application/autocrypt-setup with an armored SKESK + SEIPD message", problem);
    if (second)
        f.judge(second->disposition && message::iequals(second->disposition->value, "attachment"),
                "autocrypt.setup.second-part-attachment", second->where(),
                "Content-Disposition: attachment",
                second->disposition ? show(second->disposition->value) : "no Content-Disposition");
    if (armor) {
        const std::string* pf = armor->header("Passphrase-Format");
        f.judge(pf && *pf == "numeric9x4", "autocrypt.setup.passphrase-format",
                second->where() + " armor", "Passphrase-Format: numeric9x4",
                pf ? show(*pf) : "no Passphrase-Format header");
        const std::string* pb = armor->header("Passphrase-Begin");
        bool two = pb && pb->size() == 2 && std::isdigit(static_cast<unsigned char>((*pb)[0])) &&
                   std::isdigit(static_cast<unsigned char>((*pb)[1]));
        f.judge(two, "autocrypt.setup.passphrase-begin", second->where() + " armor",
                "Passphrase-Begin: <2 digits>", pb ? show(*pb) : "no Passphrase-Begin header");
        std::string around = second->body.substr(0, armor->begin) +
                             second->body.substr(std::min(armor->end, second->body.size()));
        if (!trim(around).empty())
            f.chose("autocrypt.setup.surrounding-text", second->where(),
                    "text around the armored block");
    }
    // The Setup Code (nine dash-separated blocks of four digits) must not appear in clear.
    static const std::regex code(R"((\d{4}\s*-\s*){8}\d{4})");
    bool leaked = false;
    message::for_each_entity(m.root, [&](const Entity& e) {
        if (e.children.empty() && e.is("text", "*") && e.body.size() < (1u << 20) &&
            std::regex_search(e.body, code))
            leaked = true;
    });
    for (const auto& h : m.headers().fields)
        if (std::regex_search(h.value, code)) leaked = true;
    f.judge(!leaked, "autocrypt.setup.code-not-in-message", "body", "no Setup Code in the clear",
            "a 36-digit code in nine blocks appears in the message");
}

// ---- Drafts
// ---------------------------------------------------------------------------------------

void check_draft(const MessageContext& ctx, const Message& outer, Findings& f) {
    const HeaderField* ds = outer.headers().first("Autocrypt-Draft-State");
    if (!ds) return;
    f.chose("autocrypt.draft-state.optional", "Autocrypt-Draft-State", show(ds->value));
    std::size_t gossip =
        outer.headers().count("Autocrypt-Gossip") +
        (ctx.inner_layer() ? ctx.crypto().inner->headers().count("Autocrypt-Gossip") : 0);
    if (gossip > 0)
        f.chose("autocrypt.draft.gossip", "Autocrypt-Gossip",
                std::to_string(gossip) + " gossip headers for the intended recipients");
    AutocryptHeader h = message::parse_autocrypt_attributes(ds->raw_value);
    std::vector<std::string> problems = h.problems;
    for (const auto& a : h.attributes) {
        bool known =
            a.name == "encrypt" || a.name == "_is-reply-to-encrypted" || a.name == "_by-choice";
        if (known && a.value != "yes" && a.value != "no")
            problems.push_back(a.name + "=" + show(a.value));
        if (!known && !a.name.empty() && a.name.front() != '_')
            problems.push_back("unknown critical " + a.name);
    }
    f.judge(problems.empty(), "autocrypt.draft-state.values", "Autocrypt-Draft-State",
            "encrypt, _is-reply-to-encrypted, _by-choice with yes or no", join(problems, "; "));
    const auto* encrypt = h.find("encrypt");
    f.judge(encrypt != nullptr, "autocrypt.draft-state.encrypt-present", "Autocrypt-Draft-State",
            "an encrypt attribute", "none");
    if (encrypt && encrypt->value == "yes") {
        f.judge(ctx.crypto().encrypted, "autocrypt.draft.encrypt-to-self", "message",
                "a draft that will be sent encrypted is stored encrypted", "stored in cleartext");
        if (ctx.crypto().encrypted) f.pass("autocrypt.draft.pgp-mime", "message", "PGP/MIME");
    }
    if (ctx.submitted())
        f.unmet("autocrypt.draft-state.stripped", "Autocrypt-Draft-State",
                "no Autocrypt-Draft-State on sent mail", "present on a message that was sent");
}

}  // namespace

RuleSet autocrypt_rules() {
    return {"autocrypt",
            {
                {"Autocrypt header",
                 Needs::envelope,
                 {"autocrypt.header.include",
                  "autocrypt.header.single",
                  "autocrypt.header.size-limit",
                  "autocrypt.header.syntax",
                  "autocrypt.header.addr",
                  "autocrypt.header.addr-matches-from",
                  "autocrypt.header.prefer-encrypt-value",
                  "autocrypt.header.keydata",
                  "autocrypt.header.keydata-last",
                  "autocrypt.header.critical-attributes",
                  "autocrypt.keydata.binary-base64",
                  "autocrypt.keydata.five-packets",
                  "autocrypt.keydata.user-id",
                  "autocrypt.keydata.primary-signing",
                  "autocrypt.keydata.uid-self-signature",
                  "autocrypt.keydata.encryption-subkey",
                  "autocrypt.keydata.subkey-binding",
                  "autocrypt.keydata.uid-not-empty",
                  "autocrypt.keydata.uid-addr-convention",
                  "autocrypt.keys.ed25519-cv25519"},
                 check_autocrypt_header},
                {"gossip",
                 Needs::envelope,
                 {"autocrypt.gossip.not-in-cleartext", "autocrypt.gossip.optional",
                  "autocrypt.gossip.inner-root", "autocrypt.gossip.addr-is-recipient",
                  "autocrypt.gossip.keydata", "autocrypt.gossip.no-prefer-encrypt",
                  "autocrypt.gossip.single-uid", "autocrypt.gossip.uid-matches-addr",
                  "autocrypt.gossip.reply-to", "autocrypt.gossip.key-used-for-encryption"},
                 check_gossip},
                {"encryption",
                 Needs::envelope,
                 {"autocrypt.encryption.pgp-mime", "autocrypt.encryption.recipients"},
                 check_encryption},
                {"signature", Needs::content, {"autocrypt.encryption.signed"}, check_signed},
                {"Setup Message",
                 Needs::envelope,
                 {"autocrypt.setup.header", "autocrypt.setup.to-from",
                  "autocrypt.setup.multipart-mixed", "autocrypt.setup.first-part-readable",
                  "autocrypt.setup.second-part-type", "autocrypt.setup.second-part-attachment",
                  "autocrypt.setup.cipher", "autocrypt.setup.payload-secret-key",
                  "autocrypt.setup.prefer-encrypt-armor-header",
                  "autocrypt.setup.passphrase-format", "autocrypt.setup.passphrase-begin",
                  "autocrypt.setup.surrounding-text", "autocrypt.setup.code-not-in-message"},
                 check_setup_message},
                {"drafts",
                 Needs::envelope,
                 {"autocrypt.draft-state.optional", "autocrypt.draft-state.values",
                  "autocrypt.draft-state.encrypt-present", "autocrypt.draft.encrypt-to-self",
                  "autocrypt.draft.pgp-mime", "autocrypt.draft-state.stripped",
                  "autocrypt.draft.gossip"},
                 check_draft},
            }};
}

}  // namespace coitest::messages
