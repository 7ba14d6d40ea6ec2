// COI behaviour of the store (coi-server-spec.md): enabling and its folders, indirect enabling
// and disabling, filtering at delivery, the seen-mode move. Deviations bend single rules.
#include "peer/store.hpp"

#include "peer/persistence.hpp"

#include <chrono>

namespace coitest::peer {

namespace {

std::optional<std::string> entry(const Account& a, std::string_view name) {
    auto it = a.metadata.find(std::string(name));
    if (it == a.metadata.end()) return std::nullopt;
    return it->second;
}

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

coi::Config Store::coi_config(const Account& a) const {
    coi::Config c = coi::config_from(entry(a, coi::kEnabledEntry), entry(a, coi::kFilterEntry),
                                     options_.deviations);
    if (a.coi_off_indirectly) c.enabled = false;
    return c;
}

bool Store::coi_enabled(const Account& a) const {
    return options_.coi && coi_config(a).enabled;
}

void Store::ensure_chats(Account& a) {
    const std::string chats = coi_config(a).chats();
    if (!a.mailbox(chats)) {
        // Parents as CREATE makes them; never through create_mailbox, which would count as the
        // client's indirect request to enable COI.
        for (std::size_t p = chats.find(options_.delimiter); p != std::string::npos;
             p = chats.find(options_.delimiter, p + 1))
            if (!a.mailbox(chats.substr(0, p))) insert_mailbox(a, chats.substr(0, p), {});
        insert_mailbox(a, chats, {});
        if (!options_.deviations.has(Deviation::chats_unsubscribed)) a.subscriptions.insert(chats);
    }
}

void Store::enable_coi(Account& a) {
    // coi-server-spec "Configure COI Usage": before the tagged OK the folders exist.
    const coi::Config c = coi_config(a);
    // Indirect enabling (CREATE/RENAME of Chats) keeps METADATA in step; after SETMETADATA the
    // entry already holds the client's value and stays as it is.
    if (!c.enabled) a.metadata[std::string(coi::kEnabledEntry)] = "yes";
    a.coi_off_indirectly = false;
    if (!options_.deviations.has(Deviation::no_contacts_folder) && !a.mailbox(c.contacts())) {
        for (std::size_t p = c.contacts().find(options_.delimiter); p != std::string::npos;
             p = c.contacts().find(options_.delimiter, p + 1))
            if (!a.mailbox(c.contacts().substr(0, p)))
                insert_mailbox(a, c.contacts().substr(0, p), {});
        insert_mailbox(a, c.contacts(), {});
        a.subscriptions.insert(c.contacts());  // MAY: subscribed on the user's behalf
    }
    if (!options_.deviations.has(Deviation::no_chats_folder)) ensure_chats(a);
    touch(a);
}

void Store::disable_coi(Account& a) {
    if (options_.deviations.has(Deviation::delete_keeps_enabled)) return;
    if (options_.deviations.has(Deviation::indirect_metadata_stale)) {
        a.coi_off_indirectly = true;  // filtering stops; the entry still reads "yes"
    } else {
        a.metadata.erase(std::string(coi::kEnabledEntry));
    }
    touch(a);
}

Outcome<Delivered> Store::deliver(Account& a, std::string bytes) {
    if (bytes.size() > options_.max_message) return Refusal{"TOOBIG", "message too large"};
    if (a.usage() + bytes.size() > options_.quota_bytes)
        return Refusal{"OVERQUOTA", "the recipient's storage quota is exhausted"};

    const bool chat = options_.coi && coi::is_chat_message(bytes, options_.deviations);
    const coi::Config config = coi_config(a);
    const bool filtering =
        chat && (config.enabled || (options_.deviations.has(Deviation::filter_while_disabled) &&
                                    entry(a, coi::kFilterEntry).has_value()));

    StoredMessage msg;
    msg.internal_date = now_seconds();
    msg.chat = chat;
    if (chat && !options_.deviations.has(Deviation::no_chat_keyword))
        msg.flags.insert(std::string(coi::kChatKeyword));
    msg.bytes = std::make_shared<const std::string>(std::move(bytes));
    if (persistence_) {
        auto id = persistence_->write_body(*msg.bytes);
        if (!id) return Refusal{"SERVERBUG", id.error().message};
        msg.file_id = *id;
    }

    Mailbox* target = a.mailbox("INBOX");
    const bool active = filtering && config.filter == coi::Filter::active &&
                        !options_.deviations.has(Deviation::active_filter_ignored);
    if (active && options_.deviations.has(Deviation::idle_woken_by_filtered)) {
        // The deviation: stored in INBOX (waking its IDLE), moved afterwards.
        const std::uint32_t uid = store_message(a, *target, std::move(msg), true);
        ensure_chats(a);
        Mailbox* chats = a.mailbox(config.chats());
        auto moved = copy(a, *target, {uid}, *chats, true);
        if (!moved || moved->empty()) {
            push_new_message(a, *target, uid);
            return Delivered{"INBOX", uid, chat};
        }
        push_new_message(a, *chats, moved->front().second);
        return Delivered{config.chats(), moved->front().second, chat};
    }
    if (active) {
        // Filtered before it is stored: INBOX never holds it, so no INBOX IDLE wakes.
        ensure_chats(a);
        target = a.mailbox(config.chats());
    }
    const std::uint32_t uid = store_message(a, *target, std::move(msg), true);
    push_new_message(a, *target, uid);
    return Delivered{target->name, uid, chat};
}

void Store::seen_move(Account& a, Mailbox& inbox, const std::vector<std::uint32_t>& uids) {
    if (!options_.coi || options_.deviations.has(Deviation::no_seen_move)) return;
    const coi::Config config = coi_config(a);
    const bool filtering =
        config.enabled || (options_.deviations.has(Deviation::filter_while_disabled) &&
                           entry(a, coi::kFilterEntry).has_value());
    if (!filtering || config.filter != coi::Filter::seen) return;
    std::vector<std::uint32_t> move;
    for (auto uid : uids) {
        const StoredMessage* msg = inbox.find(uid);
        if (!msg || !msg->flags.contains("\\Seen")) continue;
        if (msg->chat || coi::is_chat_message(*msg->bytes, options_.deviations))
            move.push_back(uid);
    }
    if (move.empty()) return;
    ensure_chats(a);
    Mailbox* chats = a.mailbox(config.chats());
    if (!chats || chats == &inbox) return;
    auto moved = copy(a, inbox, move, *chats, true);
    (void)moved;  // a refusal (quota cannot apply to a move) leaves the messages in INBOX
}

}  // namespace coitest::peer
