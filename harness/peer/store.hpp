#pragma once
// The reference peer's mail store: accounts, mailboxes, messages (byte-exact, shared between
// copies), flags with mod-sequences, subscriptions, METADATA, quota — plus the COI behaviour
// that lives in the store (configuration, folders, indirect enabling, filtering at delivery, the
// seen-mode move). Single-threaded: the server runs every session on one thread. Sessions see
// changes through MailboxObserver; with a data directory every change is committed to disk
// (persistence.hpp) before the command that made it is acknowledged.
#include "model/error.hpp"
#include "peer/coi.hpp"
#include "peer/deviation.hpp"
#include "peer/mime.hpp"
#include "peer/webpush_request.hpp"
#include "peer/webpush_rules.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::peer {

class Persistence;

// IMAP flags compare case-insensitively (RFC 3501 §2.3.2).
struct FlagLess {
    bool operator()(const std::string& a, const std::string& b) const;
};
using FlagSet = std::set<std::string, FlagLess>;

struct StoredMessage {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 0;
    FlagSet flags;  // \Recent is per session, never stored
    std::int64_t internal_date = 0;
    std::shared_ptr<const std::string> bytes;
    std::uint64_t file_id = 0;  // the body file under a data directory (0: memory only)
    bool recent = true;         // not yet seen by any session that selected the mailbox
    bool chat = false;          // recognised as a COI chat message when it was stored
    mutable std::shared_ptr<const mime::Entity> structure;  // parsed on first need

    const mime::Entity& mime() const;
    std::size_t size() const { return bytes->size(); }
};

class Mailbox;

// A session with the mailbox selected. Called on the store's thread after every change to it.
class MailboxObserver {
  public:
    virtual ~MailboxObserver() = default;
    virtual void mailbox_changed() = 0;
    virtual void mailbox_deleted() = 0;
};

class Mailbox {
  public:
    std::string name;
    std::uint64_t id = 0;  // stable across renames (persistence)
    std::uint32_t uidvalidity = 1;
    std::uint32_t uidnext = 1;
    std::uint64_t highestmodseq = 1;
    std::string special_use;              // "\Sent", "\Trash"... or empty
    std::vector<StoredMessage> messages;  // ascending UID
    std::map<std::string, std::string> metadata;

    // nullptr when no message has that UID.
    StoredMessage* find(std::uint32_t uid);
    const StoredMessage* find(std::uint32_t uid) const;
    std::uint64_t next_modseq() { return ++highestmodseq; }
    std::size_t unseen() const;

    void add_observer(MailboxObserver* o);
    void remove_observer(MailboxObserver* o);
    void notify();
    const std::vector<MailboxObserver*>& observers() const { return observers_; }

  private:
    friend class Store;
    std::vector<MailboxObserver*> observers_;
};

struct Account {
    std::string address;
    std::string password;
    std::map<std::string, std::unique_ptr<Mailbox>> mailboxes;  // by name; INBOX upper-case
    std::set<std::string> subscriptions;
    std::map<std::string, std::string> metadata;  // server entries (mailbox "")
    bool coi_off_indirectly = false;              // the indirect-metadata-stale deviation only
    bool dirty = false;                           // changed since the last commit

    Mailbox* mailbox(std::string_view name);
    std::uint64_t usage() const;  // bytes stored
};

// The WEBPUSH extension (webpush-spec.md) as the store keeps it: subscriptions are METADATA
// entries of the account (so they persist with it), validations pending are in memory.
struct WebPushStoreOptions {
    bool enabled = true;                 // needs StoreOptions::coi too
    std::string vapid_public_pem;        // what .../webpush/vapid returns (SPKI PEM)
    std::size_t max_subscriptions = 10;  // per account; one more is answered NO [LIMIT]
    std::chrono::milliseconds validation_timeframe = std::chrono::minutes(5);
    // Time sources (tests replace them): deadlines, and the `created` timestamp.
    std::function<std::chrono::steady_clock::time_point()> clock;
    std::function<std::chrono::system_clock::time_point()> wall_clock;
};

struct StoreOptions {
    char delimiter = '/';
    std::uint64_t quota_bytes = 256ull * 1024 * 1024;  // per account
    std::size_t max_message = 64ull * 1024 * 1024;
    std::size_t max_mailboxes = 1000;
    std::size_t max_mailbox_name = 512;
    std::size_t max_metadata_entries = 1000;  // per account (server and mailbox entries)
    std::size_t max_metadata_value = 64 * 1024;
    bool coi = true;  // false: --plain (no COI behaviour, no $Chat)
    Deviations deviations;
    WebPushStoreOptions webpush;
};

// Where delivery put a message.
struct Delivered {
    std::string mailbox;
    std::uint32_t uid = 0;
    bool chat = false;
};

// Refusals carry the IMAP response code a session should use ("TRYCREATE", "OVERQUOTA",
// "CANNOT", "NONEXISTENT", "ALREADYEXISTS", "LIMIT") in `code`.
struct Refusal {
    std::string code;
    std::string message;
};
// For Outcome::value() (boost::system::result finds it by ADL); callers test before use.
[[noreturn]] void throw_exception_from_error(const Refusal& r, const boost::source_location& loc);
template <class T>
using Outcome = boost::system::result<T, Refusal>;

class Store {
  public:
    explicit Store(StoreOptions options = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    const StoreOptions& options() const { return options_; }
    const Deviations& deviations() const { return options_.deviations; }

    // --- accounts ----------------------------------------------------------------------
    // Adds (or updates the password of) an account with the default mailboxes.
    Account& add_account(std::string address, std::string password);
    Account* find_account(std::string_view address);
    // The account whose address or local part is `user` and whose password matches.
    Account* authenticate(std::string_view user, std::string_view password);
    std::vector<const Account*> accounts() const;

    // --- mailboxes ---------------------------------------------------------------------
    Outcome<Mailbox*> create_mailbox(Account& a, std::string_view name,
                                     std::string_view special_use = {});
    Outcome<void> delete_mailbox(Account& a, std::string_view name);
    Outcome<void> rename_mailbox(Account& a, std::string_view from, std::string_view to);
    Outcome<void> subscribe(Account& a, std::string_view name, bool on);
    bool is_trash(const Account& a, std::string_view name) const;

    // --- messages ----------------------------------------------------------------------
    // APPEND and the other ways a client stores a message. Refusals: OVERQUOTA, TOOBIG.
    Outcome<std::uint32_t> append(Account& a, Mailbox& m, std::string bytes, FlagSet flags,
                                  std::int64_t internal_date);
    // Copies (or moves) messages, in UID order; returns (source UID, new UID) pairs.
    Outcome<std::vector<std::pair<std::uint32_t, std::uint32_t>>> copy(
        Account& a, Mailbox& from, const std::vector<std::uint32_t>& uids, Mailbox& to, bool move);
    // Sets flags: mode add/remove/replace. Returns the UIDs whose flags changed. Applies the
    // seen-mode move (which expunges the message from INBOX) after the change.
    enum class FlagMode { add, remove, replace };
    std::vector<std::uint32_t> set_flags(Account& a, Mailbox& m,
                                         const std::vector<std::uint32_t>& uids,
                                         const FlagSet& flags, FlagMode mode,
                                         std::optional<std::uint64_t> unchangedsince,
                                         std::vector<std::uint32_t>* modified = nullptr,
                                         bool allow_seen_move = true);
    // The seen-mode move (coi-server-spec "Configure Message Filtering"): chat messages among
    // `uids` that carry \Seen leave INBOX for <root>/Chats, when COI is on with filter seen.
    void seen_move(Account& a, Mailbox& inbox, const std::vector<std::uint32_t>& uids);
    // Removes these messages (expunge); observers are notified.
    void expunge(Account& a, Mailbox& m, const std::vector<std::uint32_t>& uids);

    // LMTP/SMTP delivery into an account, COI filtering applied before the message is stored.
    Outcome<Delivered> deliver(Account& a, std::string bytes);

    // --- METADATA (RFC 5464) -----------------------------------------------------------
    // Entries of the server ("") or of a mailbox. COI entries are synthesised and validated.
    Outcome<void> set_metadata(Account& a, std::string_view mailbox, std::string_view entry,
                               const std::optional<std::string>& value);
    // Every stored entry of `mailbox` (with mailbox-root for the server), sorted.
    Outcome<std::map<std::string, std::string>> metadata(Account& a, std::string_view mailbox);
    coi::Config coi_config(const Account& a) const;

    // --- WEBPUSH (store_webpush.cpp) -------------------------------------------------------
    // The extension is on (COI features on and WebPush enabled).
    bool webpush() const { return options_.coi && options_.webpush.enabled; }
    // Where pushes go (the server's sender; tests collect them). Called on the store's thread;
    // must not block.
    using PushSink = std::function<void(push::PushJob)>;
    void set_push_sink(PushSink sink) { push_sink_ = std::move(sink); }
    // The push service answered 404/410: the subscription goes, if it still points there.
    bool drop_subscription(std::string_view address, std::string_view id,
                           std::string_view endpoint);
    // Discards subscriptions not validated within the time frame, in every account.
    std::size_t expire_subscriptions();

    // --- persistence ---------------------------------------------------------------------
    // Loads what `dir` holds (accounts given by add_account keep their passwords) and commits
    // every later change there. Call once, after the accounts are added.
    Result<void> attach_data_dir(const std::filesystem::path& dir);
    // Writes every changed account to disk (no-op without a data directory). Sessions call it
    // before acknowledging a command.
    Result<void> commit();
    Persistence* persistence() { return persistence_.get(); }

    std::uint32_t new_uidvalidity();

  private:
    friend class Persistence;
    Mailbox* insert_mailbox(Account& a, std::string name, std::string_view special_use);
    std::uint32_t store_message(Account& a, Mailbox& m, StoredMessage msg, bool notify);
    void enable_coi(Account& a);
    void disable_coi(Account& a);
    void ensure_chats(Account& a);
    bool coi_enabled(const Account& a) const;
    void touch(Account& a) { a.dirty = true; }
    Outcome<void> set_webpush_metadata(Account& a, const push::WebPushEntry& e,
                                       std::string_view entry,
                                       const std::optional<std::string>& value);
    // Pushes for a message that just arrived in `m` (delivery or APPEND).
    void push_new_message(Account& a, Mailbox& m, std::uint32_t uid);
    std::size_t expire_subscriptions(Account& a);
    std::chrono::steady_clock::time_point push_clock() const;

    StoreOptions options_;
    std::map<std::string, std::unique_ptr<Account>> accounts_;
    std::uint32_t uidvalidity_seed_;
    std::uint64_t next_mailbox_id_ = 1;
    std::unique_ptr<Persistence> persistence_;

    struct PendingValidation {
        std::string value;  // what the validation push carried
        std::chrono::steady_clock::time_point deadline;
    };
    std::map<std::pair<std::string, std::string>, PendingValidation> pending_;  // (address, ID)
    PushSink push_sink_;
};

}  // namespace coitest::peer
