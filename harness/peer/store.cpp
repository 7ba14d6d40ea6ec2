// Store primitives: accounts, mailboxes, messages, flags, METADATA. COI behaviour is in
// store_coi.cpp, persistence in persistence.cpp.
#include "peer/store.hpp"

#include "peer/persistence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>

namespace coitest::peer {

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

Refusal refuse(std::string code, std::string message) {
    return Refusal{std::move(code), std::move(message)};
}

constexpr std::array<std::string_view, 7> kSpecialUse = {
    "\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"};

std::string canonical_special_use(std::string_view attr) {
    for (auto s : kSpecialUse)
        if (iequal(s, attr)) return std::string(s);
    return {};
}

}  // namespace

void throw_exception_from_error(const Refusal& r, const boost::source_location&) {
    throw std::runtime_error(r.message);
}

bool FlagLess::operator()(const std::string& a, const std::string& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](char x, char y) { return lower(x) < lower(y); });
}

const mime::Entity& StoredMessage::mime() const {
    if (!structure) structure = std::make_shared<const mime::Entity>(mime::parse_message(*bytes));
    return *structure;
}

// --- Mailbox ------------------------------------------------------------------------------
StoredMessage* Mailbox::find(std::uint32_t uid) {
    auto it = std::lower_bound(messages.begin(), messages.end(), uid,
                               [](const StoredMessage& m, std::uint32_t u) { return m.uid < u; });
    return it != messages.end() && it->uid == uid ? &*it : nullptr;
}

const StoredMessage* Mailbox::find(std::uint32_t uid) const {
    return const_cast<Mailbox*>(this)->find(uid);
}

std::size_t Mailbox::unseen() const {
    return static_cast<std::size_t>(
        std::count_if(messages.begin(), messages.end(),
                      [](const auto& m) { return !m.flags.contains("\\Seen"); }));
}

void Mailbox::add_observer(MailboxObserver* o) {
    if (std::find(observers_.begin(), observers_.end(), o) == observers_.end())
        observers_.push_back(o);
}

void Mailbox::remove_observer(MailboxObserver* o) {
    std::erase(observers_, o);
}

void Mailbox::notify() {
    // A copy: an observer may deselect (and unregister) while being told.
    const auto observers = observers_;
    for (auto* o : observers)
        if (std::find(observers_.begin(), observers_.end(), o) != observers_.end())
            o->mailbox_changed();
}

// --- Account ------------------------------------------------------------------------------
Mailbox* Account::mailbox(std::string_view name) {
    auto it = mailboxes.find(std::string(iequal(name, "INBOX") ? "INBOX" : name));
    return it == mailboxes.end() ? nullptr : it->second.get();
}

std::uint64_t Account::usage() const {
    std::uint64_t n = 0;
    for (const auto& [_, m] : mailboxes)
        for (const auto& msg : m->messages) n += msg.size();
    return n;
}

// --- Store --------------------------------------------------------------------------------
Store::Store(StoreOptions options)
    : options_(std::move(options)),
      uidvalidity_seed_(
          static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count())) {}

Store::~Store() = default;

std::uint32_t Store::new_uidvalidity() {
    if (uidvalidity_seed_ == 0) uidvalidity_seed_ = 1;
    return uidvalidity_seed_++;
}

Account& Store::add_account(std::string address, std::string password) {
    if (auto* a = find_account(address)) {
        a->password = std::move(password);
        return *a;
    }
    auto account = std::make_unique<Account>();
    account->address = address;
    account->password = std::move(password);
    Account& a = *account;
    accounts_.emplace(std::string(address), std::move(account));
    insert_mailbox(a, "INBOX", {});
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kDefaults = {
        {{"Drafts", "\\Drafts"}, {"Sent", "\\Sent"}, {"Trash", "\\Trash"}, {"Junk", "\\Junk"}}};
    for (const auto& [name, use] : kDefaults) insert_mailbox(a, std::string(name), use);
    for (const auto& [name, _] : a.mailboxes) a.subscriptions.insert(name);
    touch(a);
    return a;
}

Account* Store::find_account(std::string_view address) {
    for (auto& [addr, a] : accounts_)
        if (iequal(addr, address)) return a.get();
    return nullptr;
}

Account* Store::authenticate(std::string_view user, std::string_view password) {
    Account* found = find_account(user);
    if (!found && user.find('@') == std::string_view::npos) {
        // A bare local part names the account when exactly one address has it.
        for (auto& [addr, a] : accounts_) {
            const auto at = addr.find('@');
            if (at != std::string::npos && iequal(std::string_view(addr).substr(0, at), user)) {
                if (found) return nullptr;
                found = a.get();
            }
        }
    }
    if (!found || found->password != password) return nullptr;
    return found;
}

std::vector<const Account*> Store::accounts() const {
    std::vector<const Account*> out;
    for (const auto& [_, a] : accounts_) out.push_back(a.get());
    return out;
}

Mailbox* Store::insert_mailbox(Account& a, std::string name, std::string_view special_use) {
    auto m = std::make_unique<Mailbox>();
    m->name = name;
    m->id = next_mailbox_id_++;
    m->uidvalidity = new_uidvalidity();
    m->special_use = std::string(special_use);
    Mailbox* raw = m.get();
    a.mailboxes[std::move(name)] = std::move(m);
    touch(a);
    return raw;
}

bool Store::is_trash(const Account& a, std::string_view name) const {
    for (const auto& [n, m] : a.mailboxes)
        if (m->special_use == "\\Trash" && n == name) return true;
    return name == "Trash";
}

namespace {

// RFC 3501 §5.1: names are hierarchical with the delimiter; the peer refuses names that would
// confuse LIST patterns or the hierarchy.
std::optional<std::string> invalid_name(std::string_view name, char delim, std::size_t max) {
    if (name.empty()) return "the mailbox name is empty";
    if (name.size() > max) return fmt::format("mailbox names are limited to {} bytes", max);
    if (name.front() == delim) return "a mailbox name cannot start with the delimiter";
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto u = static_cast<unsigned char>(name[i]);
        if (u < 0x20 || u == 0x7f) return "control characters in the mailbox name";
        if (name[i] == '%' || name[i] == '*') return "wildcards in the mailbox name";
        if (name[i] == delim && i + 1 < name.size() && name[i + 1] == delim)
            return "an empty hierarchy level in the mailbox name";
    }
    return std::nullopt;
}

}  // namespace

Outcome<Mailbox*> Store::create_mailbox(Account& a, std::string_view raw_name,
                                        std::string_view special_use) {
    std::string name(raw_name);
    if (!name.empty() && name.back() == options_.delimiter) name.pop_back();  // RFC 3501 §6.3.3
    if (iequal(name, "INBOX")) return refuse("ALREADYEXISTS", "INBOX always exists");
    if (const auto why = invalid_name(name, options_.delimiter, options_.max_mailbox_name))
        return refuse("CANNOT", *why);
    if (a.mailbox(name)) return refuse("ALREADYEXISTS", "the mailbox already exists");
    std::string use;
    if (!special_use.empty()) {
        use = canonical_special_use(special_use);
        if (use.empty())
            return refuse("USEATTR", fmt::format("{} is not a special-use attribute", special_use));
    }
    // Parents first (RFC 3501 §6.3.3: the server creates the levels the name needs).
    std::size_t levels = 0;
    for (char c : name)
        if (c == options_.delimiter) ++levels;
    if (a.mailboxes.size() + levels + 1 > options_.max_mailboxes)
        return refuse("LIMIT", fmt::format("at most {} mailboxes", options_.max_mailboxes));
    for (std::size_t p = name.find(options_.delimiter); p != std::string::npos;
         p = name.find(options_.delimiter, p + 1)) {
        const std::string parent = name.substr(0, p);
        if (!a.mailbox(parent)) insert_mailbox(a, parent, {});
    }
    Mailbox* m = insert_mailbox(a, name, use);
    if (options_.coi && name == coi_config(a).chats() &&
        !options_.deviations.has(Deviation::create_does_not_enable) && !coi_enabled(a))
        enable_coi(a);  // coi-server-spec "Indirectly Disabling and Enabling COI"
    return m;
}

Outcome<void> Store::delete_mailbox(Account& a, std::string_view name) {
    if (iequal(name, "INBOX")) return refuse("CANNOT", "INBOX cannot be deleted");
    auto it = a.mailboxes.find(std::string(name));
    if (it == a.mailboxes.end()) return refuse("NONEXISTENT", "no such mailbox");
    std::unique_ptr<Mailbox> doomed = std::move(it->second);
    a.mailboxes.erase(it);
    for (auto* o : std::vector<MailboxObserver*>(doomed->observers_)) o->mailbox_deleted();
    if (persistence_)
        for (const auto& msg : doomed->messages) persistence_->forget_body(msg.file_id);
    touch(a);
    if (options_.coi && name == coi_config(a).chats()) disable_coi(a);
    return {};
}

Outcome<void> Store::rename_mailbox(Account& a, std::string_view from_raw,
                                    std::string_view to_raw) {
    const std::string from(iequal(from_raw, "INBOX") ? "INBOX" : from_raw);
    std::string to(to_raw);
    if (!to.empty() && to.back() == options_.delimiter) to.pop_back();
    if (!a.mailbox(from)) return refuse("NONEXISTENT", "no such mailbox");
    if (iequal(to, "INBOX") || a.mailbox(to))
        return refuse("ALREADYEXISTS", "the new name is taken");
    if (const auto why = invalid_name(to, options_.delimiter, options_.max_mailbox_name))
        return refuse("CANNOT", *why);
    if (to.starts_with(from + options_.delimiter))
        return refuse("CANNOT", "a mailbox cannot be moved below itself");

    const std::string chats = coi_config(a).chats();
    const std::string prefix = from + options_.delimiter;
    auto renamed = [&](const std::string& n) -> std::optional<std::string> {
        if (n == from) return to;
        if (n.starts_with(prefix)) return to + n.substr(from.size());
        return std::nullopt;
    };
    bool chats_moved = false, into_trash = false;
    if (options_.coi && from != "INBOX") {
        if (const auto target = renamed(chats); target && a.mailbox(chats)) {
            chats_moved = true;
            for (const auto& [n, m] : a.mailboxes)
                if ((m->special_use == "\\Trash" || n == "Trash") &&
                    target->starts_with(n + options_.delimiter))
                    into_trash = true;
            // coi-server-spec: only a move into the trash is a legitimate rename of Chats.
            if (!into_trash && !options_.deviations.has(Deviation::chats_rename_allowed))
                return refuse("CANNOT", fmt::format("{} can only be moved into the trash", chats));
        }
    }

    if (from == "INBOX") {
        // RFC 3501 §6.3.5: the messages move to a new mailbox; INBOX stays, empty.
        if (const auto why = invalid_name(to, options_.delimiter, options_.max_mailbox_name))
            return refuse("CANNOT", *why);
        Mailbox* inbox = a.mailbox("INBOX");
        auto created = create_mailbox(a, to, {});
        if (!created) return created.error();
        Mailbox* target = *created;
        for (auto& msg : inbox->messages) {
            msg.uid = target->uidnext++;
            msg.modseq = target->next_modseq();
            target->messages.push_back(std::move(msg));
        }
        inbox->messages.clear();
        inbox->notify();
        touch(a);
        return {};
    }

    std::vector<std::pair<std::string, std::string>> moves;
    for (const auto& [n, _] : a.mailboxes)
        if (auto t = renamed(n)) moves.emplace_back(n, *t);
    for (const auto& [old_name, new_name] : moves) {
        auto node = a.mailboxes.extract(old_name);
        node.key() = new_name;
        node.mapped()->name = new_name;
        a.mailboxes.insert(std::move(node));
        if (a.subscriptions.erase(old_name)) a.subscriptions.insert(new_name);
    }
    // Parents of the new name (RFC 3501 §6.3.5 treats them as CREATE does).
    for (std::size_t p = to.find(options_.delimiter); p != std::string::npos;
         p = to.find(options_.delimiter, p + 1)) {
        const std::string parent = to.substr(0, p);
        if (!a.mailbox(parent)) insert_mailbox(a, parent, {});
    }
    touch(a);
    if (chats_moved && into_trash) disable_coi(a);
    if (options_.coi && renamed(chats) == std::nullopt && to == chats &&
        !options_.deviations.has(Deviation::create_does_not_enable) && !coi_enabled(a))
        enable_coi(a);
    return {};
}

Outcome<void> Store::subscribe(Account& a, std::string_view name, bool on) {
    const std::string n(iequal(name, "INBOX") ? "INBOX" : name);
    if (on) {
        // RFC 3501 §6.3.6 allows subscribing to names that do not exist; the peer requires it
        // to exist (as Dovecot does by default), which keeps the subscription list bounded.
        if (!a.mailbox(n)) return refuse("NONEXISTENT", "no such mailbox");
        a.subscriptions.insert(n);
    } else {
        if (!a.subscriptions.erase(n)) return refuse("NONEXISTENT", "not subscribed");
    }
    touch(a);
    return {};
}

std::uint32_t Store::store_message(Account& a, Mailbox& m, StoredMessage msg, bool notify) {
    msg.uid = m.uidnext++;
    msg.modseq = m.next_modseq();
    const std::uint32_t uid = msg.uid;
    m.messages.push_back(std::move(msg));
    touch(a);
    if (notify) m.notify();
    return uid;
}

Outcome<std::uint32_t> Store::append(Account& a, Mailbox& m, std::string bytes, FlagSet flags,
                                     std::int64_t internal_date) {
    if (bytes.size() > options_.max_message)
        return refuse("TOOBIG",
                      fmt::format("messages are limited to {} bytes", options_.max_message));
    if (a.usage() + bytes.size() > options_.quota_bytes)
        return refuse("OVERQUOTA", "the account's storage quota is exhausted");
    StoredMessage msg;
    msg.flags = std::move(flags);
    msg.flags.erase("\\Recent");
    msg.internal_date = internal_date;
    msg.bytes = std::make_shared<const std::string>(std::move(bytes));
    if (persistence_) {
        auto id = persistence_->write_body(*msg.bytes);
        if (!id) return refuse("SERVERBUG", id.error().message);
        msg.file_id = *id;
    }
    const std::uint32_t uid = store_message(a, m, std::move(msg), true);
    // A client's own drafts, sent copies, trash and junk are not incoming messages.
    if (m.special_use != "\\Drafts" && m.special_use != "\\Sent" && m.special_use != "\\Trash" &&
        m.special_use != "\\Junk")
        push_new_message(a, m, uid);
    return uid;
}

Outcome<std::vector<std::pair<std::uint32_t, std::uint32_t>>> Store::copy(
    Account& a, Mailbox& from, const std::vector<std::uint32_t>& uids, Mailbox& to, bool move) {
    std::uint64_t added = 0;
    for (auto uid : uids)
        if (const auto* msg = from.find(uid)) added += msg->size();
    if (!move && a.usage() + added > options_.quota_bytes)
        return refuse("OVERQUOTA", "the account's storage quota is exhausted");
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (auto uid : uids) {
        const auto* src = from.find(uid);
        if (!src) continue;
        StoredMessage copy;
        copy.flags = src->flags;
        copy.internal_date = src->internal_date;
        copy.bytes = src->bytes;
        copy.chat = src->chat;
        copy.structure = src->structure;
        if (persistence_) {
            auto id = persistence_->link_body(src->file_id, *src->bytes);
            if (!id) return refuse("SERVERBUG", id.error().message);
            copy.file_id = *id;
        }
        pairs.emplace_back(uid, store_message(a, to, std::move(copy), false));
    }
    if (!pairs.empty()) to.notify();
    if (move) {
        std::vector<std::uint32_t> moved;
        for (const auto& [src, _] : pairs) moved.push_back(src);
        expunge(a, from, moved);
    }
    return pairs;
}

std::vector<std::uint32_t> Store::set_flags(Account& a, Mailbox& m,
                                            const std::vector<std::uint32_t>& uids,
                                            const FlagSet& flags, FlagMode mode,
                                            std::optional<std::uint64_t> unchangedsince,
                                            std::vector<std::uint32_t>* modified,
                                            bool allow_seen_move) {
    std::vector<std::uint32_t> changed;
    for (auto uid : uids) {
        StoredMessage* msg = m.find(uid);
        if (!msg) continue;
        if (unchangedsince && msg->modseq > *unchangedsince) {
            if (modified) modified->push_back(uid);
            continue;
        }
        FlagSet next = msg->flags;
        switch (mode) {
            case FlagMode::add:
                next.insert(flags.begin(), flags.end());
                break;
            case FlagMode::remove:
                for (const auto& f : flags) next.erase(f);
                break;
            case FlagMode::replace:
                next = flags;
                break;
        }
        next.erase("\\Recent");
        if (next != msg->flags) {
            msg->flags = std::move(next);
            msg->modseq = m.next_modseq();
            changed.push_back(uid);
        } else if (unchangedsince) {
            // RFC 7162 §3.1.3: a conditional STORE bumps the mod-sequence even without a change.
            msg->modseq = m.next_modseq();
            changed.push_back(uid);
        }
    }
    if (!changed.empty()) {
        touch(a);
        m.notify();
        if (allow_seen_move && m.name == "INBOX") seen_move(a, m, changed);
    }
    return changed;
}

void Store::expunge(Account& a, Mailbox& m, const std::vector<std::uint32_t>& uids) {
    if (uids.empty()) return;
    std::vector<std::uint32_t> sorted = uids;
    std::sort(sorted.begin(), sorted.end());
    std::erase_if(m.messages, [&](const StoredMessage& msg) {
        if (!std::binary_search(sorted.begin(), sorted.end(), msg.uid)) return false;
        if (persistence_) persistence_->forget_body(msg.file_id);
        return true;
    });
    m.next_modseq();  // an expunge changes the mailbox (RFC 7162 HIGHESTMODSEQ)
    touch(a);
    m.notify();
}

// --- METADATA ------------------------------------------------------------------------------
namespace {

// RFC 5464 §3.2: entry names are slash-separated, start with /private or /shared, and hold no
// wildcards, empty components or control characters.
std::optional<std::string> invalid_entry(std::string_view e) {
    if (!(e.starts_with("/private/") || e.starts_with("/shared/")))
        return "entry names start with /private/ or /shared/";
    if (e.size() > 1024) return "entry name too long";
    if (e.back() == '/') return "an entry name cannot end with /";
    for (std::size_t i = 0; i < e.size(); ++i) {
        const auto u = static_cast<unsigned char>(e[i]);
        if (u <= 0x20 || u >= 0x7f || e[i] == '*' || e[i] == '%')
            return "entry names hold no wildcards, spaces or control characters";
        if (e[i] == '/' && i + 1 < e.size() && e[i + 1] == '/') return "empty component in entry";
    }
    return std::nullopt;
}

}  // namespace

Outcome<void> Store::set_metadata(Account& a, std::string_view mailbox, std::string_view entry,
                                  const std::optional<std::string>& value) {
    if (const auto why = invalid_entry(entry)) return refuse("BAD", *why);
    std::map<std::string, std::string>* target = &a.metadata;
    if (!mailbox.empty()) {
        Mailbox* m = a.mailbox(mailbox);
        if (!m) return refuse("NONEXISTENT", "no such mailbox");
        target = &m->metadata;
    }
    if (value && value->size() > options_.max_metadata_value)
        return refuse(fmt::format("METADATA MAXSIZE {}", options_.max_metadata_value),
                      "the value is too large");
    if (webpush())
        if (const auto wp = push::classify_entry(entry)) {
            // WebPush entries are the server's (mailbox ""), as in every example of the spec.
            if (!mailbox.empty())
                return refuse("CANNOT", "WebPush entries are server entries (mailbox \"\")");
            return set_webpush_metadata(a, *wp, entry, value);
        }

    const bool coi_entry =
        options_.coi && mailbox.empty() &&
        (entry == coi::kConfigPrefix || entry.starts_with(std::string(coi::kConfigPrefix) + "/"));
    std::optional<std::string> stored = value;
    if (coi_entry) {
        auto change = coi::check_config_value(entry, value, options_.deviations);
        if (!change) return refuse("CANNOT", change.error().message);
        stored = change->stored;
    }
    if (stored) {
        std::size_t count = a.metadata.size();
        for (const auto& [_, m] : a.mailboxes) count += m->metadata.size();
        if (!target->contains(std::string(entry)) && count >= options_.max_metadata_entries)
            return refuse("METADATA TOOMANY", "too many metadata entries");
        (*target)[std::string(entry)] = *stored;
    } else {
        target->erase(std::string(entry));
    }
    touch(a);
    if (coi_entry) {
        if (entry == coi::kEnabledEntry) {
            a.coi_off_indirectly = false;
            if (coi_enabled(a)) enable_coi(a);
        } else if (entry == coi::kFilterEntry) {
            const auto f = coi_config(a).filter;
            if (f == coi::Filter::active || f == coi::Filter::seen) ensure_chats(a);
        }
    }
    return {};
}

Outcome<std::map<std::string, std::string>> Store::metadata(Account& a, std::string_view mailbox) {
    if (mailbox.empty()) {
        if (webpush()) expire_subscriptions(a);  // late ones are never listed
        auto entries = a.metadata;
        if (options_.coi && !options_.deviations.has(Deviation::mailbox_root_missing))
            entries[std::string(coi::kMailboxRootEntry)] = coi_config(a).mailbox_root;
        if (webpush() && !options_.webpush.vapid_public_pem.empty())
            entries[std::string(push::kVapidEntry)] = options_.webpush.vapid_public_pem;
        return entries;
    }
    Mailbox* m = a.mailbox(mailbox);
    if (!m) return refuse("NONEXISTENT", "no such mailbox");
    return m->metadata;
}

// --- persistence hooks ----------------------------------------------------------------------
Result<void> Store::attach_data_dir(const std::filesystem::path& dir) {
    auto p = Persistence::open(dir);
    if (!p) return p.error();
    persistence_ = std::move(*p);
    if (auto loaded = persistence_->load(*this); !loaded) return loaded.error();
    for (auto& [_, a] : accounts_) a->dirty = true;
    return commit();
}

Result<void> Store::commit() {
    if (!persistence_) {
        for (auto& [_, a] : accounts_) a->dirty = false;
        return {};
    }
    return persistence_->commit(*this);
}

}  // namespace coitest::peer
