#pragma once
// Injectable deviations (`coitest serve --deviate NAME`): each makes the reference peer break
// exactly one catalogued requirement (suites/requirements/coi-server.toml and webpush.toml), so
// that the server suite can prove it catches that departure. The list is data: name, the
// requirement broken, what changes.
#include <bitset>
#include <optional>
#include <span>
#include <string_view>

namespace coitest::peer {

enum class Deviation {
    no_coi_capability,
    mailbox_root_missing,
    enabled_accepts_invalid,
    enabled_case_insensitive,
    filter_case_insensitive,
    no_contacts_folder,
    no_chats_folder,
    chats_unsubscribed,
    no_chat_keyword,
    ignore_chat_version,
    ignore_message_id,
    ignore_references,
    active_filter_ignored,
    no_seen_move,
    idle_woken_by_filtered,
    filter_while_disabled,
    delete_keeps_enabled,
    create_does_not_enable,
    indirect_metadata_stale,
    chats_rename_allowed,
    // WebPush (webpush-spec.md)
    webpush_before_login,
    webpush_unencrypted,
    webpush_foreign_vapid_key,
    webpush_no_created,
    webpush_accept_bad_id,
    webpush_push_mdn,
    webpush_accept_wrong_validation,
    count_  // not a deviation: the number of them
};

struct DeviationInfo {
    Deviation id;
    std::string_view name;         // the --deviate argument
    std::string_view requirement;  // the catalog ID it breaks (suites/requirements/*.toml)
    std::string_view effect;       // what the peer then does, in one sentence
};

std::span<const DeviationInfo> all_deviations();
const DeviationInfo& info(Deviation d);
std::optional<Deviation> deviation_from_name(std::string_view name);

class Deviations {
  public:
    bool has(Deviation d) const { return bits_.test(static_cast<std::size_t>(d)); }
    void add(Deviation d) { bits_.set(static_cast<std::size_t>(d)); }
    bool any() const { return bits_.any(); }

  private:
    std::bitset<static_cast<std::size_t>(Deviation::count_)> bits_;
};

}  // namespace coitest::peer
