#include "peer/coi.hpp"

#include "peer/mime.hpp"

#include <fmt/format.h>

namespace coitest::peer::coi {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto l = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
        if (l(a[i]) != l(b[i])) return false;
    }
    return true;
}

Error cannot(std::string message) {
    return make_error(ErrorKind::protocol, std::move(message));
}

std::optional<Filter> filter_from(std::string_view v, const Deviations& d) {
    const bool any_case = d.has(Deviation::filter_case_insensitive);
    auto is = [&](std::string_view word) { return any_case ? iequal(v, word) : v == word; };
    if (is("none")) return Filter::none;
    if (is("active")) return Filter::active;
    if (is("seen")) return Filter::seen;
    return std::nullopt;
}

bool enabled_from(std::string_view v, const Deviations& d) {
    return d.has(Deviation::enabled_case_insensitive) ? iequal(v, "yes") : v == "yes";
}

// The message-id inside the first <...> of a header value (comments and white space skipped).
std::string first_msg_id(std::string_view value) {
    const auto open = value.find('<');
    if (open == std::string_view::npos) {
        // No angle brackets: take the first word (some software omits them).
        std::size_t i = 0;
        while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < value.size() && value[j] != ' ' && value[j] != '\t') ++j;
        return std::string(value.substr(i, j - i));
    }
    const auto close = value.find('>', open);
    return std::string(value.substr(
        open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1));
}

}  // namespace

std::string_view to_string(Filter f) {
    switch (f) {
        case Filter::none:
            return "none";
        case Filter::active:
            return "active";
        case Filter::seen:
            return "seen";
    }
    return "none";
}

Result<ConfigChange> check_config_value(std::string_view entry,
                                        const std::optional<std::string>& value,
                                        const Deviations& deviations) {
    if (entry == kMailboxRootEntry)
        return cannot(fmt::format("unable to set {}: the mailbox root is fixed", entry));
    if (entry == kEnabledEntry) {
        if (!value) return ConfigChange{std::nullopt};
        if (enabled_from(*value, deviations)) return ConfigChange{*value};
        if (deviations.has(Deviation::enabled_accepts_invalid)) return ConfigChange{*value};
        return cannot(fmt::format("invalid value for {}: \"{}\" (yes or NIL)", entry, *value));
    }
    if (entry == kFilterEntry) {
        if (!value) return ConfigChange{std::nullopt};
        if (filter_from(*value, deviations)) return ConfigChange{*value};
        return cannot(
            fmt::format("invalid value for {}: \"{}\" (none, active or seen)", entry, *value));
    }
    return cannot(fmt::format("unable to set {}: not a COI configuration entry", entry));
}

Config config_from(const std::optional<std::string>& enabled,
                   const std::optional<std::string>& filter, const Deviations& deviations) {
    Config c;
    c.enabled = enabled && enabled_from(*enabled, deviations);
    if (filter)
        if (const auto f = filter_from(*filter, deviations)) c.filter = *f;
    return c;
}

Detection detect(std::string_view message) {
    Detection d;
    std::size_t body = 0;
    const auto fields = mime::parse_header(message, &body);
    for (const auto& f : fields) {
        if (iequal(f.name, "Chat-Version")) d.chat_version = true;
    }
    if (const auto id = mime::header_value(fields, "Message-ID"))
        d.message_id = first_msg_id(*id).starts_with("chat$");
    if (const auto refs = mime::header_value(fields, "References"))
        d.references = first_msg_id(*refs).starts_with("chat$");
    return d;
}

bool is_chat_message(std::string_view message, const Deviations& deviations) {
    Detection d = detect(message);
    if (deviations.has(Deviation::ignore_chat_version)) d.chat_version = false;
    if (deviations.has(Deviation::ignore_message_id)) d.message_id = false;
    if (deviations.has(Deviation::ignore_references)) d.references = false;
    return d.any();
}

}  // namespace coitest::peer::coi
