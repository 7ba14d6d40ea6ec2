// WEBPUSH behaviour of the store (webpush-spec.md): subscriptions as METADATA entries,
// validation, discarding what was not validated in time, and the pushes for new messages.
// Sans-I/O: pushes leave as PushJob values through the sink; the server's sender sends them.
#include "peer/store.hpp"

#include "peer/webpush_payload.hpp"
#include "webpush/base64url.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <nlohmann/json.hpp>

namespace coitest::peer {

namespace {

Refusal refuse(std::string code, std::string message) {
    return Refusal{std::move(code), std::move(message)};
}

std::string subscriptions_prefix() {
    return std::string(push::kSubscriptionsEntry) + "/";
}

// The IDs of the account's subscription entries.
std::vector<std::string> subscription_ids(const Account& a) {
    std::vector<std::string> ids;
    const std::string prefix = subscriptions_prefix();
    for (auto it = a.metadata.lower_bound(prefix);
         it != a.metadata.end() && it->first.starts_with(prefix); ++it) {
        const std::string_view id = std::string_view(it->first).substr(prefix.size());
        if (id.find('/') == std::string_view::npos) ids.emplace_back(id);
    }
    return ids;
}

// The validation text: 144 random bits, base64url (well inside the spec's 1 kB).
std::string validation_value() {
    unsigned char bytes[18];
    RAND_bytes(bytes, sizeof bytes);
    return coitest::webpush::base64url_encode(
        std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

std::chrono::steady_clock::time_point Store::push_clock() const {
    return options_.webpush.clock ? options_.webpush.clock() : std::chrono::steady_clock::now();
}

std::size_t Store::expire_subscriptions(Account& a) {
    const auto now = push_clock();
    std::size_t removed = 0;
    for (const auto& id : subscription_ids(a)) {
        const std::string entry = push::subscription_entry(id);
        auto stored = push::parse_stored_subscription(a.metadata[entry]);
        if (stored && stored->validated) continue;
        // No pending validation (e.g. after a restart: the value is not kept) counts as late.
        const auto p = pending_.find({a.address, id});
        if (p != pending_.end() && p->second.deadline >= now) continue;
        a.metadata.erase(entry);
        ++removed;
        touch(a);
    }
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->first.first == a.address && it->second.deadline < now)
            it = pending_.erase(it);
        else
            ++it;
    }
    return removed;
}

std::size_t Store::expire_subscriptions() {
    std::size_t removed = 0;
    if (!webpush()) return 0;
    for (auto& [_, a] : accounts_) removed += expire_subscriptions(*a);
    return removed;
}

bool Store::drop_subscription(std::string_view address, std::string_view id,
                              std::string_view endpoint) {
    Account* a = find_account(address);
    if (!a) return false;
    const std::string entry = push::subscription_entry(id);
    const auto it = a->metadata.find(entry);
    if (it == a->metadata.end()) return false;
    // The client may have replaced the subscription since: only the one pushed to goes.
    auto stored = push::parse_stored_subscription(it->second);
    if (stored && stored->endpoint != endpoint) return false;
    a->metadata.erase(it);
    pending_.erase({a->address, std::string(id)});
    touch(*a);
    return true;
}

Outcome<void> Store::set_webpush_metadata(Account& a, const push::WebPushEntry& e,
                                          std::string_view entry,
                                          const std::optional<std::string>& value) {
    using Kind = push::WebPushEntry::Kind;
    const Deviations& dev = options_.deviations;
    expire_subscriptions(a);
    switch (e.kind) {
        case Kind::vapid:
            return refuse("CANNOT", "the VAPID key is the server's and cannot be set");
        case Kind::subscriptions:
        case Kind::other:
            return refuse("CANNOT",
                          fmt::format("{} is not a WebPush entry a client can set "
                                      "(subscriptions/<ID> or subscriptions/<ID>/validate)",
                                      entry));
        case Kind::subscription:
            break;
        case Kind::validate: {
            if (!value) return refuse("CANNOT", "validate needs the value of the validation push");
            const std::string sub_entry = push::subscription_entry(e.id);
            const auto it = a.metadata.find(sub_entry);
            if (it == a.metadata.end())
                return refuse("CANNOT", "invalid validation: no subscription with this ID");
            const auto p = pending_.find({a.address, e.id});
            if (p == pending_.end() || p->second.deadline < push_clock()) {
                // Too late: the subscription is discarded, the client has to subscribe again.
                auto stored = push::parse_stored_subscription(it->second);
                if (!stored || !stored->validated) {
                    a.metadata.erase(it);
                    touch(a);
                }
                return refuse("CANNOT", "invalid validation: the time frame has passed");
            }
            if (*value != p->second.value && !dev.has(Deviation::webpush_accept_wrong_validation))
                return refuse("CANNOT", "invalid validation: wrong value");
            auto stored = push::parse_stored_subscription(it->second);
            if (!stored) return refuse("SERVERBUG", stored.error().message);
            if (!stored->validated) {
                stored->validated = true;
                it->second = push::to_json(*stored);
                touch(a);
            }
            return {};
        }
    }

    // A subscription: stored, replaced or (NIL) removed.
    if (!dev.has(Deviation::webpush_accept_bad_id))
        if (auto ok = push::check_subscription_id(e.id); !ok)
            return refuse("CANNOT", ok.error().message);
    if (!value) {
        if (a.metadata.erase(std::string(entry))) touch(a);
        pending_.erase({a.address, e.id});
        return {};
    }
    auto sub = push::parse_subscription_request(*value);
    if (!sub) return refuse("CANNOT", fmt::format("invalid subscription: {}", sub.error().message));
    const auto ids = subscription_ids(a);
    const bool replacing = std::find(ids.begin(), ids.end(), e.id) != ids.end();
    if (!replacing && ids.size() >= options_.webpush.max_subscriptions)
        return refuse("LIMIT", fmt::format("at most {} push subscriptions; remove one first",
                                           options_.webpush.max_subscriptions));
    std::size_t count = a.metadata.size();
    for (const auto& [_, m] : a.mailboxes) count += m->metadata.size();
    if (!replacing && count >= options_.max_metadata_entries)
        return refuse("METADATA TOOMANY", "too many metadata entries");

    // A new (or replaced) subscription: created now, validated once the client proves it
    // received the validation push.
    if (!dev.has(Deviation::webpush_no_created)) {
        const auto wall = options_.webpush.wall_clock ? options_.webpush.wall_clock()
                                                      : std::chrono::system_clock::now();
        sub->created = push::rfc3339_utc(wall);
    }
    sub->validated = false;
    a.metadata[std::string(entry)] = push::to_json(*sub);
    touch(a);

    PendingValidation pending{validation_value(),
                              push_clock() + options_.webpush.validation_timeframe};
    push::PushJob job;
    job.account = a.address;
    job.subscription_id = e.id;
    job.endpoint = sub->endpoint;
    job.p256dh = sub->p256dh_point();
    job.auth = sub->auth_secret();
    job.payload = nlohmann::json{{"validation", pending.value}}.dump();
    job.validation = true;
    pending_[{a.address, e.id}] = std::move(pending);
    if (push_sink_) push_sink_(std::move(job));
    return {};
}

void Store::push_new_message(Account& a, Mailbox& m, std::uint32_t uid) {
    if (!webpush() || !push_sink_) return;
    expire_subscriptions(a);
    const StoredMessage* msg = m.find(uid);
    if (!msg) return;
    const auto ids = subscription_ids(a);
    if (ids.empty()) return;
    // webpush-spec "Push Notification Payload": read receipts never push.
    if (push::is_disposition_notification(*msg->bytes) &&
        !options_.deviations.has(Deviation::webpush_push_mdn))
        return;
    // Chat or mail as the spec defines it: the $Chat keyword the COI rules set at delivery.
    const bool chat = msg->flags.contains(std::string(coi::kChatKeyword));
    std::optional<std::string> payload;  // built once, for the first subscription that wants it
    for (const auto& id : ids) {
        auto sub = push::parse_stored_subscription(a.metadata[push::subscription_entry(id)]);
        // Unvalidated subscriptions get only their validation push.
        if (!sub || !sub->validated || !push::wants(sub->msgtype, chat)) continue;
        if (!payload) {
            push::PayloadInput in;
            in.message = *msg->bytes;
            in.uid = msg->uid;
            in.uidvalidity = m.uidvalidity;
            in.folder = m.name;
            in.coi = options_.coi;
            payload = push::build_payload(in);
        }
        push::PushJob job;
        job.account = a.address;
        job.subscription_id = id;
        job.endpoint = sub->endpoint;
        job.p256dh = sub->p256dh_point();
        job.auth = sub->auth_secret();
        job.payload = *payload;
        push_sink_(std::move(job));
    }
}

}  // namespace coitest::peer
