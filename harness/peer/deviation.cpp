#include "peer/deviation.hpp"

#include <array>

namespace coitest::peer {

namespace {

using D = Deviation;

constexpr std::array<DeviationInfo, static_cast<std::size_t>(D::count_)> kDeviations = {{
    {D::no_coi_capability, "no-coi-capability", "coi-server.capability.coi-after-login",
     "COI is missing from the CAPABILITY list after authentication"},
    {D::mailbox_root_missing, "mailbox-root-missing", "coi-server.config.mailbox-root-exists",
     "GETMETADATA returns no mailbox-root entry"},
    {D::enabled_accepts_invalid, "enabled-accepts-invalid", "coi-server.enable.invalid-value-no",
     "SETMETADATA of enabled to a value other than yes or NIL is answered OK (COI stays off)"},
    {D::enabled_case_insensitive, "enabled-case-insensitive",
     "coi-server.enable.yes-case-sensitive", "any case of \"yes\" (YES, Yes) enables COI"},
    {D::filter_case_insensitive, "filter-case-insensitive", "coi-server.filter.case-sensitive",
     "message-filter values are accepted in any case (ACTIVE works like active)"},
    {D::no_contacts_folder, "no-contacts-folder", "coi-server.enable.create-contacts",
     "enabling COI does not create <root>/Contacts"},
    {D::no_chats_folder, "no-chats-folder", "coi-server.enable.create-chats",
     "enabling COI does not create <root>/Chats"},
    {D::chats_unsubscribed, "chats-unsubscribed", "coi-server.enable.subscribe-chats",
     "<root>/Chats is created on enabling but not subscribed"},
    {D::no_chat_keyword, "no-chat-keyword", "coi-server.filter.chat-keyword",
     "detected chat messages are not marked $Chat"},
    {D::ignore_chat_version, "ignore-chat-version", "coi-server.detect.chat-version",
     "a Chat-Version header alone does not make a message a chat message"},
    {D::ignore_message_id, "ignore-message-id", "coi-server.detect.message-id",
     "a chat$ Message-ID alone does not make a message a chat message"},
    {D::ignore_references, "ignore-references", "coi-server.detect.references",
     "a chat$ first References entry alone does not make a message a chat message"},
    {D::active_filter_ignored, "active-filter-ignored", "coi-server.filter.active",
     "with message-filter active, chat messages stay in INBOX"},
    {D::no_seen_move, "no-seen-move", "coi-server.filter.seen",
     "with message-filter seen, a chat message stays in INBOX when \\Seen is set"},
    {D::idle_woken_by_filtered, "idle-woken-by-filtered", "coi-server.filter.before-store-no-idle",
     "with message-filter active, a chat message is stored in INBOX first and moved after, so an "
     "INBOX IDLE sees EXISTS (and EXPUNGE)"},
    {D::filter_while_disabled, "filter-while-disabled", "coi-server.disable.stop-filtering",
     "chat messages are still moved to <root>/Chats after COI is disabled"},
    {D::delete_keeps_enabled, "delete-keeps-enabled", "coi-server.indirect.delete-disables",
     "deleting <root>/Chats leaves COI enabled"},
    {D::create_does_not_enable, "create-does-not-enable", "coi-server.indirect.create-enables",
     "creating <root>/Chats does not enable COI"},
    {D::indirect_metadata_stale, "indirect-metadata-stale", "coi-server.indirect.metadata-updated",
     "deleting <root>/Chats disables COI but the enabled entry still reads yes"},
    {D::chats_rename_allowed, "chats-rename-allowed", "coi-server.indirect.other-rename-refused",
     "<root>/Chats may be renamed anywhere, not only into the trash"},
    {D::webpush_before_login, "webpush-before-login", "webpush.capability.not-before-auth",
     "WEBPUSH is advertised before authentication too"},
    {D::webpush_unencrypted, "webpush-unencrypted", "webpush.encryption.rfc8291",
     "pushes carry the JSON payload unencrypted (no aes128gcm content coding)"},
    {D::webpush_foreign_vapid_key, "webpush-foreign-vapid-key", "webpush.vapid.signed",
     "pushes are signed with a VAPID key other than the one GETMETADATA publishes"},
    {D::webpush_no_created, "webpush-no-created", "webpush.subscribe.created-added",
     "stored subscriptions get no created member"},
    {D::webpush_accept_bad_id, "webpush-accept-bad-id", "webpush.subscribe.id-rules",
     "subscription IDs of any length and characters are accepted"},
    {D::webpush_push_mdn, "webpush-push-mdn", "webpush.push.no-mdn",
     "disposition notifications (read receipts) trigger pushes like other messages"},
    {D::webpush_accept_wrong_validation, "webpush-accept-wrong-validation", "webpush.validate.no",
     "validate with a wrong value is answered OK (and validates the subscription)"},
}};

}  // namespace

std::span<const DeviationInfo> all_deviations() {
    return kDeviations;
}

const DeviationInfo& info(Deviation d) {
    return kDeviations[static_cast<std::size_t>(d)];
}

std::optional<Deviation> deviation_from_name(std::string_view name) {
    for (const auto& d : kDeviations)
        if (d.name == name) return d.id;
    return std::nullopt;
}

}  // namespace coitest::peer
