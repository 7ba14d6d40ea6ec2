// The rules the COI server and WebPush specs give for the exchanges their examples show:
// capabilities, METADATA entry names and values, subscription IDs and JSON, the VAPID key.
#include "messages/spec_exchange_rules.hpp"

#include "message/text.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <regex>

namespace coitest::messages::exchange {

using message::show;

namespace {

const std::string kCoiConfig = "/private/vendor/vendor.dovecot/coi/config";
const std::string kWebpush = "/private/vendor/vendor.dovecot/webpush/";
const std::string kSubscriptions = "/private/vendor/vendor.dovecot/webpush/subscriptions";
const std::string kVapid = "/private/vendor/vendor.dovecot/webpush/vapid";

bool starts_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}
bool ends_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::string text_of(const imap::SExpr& e) {
    return e.is_nil() ? "NIL" : e.text;
}

// Entry names a GETMETADATA asks for, and its DEPTH option ("0" when absent).
struct GetMetadataArgs {
    std::vector<std::string> entries;
    std::string depth = "0";
};
std::optional<GetMetadataArgs> get_metadata_args(const ClientCommand& c) {
    GetMetadataArgs g;
    std::size_t i = 0;
    if (!c.args.empty() && c.args[0].is_list()) {
        const auto& opts = c.args[0].items;
        for (std::size_t k = 0; k + 1 < opts.size(); k += 2)
            if (imap::iequals(opts[k].text, "DEPTH")) g.depth = opts[k + 1].text;
        i = 1;
    }
    if (c.args.size() != i + 2) return std::nullopt;
    const auto& e = c.args[i + 1];
    if (e.is_list())
        for (const auto& x : e.items) g.entries.push_back(x.text);
    else
        g.entries.push_back(e.text);
    return g;
}

}  // namespace

bool is_rfc3339(std::string_view s) {
    static const std::regex re(
        R"(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))");
    return std::regex_match(s.begin(), s.end(), re);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && imap::iequals(s.substr(0, prefix.size()), prefix);
}

namespace {

std::string id_problem(std::string_view id) {
    if (id.size() < 10 || id.size() > 36)
        return std::to_string(id.size()) + " characters: " + show(id, 40);
    if (id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") !=
        std::string_view::npos)
        return "a character outside [0-9A-Za-z_-]: " + show(id, 40);
    return {};
}

// Elided example data ("BNc...kM=") is a placeholder, not content.
bool elided(std::string_view s) {
    return s.find("...") != std::string_view::npos;
}

std::optional<std::string> decode_b64_any(std::string s) {
    for (char& c : s) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    while (s.size() % 4 != 0) s.push_back('=');
    return message::base64_decode(s);
}

// Problems of a subscription JSON (webpush-spec.md "Subscribe"); empty when it is well-formed.
std::vector<std::string> subscription_problems(const nlohmann::json& j, std::string& msgtype) {
    std::vector<std::string> p;
    if (!j.is_object()) return {"not a JSON object"};
    auto str = [&](const nlohmann::json& o, const char* key, std::size_t max) {
        if (!o.contains(key) || !o[key].is_string()) {
            p.push_back(std::string("no string member ") + key);
            return std::string();
        }
        std::string v = o[key].get<std::string>();
        if (v.size() > max)
            p.push_back(std::string(key) + " longer than " + std::to_string(max) + " octets");
        return v;
    };
    str(j, "client", 128);
    str(j, "device", 128);
    msgtype = str(j, "msgtype", 1000);
    if (!j.contains("resource") || !j["resource"].is_object()) {
        p.push_back("no resource object");
        return p;
    }
    const auto& r = j["resource"];
    str(r, "endpoint", 512);
    if (!r.contains("keys") || !r["keys"].is_object()) {
        p.push_back("no resource.keys object");
        return p;
    }
    str(r["keys"], "p256dh", 256);
    std::string auth = str(r["keys"], "auth", 1000);
    if (!auth.empty() && !elided(auth)) {
        auto raw = decode_b64_any(auth);
        if (!raw || raw->size() != 16)
            p.push_back("auth is not 16 octets of base64 (" + show(auth, 30) + ")");
    }
    return p;
}

std::string pem_p256_problem(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    if (!bio) return "could not read the value";
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    if (!key) return "not a PEM public key";
    char group[64] = {0};
    std::size_t len = 0;
    if (!EVP_PKEY_is_a(key.get(), "EC") ||
        EVP_PKEY_get_group_name(key.get(), group, sizeof group, &len) != 1 ||
        std::string_view(group) != "prime256v1")
        return "a public key, but not on P-256";
    return {};
}

}  // namespace

std::string where_of(std::string_view file, int line, std::string_view what) {
    std::string w = std::string(file) + ":" + std::to_string(line);
    if (!what.empty()) w += " " + std::string(what);
    return w;
}

bool SpecRules::coi() const {
    return spec_ == "coi/coi-server-spec.md";
}
bool SpecRules::webpush() const {
    return spec_ == "coi/webpush-spec.md";
}

void SpecRules::capabilities(const Observed& o) {
    auto has = [&](std::string_view cap) {
        return std::any_of(o.capabilities.begin(), o.capabilities.end(),
                           [&](const std::string& c) { return imap::iequals(c, cap); });
    };
    std::string w = where_of(file_, o.line, "CAPABILITY");
    std::string seen = "CAPABILITY";
    for (const auto& cap : o.capabilities) seen += " " + cap;
    if (coi() && o.authenticated) {
        f_.judge(has("COI"), "coi-server.capability.coi-after-login", w, "COI listed", seen);
        f_.judge(has("WEBPUSH"), "coi-server.capability.webpush", w, "WEBPUSH listed", seen);
    }
    if (webpush()) {
        if (o.authenticated)
            f_.judge(has("WEBPUSH"), "webpush.capability.advertised", w, "WEBPUSH listed", seen);
        else
            f_.judge(!has("WEBPUSH"), "webpush.capability.not-before-auth", w,
                     "no WEBPUSH before authentication", seen);
    }
}

void SpecRules::completed(const Completed& c) {
    if (c.command->name == "SETMETADATA") setmetadata(c);
    if (c.command->name == "GETMETADATA") getmetadata(c);
}

void SpecRules::setmetadata(const Completed& c) {
    const ClientCommand& cmd = *c.command;
    int line = c.command_line;
    if (cmd.args.size() != 2 || !cmd.args[1].is_list()) return;  // the syntax rule reports it
    const auto& items = cmd.args[1].items;
    bool ok = c.status == imap::Status::ok;
    std::string answer = std::string(imap::to_string(c.status));
    for (std::size_t k = 0; k + 1 < items.size(); k += 2) {
        const std::string& entry = items[k].text;
        const imap::SExpr& value = items[k + 1];
        std::string w = where_of(file_, line, "SETMETADATA " + entry);
        f_.judge(value.is_string() || value.is_nil(), "rfc5464.syntax.value", w,
                 "a quoted string, a literal or NIL as the value",
                 "the bare atom " + show(value.text, 40));
        std::string v = text_of(value);
        if (coi() && starts_with(entry, kCoiConfig + "/")) {
            std::string name = entry.substr(kCoiConfig.size() + 1);
            if (name == "enabled") {
                if (v == "yes" || value.is_nil())
                    f_.judge(ok, "coi-server.metadata.setmetadata-paths", w, "OK for enabled " + v,
                             answer);
                else
                    f_.judge(c.status == imap::Status::no, "coi-server.enable.invalid-value-no", w,
                             "NO for enabled " + show(v, 30), answer);
            } else if (name == "message-filter") {
                if (v == "none" || v == "active" || v == "seen")
                    f_.judge(ok, "coi-server.metadata.setmetadata-paths", w,
                             "OK for message-filter " + v, answer);
                else
                    f_.chose("coi-server.filter.invalid-value-no", w,
                             "message-filter " + show(v, 30) + " answered " + answer);
            } else if (name == "mailbox-root") {
                f_.chose("coi-server.config.mailbox-root-per-user", w,
                         std::string("setting mailbox-root is ") +
                             (ok ? "accepted" : "refused (" + answer + ")"));
            }
        }
        if (webpush() && starts_with(entry, kWebpush)) subscription_entry(entry, value, w);
    }
}

void SpecRules::subscription_entry(const std::string& entry, const imap::SExpr& value,
                                   const std::string& w) {
    if (!starts_with(entry, kSubscriptions)) return;
    std::string rest = entry.substr(kSubscriptions.size());
    std::string id, suffix;
    if (starts_with(rest, "/")) {
        rest = rest.substr(1);
        std::size_t slash = rest.find('/');
        id = rest.substr(0, slash);
        if (slash != std::string::npos) suffix = rest.substr(slash);
    }
    f_.judge(!id.empty() && (suffix.empty() || suffix == "/validate"),
             "webpush.subscribe.path-prefix", w, kSubscriptions + "/<ID> (or .../<ID>/validate)",
             show(entry, 100));
    if (id.empty()) return;
    std::string problem = id_problem(id);
    f_.judge(problem.empty(), "webpush.subscribe.id-rules", w,
             "an ID of 10 to 36 characters from [0-9A-Za-z_-]", problem);
    if (!suffix.empty() || value.is_nil()) return;
    auto j = nlohmann::json::parse(value.text, nullptr, false);
    std::string msgtype;
    std::vector<std::string> problems = j.is_discarded()
                                            ? std::vector<std::string>{"not valid JSON"}
                                            : subscription_problems(j, msgtype);
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    f_.judge(problems.empty(), "webpush.subscribe.supported", w,
             "a subscription JSON with client, device, msgtype and resource (endpoint, "
             "keys.p256dh, keys.auth of 16 octets)",
             joined);
    if (!msgtype.empty())
        f_.judge(msgtype == "chat" || msgtype == "mail" || msgtype == "all",
                 "webpush.subscribe.msgtype-values", w, "msgtype chat, mail or all",
                 "msgtype " + show(msgtype, 30));
}

void SpecRules::getmetadata(const Completed& c) {
    auto args = get_metadata_args(*c.command);
    if (!args) return;
    int line = c.command_line;
    for (const auto& entry : args->entries) {
        std::string w = where_of(file_, line, "GETMETADATA " + entry);
        if (coi() && starts_with(entry, "/private/vendor/vendor.dovecot/coi"))
            f_.judge(entry == kCoiConfig || starts_with(entry, kCoiConfig + "/"),
                     "coi-server.config.getmetadata-prefix", w, "an entry under " + kCoiConfig,
                     show(entry, 100));
    }
    if (c.status != imap::Status::ok) return;
    for (const auto& [resp_line, resp] : c.untagged) {
        const auto* md = resp->get<imap::Metadata>();
        if (md == nullptr) continue;
        std::string w = where_of(file_, resp_line, "METADATA");
        if (coi()) {
            bool whole_config = std::find(args->entries.begin(), args->entries.end(), kCoiConfig) !=
                                    args->entries.end() &&
                                args->depth != "0";
            if (whole_config) {
                bool root = std::any_of(
                    md->entries.begin(), md->entries.end(), [](const imap::MetadataEntry& e) {
                        return ends_with(e.name, "/config/mailbox-root") && e.value;
                    });
                f_.judge(root, "coi-server.config.mailbox-root-exists", w,
                         "a mailbox-root entry among the configuration", "none listed");
            }
        }
        if (!webpush()) continue;
        for (const auto& e : md->entries) {
            std::string we = where_of(file_, resp_line, "METADATA " + e.name);
            if (e.name == kVapid && e.value) {
                std::string problem = pem_p256_problem(*e.value);
                f_.judge(problem.empty(), "webpush.vapid.pem-base64", we,
                         "the PEM text of a P-256 public key", problem);
            }
            if (starts_with(e.name, kSubscriptions + "/") && e.value) {
                std::string id = e.name.substr(kSubscriptions.size() + 1);
                std::string problem = id_problem(id);
                f_.judge(problem.empty(), "webpush.subscribe.id-rules", we,
                         "an ID of 10 to 36 characters from [0-9A-Za-z_-]", problem);
                listed_subscription(*e.value, we);
            }
        }
    }
}

void SpecRules::listed_subscription(const std::string& value, const std::string& w) {
    auto j = nlohmann::json::parse(value, nullptr, false);
    std::string problem;
    if (j.is_discarded() || !j.is_object())
        problem = "not a JSON object";
    else if (!j.contains("created") || !j["created"].is_string())
        problem = "no created member";
    else if (!j.contains("validated") || !j["validated"].is_boolean())
        problem = "no boolean validated member";
    f_.judge(problem.empty(), "webpush.list.depth-one", w,
             "each listed subscription with created and validated", problem);
    if (!j.is_discarded() && j.is_object() && j.contains("created") && j["created"].is_string()) {
        std::string created = j["created"].get<std::string>();
        f_.judge(is_rfc3339(created), "webpush.subscribe.created-added", w,
                 "created as an RFC 3339 date-time", show(created, 40));
    }
}

}  // namespace coitest::messages::exchange

namespace coitest::messages {

using message::show;

namespace {

// The spec line of byte `offset` of a text that starts on `first_line`.
int line_at(std::string_view text, std::size_t offset, int first_line) {
    offset = std::min(offset, text.size());
    return first_line + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

}  // namespace

void judge_json_example(std::string_view text, std::string_view file, int first_line,
                        std::string_view spec, message::Findings& f) {
    if (spec != "coi/webpush-spec.md") return;
    bool validation = text.find("\"validation\"") != std::string_view::npos;
    bool payload = text.find("\"msg-id\"") != std::string_view::npos ||
                   text.find("\"from-email\"") != std::string_view::npos;
    if (!validation && !payload) return;
    const char* rule = validation ? "webpush.validation.payload" : "webpush.payload.fields";
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // The byte is 1-based and points just past where the parser gave up.
        std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
        int line = line_at(text, at, first_line);
        std::size_t bol = text.rfind('\n', at == 0 ? 0 : at - 1);
        bol = bol == std::string_view::npos ? 0 : bol + 1;
        std::string_view rest = text.substr(std::min(bol, text.size()));
        f.unmet(rule, exchange::where_of(file, line, "JSON"), "a JSON object",
                "not valid JSON: the parser stops at line " + std::to_string(line) + ", " +
                    show(message::trim(rest.substr(0, rest.find('\n'))), 50) + " (" + e.what() +
                    ")");
        return;
    }
    std::string w = exchange::where_of(file, first_line, "JSON");
    if (validation) {
        bool ok = j.is_object() && j.size() == 1 && j.contains("validation") &&
                  j["validation"].is_string() && j["validation"].get<std::string>().size() <= 1024;
        f.judge(ok, rule, w, "an object whose only member is a validation string of at most 1 kB",
                show(j.dump(), 80));
        return;
    }
    std::vector<std::string> missing;
    for (const char* key : {"from-email", "msg-id", "uid", "uidvalidity", "folder"})
        if (!j.is_object() || !j.contains(key)) missing.push_back(key);
    std::string joined;
    for (const auto& m : missing) joined += (joined.empty() ? "" : ", ") + m;
    f.judge(missing.empty(), rule, w, "from-email, msg-id, uid, uidvalidity and folder",
            "missing " + joined);
    if (!j.is_object()) return;
    if (j.contains("content")) {
        bool plain = j.contains("content-type") && j["content-type"].is_string() &&
                     exchange::starts_with_ci(j["content-type"].get<std::string>(), "text/plain");
        f.judge(j.contains("content-type") || plain, "webpush.payload.content-type", w,
                "content-type beside content (unless text/plain)", "content without content-type");
    }
    if (j.contains("date") && j["date"].is_string())
        f.judge(exchange::is_rfc3339(j["date"].get<std::string>()), "webpush.payload.date-omitted",
                w, "date as an RFC 3339 timestamp", show(j["date"].get<std::string>(), 40));
}

}  // namespace coitest::messages
