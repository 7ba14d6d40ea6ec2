#include "runner/target.hpp"

#include "runner/toml_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace coitest {

namespace {

constexpr std::size_t kMaxTargetFile = 1024 * 1024;

Error config(std::string message) {
    return make_error(ErrorKind::config, std::move(message));
}

// A password file holds the password on its first line; trailing CR/LF is not part of it.
Result<std::string> read_password_file(const std::filesystem::path& path, std::string_view who) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return config(fmt::format("password file {} for {} does not exist", path.string(), who));
    if (std::filesystem::file_size(path, ec) > 64 * 1024)
        return config(fmt::format("password file {} for {} is too large to be a password",
                                  path.string(), who));
    std::ifstream in(path, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line))
        return config(
            fmt::format("password file {} for {} is empty or unreadable", path.string(), who));
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    if (line.empty())
        return config(fmt::format("password file {} for {} is empty", path.string(), who));
    return line;
}

Result<std::string> read_password_env(std::string_view var, std::string_view who) {
    const char* value = std::getenv(std::string(var).c_str());
    if (!value || !*value)
        return config(fmt::format("environment variable {} (password of {}) is not set", var, who));
    return std::string(value);
}

Result<net::Endpoint> endpoint_for(std::string_view url, net::Protocol expected,
                                   std::string_view what) {
    auto ep = net::parse_endpoint(url);
    if (!ep) return config(fmt::format("{}: {}", what, ep.error().message));
    const bool ok = ep->protocol == expected ||
                    (expected == net::Protocol::lmtp && ep->protocol == net::Protocol::smtp);
    if (!ok)
        return config(fmt::format(
            "{}: '{}' is not an {} URL", what, url,
            expected == net::Protocol::lmtp ? "lmtp:// or smtp://" : net::to_string(expected)));
    return *ep;
}

Result<Delivery> delivery_for(std::string_view url, std::string_view what) {
    if (url == "imap-append") return Delivery{DeliveryKind::imap_append, std::nullopt};
    auto ep = endpoint_for(url, net::Protocol::lmtp, what);
    if (!ep) return ep.error();
    return Delivery{ep->protocol == net::Protocol::lmtp ? DeliveryKind::lmtp : DeliveryKind::smtp,
                    *ep};
}

std::optional<std::string> str(const toml::table& t, std::string_view key) {
    if (auto v = t[key].value<std::string>()) return *v;
    return std::nullopt;
}

Result<std::string> url_of(const toml::table& root, std::string_view section,
                           const std::filesystem::path& source) {
    const auto* t = root[section].as_table();
    if (!t) return config(fmt::format("{}: [{}] must be a table", source.string(), section));
    if (auto r = reject_unknown_keys(*t, {"url"}, source.string(), fmt::format("[{}]", section));
        !r)
        return r.error();
    auto url = str(*t, "url");
    if (!url) return config(fmt::format("{}: [{}] needs url = \"...\"", source.string(), section));
    return *url;
}

}  // namespace

std::string Target::describe() const {
    std::string out = imap ? imap->url() : "(no IMAP endpoint)";
    if (smtp) out += fmt::format(", submission {}", smtp->url());
    if (delivery.endpoint) out += fmt::format(", delivery {}", delivery.endpoint->url());
    return out;
}

bool Target::claims(std::string_view profile) const {
    return std::find(profiles.begin(), profiles.end(), profile) != profiles.end();
}

Result<Target> parse_target(std::string_view toml_text, const std::filesystem::path& source) {
    const std::string name = source.string();
    auto parsed = parse_toml(toml_text, name);
    if (!parsed) return parsed.error();
    const toml::table& root = *parsed;
    if (auto r = reject_unknown_keys(
            root, {"name", "profiles", "imap", "smtp", "deliver", "tls", "account", "webpush"},
            name, "the target file");
        !r)
        return r.error();
    const auto base = source.parent_path();
    auto relative = [&](const std::string& p) {
        const std::filesystem::path path(p);
        return path.is_absolute() ? path : base / path;
    };

    Target target;
    target.name = str(root, "name").value_or(source.filename().string());
    if (const auto* profiles = root["profiles"].as_array()) {
        for (const auto& p : *profiles) {
            auto v = p.value<std::string>();
            if (!v) return config(fmt::format("{}: profiles must be a list of strings", name));
            target.profiles.push_back(*v);
        }
    }
    if (root.contains("imap")) {
        auto url = url_of(root, "imap", source);
        if (!url) return url.error();
        auto ep = endpoint_for(*url, net::Protocol::imap, fmt::format("{} [imap]", name));
        if (!ep) return ep.error();
        target.imap = *ep;
    }
    if (root.contains("smtp")) {
        auto url = url_of(root, "smtp", source);
        if (!url) return url.error();
        auto ep = endpoint_for(*url, net::Protocol::smtp, fmt::format("{} [smtp]", name));
        if (!ep) return ep.error();
        target.smtp = *ep;
    }
    if (root.contains("deliver")) {
        auto url = url_of(root, "deliver", source);
        if (!url) return url.error();
        auto d = delivery_for(*url, fmt::format("{} [deliver]", name));
        if (!d) return d.error();
        target.delivery = *d;
    }
    if (const auto* tls = root["tls"].as_table()) {
        if (auto r = reject_unknown_keys(*tls, {"ca_file", "insecure"}, name, "[tls]"); !r)
            return r.error();
        if (auto ca = str(*tls, "ca_file")) target.tls.ca_file = relative(*ca).string();
        target.tls.insecure = (*tls)["insecure"].value_or(false);
    } else if (root.contains("tls")) {
        return config(fmt::format("{}: [tls] must be a table", name));
    }
    if (const auto* wp = root["webpush"].as_table()) {
        if (auto r = reject_unknown_keys(*wp, {"ca_cert", "ca_key", "listen", "host"}, name,
                                         "[webpush]");
            !r)
            return r.error();
        auto cert = str(*wp, "ca_cert");
        auto key = str(*wp, "ca_key");
        if (!cert || !key)
            return config(fmt::format(
                "{}: [webpush] needs ca_cert = \"...\" and ca_key = \"...\" (PEM files; "
                "coitest creates them when neither exists)",
                name));
        WebPushEndpoint w;
        w.ca_cert_file = relative(*cert);
        w.ca_key_file = relative(*key);
        w.listen = str(*wp, "listen").value_or(w.listen);
        w.host = str(*wp, "host").value_or("");
        target.webpush = std::move(w);
    } else if (root.contains("webpush")) {
        return config(fmt::format("{}: [webpush] must be a table", name));
    }
    if (root.contains("account")) {
        const auto* accounts = root["account"].as_array();
        if (!accounts)
            return config(fmt::format("{}: accounts are given as [[account]] tables", name));
        for (const auto& node : *accounts) {
            const auto* a = node.as_table();
            const int line = static_cast<int>(node.source().begin.line);
            if (!a) return config(fmt::format("{}:{}: [[account]] must be a table", name, line));
            if (auto r = reject_unknown_keys(
                    *a, {"address", "login", "password_file", "password_env", "password"}, name,
                    "[[account]]");
                !r)
                return r.error();
            Account acc;
            acc.address = str(*a, "address").value_or("");
            if (acc.address.empty() || acc.address.find('@') == std::string::npos)
                return config(
                    fmt::format("{}:{}: [[account]] needs address = \"user@domain\"", name, line));
            acc.login = str(*a, "login").value_or(acc.address);
            if (a->contains("password"))
                return config(
                    fmt::format("{}:{}: passwords never go inline; use password_file or "
                                "password_env",
                                name, line));
            if (auto file = str(*a, "password_file")) {
                auto pw = read_password_file(relative(*file), acc.address);
                if (!pw) return pw.error();
                acc.password = *pw;
            } else if (auto var = str(*a, "password_env")) {
                auto pw = read_password_env(*var, acc.address);
                if (!pw) return pw.error();
                acc.password = *pw;
            } else {
                return config(fmt::format("{}:{}: account {} needs password_file or password_env",
                                          name, line, acc.address));
            }
            target.accounts.push_back(std::move(acc));
        }
    }
    return target;
}

Result<Target> load_target(const std::optional<std::filesystem::path>& file,
                           const TargetFlags& flags) {
    Target target;
    if (file) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(*file, ec))
            return config(fmt::format("target file {} does not exist", file->string()));
        if (std::filesystem::file_size(*file, ec) > kMaxTargetFile)
            return config(
                fmt::format("target file {} is too large to be a target file", file->string()));
        std::ifstream in(*file, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        auto parsed = parse_target(s.str(), *file);
        if (!parsed) return parsed.error();
        target = std::move(*parsed);
    } else {
        target.name = "command line";
    }
    if (!flags.imap.empty()) {
        auto ep = endpoint_for(flags.imap, net::Protocol::imap, "--imap");
        if (!ep) return ep.error();
        target.imap = *ep;
    }
    if (!flags.smtp.empty()) {
        auto ep = endpoint_for(flags.smtp, net::Protocol::smtp, "--smtp");
        if (!ep) return ep.error();
        target.smtp = *ep;
    }
    if (!flags.deliver.empty()) {
        auto d = delivery_for(flags.deliver, "--deliver");
        if (!d) return d.error();
        target.delivery = *d;
    }
    if (!flags.accounts.empty()) target.accounts.clear();
    for (const auto& spec : flags.accounts) {
        const auto colon = spec.find(':');
        if (colon == std::string::npos || colon == 0 || spec.find('@') > colon)
            return config(
                fmt::format("--account '{}': expected ADDRESS:PASSWORD_FILE or "
                            "ADDRESS:env:VARIABLE",
                            spec.substr(0, spec.find(':'))));
        Account acc;
        acc.address = spec.substr(0, colon);
        acc.login = acc.address;
        const std::string source = spec.substr(colon + 1);
        auto pw = source.starts_with("env:") ? read_password_env(source.substr(4), acc.address)
                                             : read_password_file(source, acc.address);
        if (!pw) return pw.error();
        acc.password = *pw;
        target.accounts.push_back(std::move(acc));
    }
    if (!flags.profiles.empty()) target.profiles = flags.profiles;
    if (target.profiles.empty()) target.profiles = {"imap-baseline"};
    if (!flags.ca_file.empty()) target.tls.ca_file = flags.ca_file;
    if (flags.insecure) target.tls.insecure = true;
    if (!target.imap) return config("no IMAP endpoint: give --target FILE or --imap URL");
    return target;
}

}  // namespace coitest
