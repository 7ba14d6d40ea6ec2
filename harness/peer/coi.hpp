#pragma once
// COI server rules (specs/coi/coi-server-spec.md), sans-I/O: the configuration entries under the
// METADATA prefix and their value rules, how a chat message is recognised, and where delivery
// puts it. The store and the sessions apply these; deviations (deviation.hpp) bend them.
#include "model/error.hpp"
#include "peer/deviation.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace coitest::peer::coi {

// coi-server-spec.md "Getting COI Namespace Configuration".
inline constexpr std::string_view kConfigPrefix = "/private/vendor/vendor.dovecot/coi/config";
inline constexpr std::string_view kMailboxRootEntry =
    "/private/vendor/vendor.dovecot/coi/config/mailbox-root";
inline constexpr std::string_view kEnabledEntry =
    "/private/vendor/vendor.dovecot/coi/config/enabled";
inline constexpr std::string_view kFilterEntry =
    "/private/vendor/vendor.dovecot/coi/config/message-filter";
inline constexpr std::string_view kDefaultRoot = "COI";
inline constexpr std::string_view kChatKeyword = "$Chat";

enum class Filter { none, active, seen };
std::string_view to_string(Filter f);

// A user's COI settings as the spec defines them (absent entries take their defaults).
struct Config {
    bool enabled = false;
    Filter filter = Filter::none;
    std::string mailbox_root{kDefaultRoot};

    std::string chats() const { return mailbox_root + "/Chats"; }
    std::string contacts() const { return mailbox_root + "/Contacts"; }
};

// The outcome of a SETMETADATA on one COI entry: the value to store (nullopt removes it).
// An Error is answered NO [CANNOT] with its message.
struct ConfigChange {
    std::optional<std::string> stored;
};

// Judges a SETMETADATA of `entry` (one of the three entries, or anything else under the
// prefix) to `value` (nullopt for NIL). `deviations` may bend the value rules.
Result<ConfigChange> check_config_value(std::string_view entry,
                                        const std::optional<std::string>& value,
                                        const Deviations& deviations);

// Reads the stored values back into a Config. `enabled` is on only for the exact value "yes"
// (or, under the case-insensitive deviation, any case of it).
Config config_from(const std::optional<std::string>& enabled,
                   const std::optional<std::string>& filter, const Deviations& deviations);

// The detection rules ("Configure Message Filtering"): any one makes a message a chat message.
struct Detection {
    bool chat_version = false;  // a Chat-Version header field
    bool message_id = false;    // Message-ID starts with chat$
    bool references = false;    // the first References message-id starts with chat$
    bool any() const { return chat_version || message_id || references; }
};
Detection detect(std::string_view message);
// detect(), then the deviations that make the peer ignore one rule.
bool is_chat_message(std::string_view message, const Deviations& deviations);

}  // namespace coitest::peer::coi
