// ImapSession: mailbox commands (SELECT/EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, LIST, LSUB,
// STATUS, APPEND, GETQUOTAROOT/GETQUOTA).
#include "peer/imap_session.hpp"

#include "peer/imap_lexer.hpp"
#include "peer/mime.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

namespace coitest::peer {

using namespace imap;

namespace {

// RFC 3501 §6.3.8 patterns: '*' matches anything, '%' anything but the delimiter. Dynamic
// programming over (pattern, name) keeps hostile patterns linear in their size per name.
bool list_match(std::string_view pattern, std::string_view name, char delim) {
    std::vector<char> prev(name.size() + 1, 0), cur(name.size() + 1, 0);
    prev[0] = 1;
    for (std::size_t j = 1; j <= name.size(); ++j) prev[j] = 0;
    for (std::size_t i = 1; i <= pattern.size(); ++i) {
        const char p = pattern[i - 1];
        cur[0] = (p == '*' || p == '%') && prev[0];
        for (std::size_t j = 1; j <= name.size(); ++j) {
            const char n = name[j - 1];
            if (p == '*')
                cur[j] = prev[j] || cur[j - 1];
            else if (p == '%')
                cur[j] = prev[j] || (cur[j - 1] && n != delim);
            else
                cur[j] = prev[j - 1] && p == n;
        }
        std::swap(prev, cur);
    }
    return prev[name.size()] != 0;
}

// INBOX is case-insensitive: a pattern starting with any case of "INBOX" is canonicalised.
std::string canonical_pattern(std::string pattern, char delim) {
    if (pattern.size() >= 5 && detail::iequals(std::string_view(pattern).substr(0, 5), "INBOX") &&
        (pattern.size() == 5 || pattern[5] == delim))
        pattern.replace(0, 5, "INBOX");
    return pattern;
}

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// --- SELECT / EXAMINE ------------------------------------------------------------------------
void ImapSession::on(const std::string& tag, const SelectCmd& c) {
    deselect();
    Mailbox* m = account_->mailbox(c.mailbox);
    if (!m) {
        no(tag, "NONEXISTENT", "no such mailbox");
        return;
    }
    if (c.condstore) condstore_ = true;
    Selected s;
    s.mailbox = m;
    s.read_only = c.read_only;
    for (auto& msg : m->messages) {
        s.view.push_back(msg.uid);
        if (!c.read_only && msg.recent) {
            msg.recent = false;
            s.recent.insert(msg.uid);
        }
    }
    s.reported_modseq = m->highestmodseq;
    sel_ = std::move(s);
    state_ = State::selected;
    m->add_observer(this);

    FlagSet keywords{"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"};
    if (!config_.plain) keywords.insert(std::string(coi::kChatKeyword));
    for (const auto& msg : m->messages) keywords.insert(msg.flags.begin(), msg.flags.end());
    untagged(fmt::format("FLAGS ({})", fmt::join(keywords, " ")));
    untagged(fmt::format("OK [PERMANENTFLAGS ({} \\*)] Flags permitted", fmt::join(keywords, " ")));
    untagged(fmt::format("{} EXISTS", sel_->view.size()));
    untagged(fmt::format("{} RECENT", sel_->recent.size()));
    for (std::size_t i = 0; i < m->messages.size(); ++i)
        if (!m->messages[i].flags.contains("\\Seen")) {
            untagged(fmt::format("OK [UNSEEN {}] First unseen", i + 1));
            break;
        }
    untagged(fmt::format("OK [UIDVALIDITY {}] UIDs valid", m->uidvalidity));
    untagged(fmt::format("OK [UIDNEXT {}] Predicted next UID", m->uidnext));
    untagged(fmt::format("OK [HIGHESTMODSEQ {}] Highest", m->highestmodseq));
    complete(tag, "OK",
             c.read_only ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
}

// --- CREATE / DELETE / RENAME / SUBSCRIBE ----------------------------------------------------
void ImapSession::on(const std::string& tag, const CreateCmd& c) {
    if (c.special_use.size() > 1) {
        no(tag, "USEATTR", "at most one special-use attribute");
        return;
    }
    auto r = store_.create_mailbox(*account_, c.mailbox,
                                   c.special_use.empty() ? std::string_view() : c.special_use[0]);
    if (!r) {
        no_refusal(tag, r.error());
        return;
    }
    complete(tag, "OK", "CREATE completed");
}

void ImapSession::on(const std::string& tag, const DeleteCmd& c) {
    if (sel_ && sel_->mailbox == account_->mailbox(c.mailbox)) deselect();
    auto r = store_.delete_mailbox(*account_, c.mailbox);
    if (!r) {
        no_refusal(tag, r.error());
        return;
    }
    complete(tag, "OK", "DELETE completed");
}

void ImapSession::on(const std::string& tag, const RenameCmd& c) {
    auto r = store_.rename_mailbox(*account_, c.from, c.to);
    if (!r) {
        no_refusal(tag, r.error());
        return;
    }
    complete(tag, "OK", "RENAME completed");
}

void ImapSession::on(const std::string& tag, const SubscribeCmd& c) {
    auto r = store_.subscribe(*account_, c.mailbox, c.subscribe);
    if (!r) {
        no_refusal(tag, r.error());
        return;
    }
    complete(tag, "OK", c.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

// --- LIST / LSUB -----------------------------------------------------------------------------
void ImapSession::on(const std::string& tag, const ListCmd& c) {
    const char delim = store_.options().delimiter;
    const std::string verb = c.lsub ? "LSUB" : "LIST";
    if (c.patterns.size() > 20) {
        bad(tag, "at most 20 patterns");
        return;
    }
    if (!c.lsub && c.patterns.size() == 1 && c.patterns[0].empty() && c.selection.empty()) {
        untagged(fmt::format("LIST (\\Noselect) \"{}\" \"\"", delim));
        complete(tag, "OK", "LIST completed");
        return;
    }
    std::vector<std::string> patterns;
    for (const auto& p : c.patterns) {
        std::string full = c.reference + p;
        if (full.size() > 512) {
            bad(tag, "pattern longer than 512 bytes");
            return;
        }
        patterns.push_back(canonical_pattern(std::move(full), delim));
    }
    auto sel = [&](std::string_view o) {
        return std::find(c.selection.begin(), c.selection.end(), o) != c.selection.end();
    };
    auto ret = [&](std::string_view o) {
        return std::find(c.return_options.begin(), c.return_options.end(), o) !=
               c.return_options.end();
    };
    const bool subscribed_only = c.lsub || sel("SUBSCRIBED");
    const bool special_only = sel("SPECIAL-USE");
    const bool recursive = sel("RECURSIVEMATCH");
    const bool show_subscribed = subscribed_only || ret("SUBSCRIBED");

    // Every name: mailboxes, subscriptions (they may not exist), and parent levels.
    std::set<std::string> names;
    for (const auto& [n, _] : account_->mailboxes) names.insert(n);
    for (const auto& n : account_->subscriptions) names.insert(n);
    std::set<std::string> levels;
    for (const auto& n : names)
        for (std::size_t p = n.find(delim); p != std::string::npos; p = n.find(delim, p + 1))
            levels.insert(n.substr(0, p));
    names.insert(levels.begin(), levels.end());

    auto has_children = [&](const std::string& n, bool subscribed) {
        const std::string prefix = n + delim;
        if (subscribed) {
            for (const auto& s : account_->subscriptions)
                if (s.starts_with(prefix)) return true;
            return false;
        }
        auto it = account_->mailboxes.lower_bound(prefix);
        return it != account_->mailboxes.end() && it->first.starts_with(prefix);
    };

    std::vector<std::string> order(names.begin(), names.end());
    std::stable_partition(order.begin(), order.end(),
                          [](const std::string& n) { return n == "INBOX"; });
    for (const auto& n : order) {
        if (!std::any_of(patterns.begin(), patterns.end(),
                         [&](const std::string& p) { return list_match(p, n, delim); }))
            continue;
        const Mailbox* m = account_->mailbox(n);
        const bool subscribed = account_->subscriptions.contains(n);
        std::vector<std::string> attrs;
        std::string extra;
        if (subscribed_only && !subscribed) {
            // RECURSIVEMATCH: a parent listed because a child is subscribed (RFC 5258 §3.5).
            if (!(recursive && has_children(n, true))) continue;
            if (c.lsub)
                attrs.push_back("\\Noselect");
            else
                extra = " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
        }
        if (special_only && (!m || m->special_use.empty())) continue;
        if (!m) {
            const bool level = levels.contains(n);
            if (!subscribed_only && !level) continue;
            attrs.push_back((c.lsub || (level && !subscribed_only)) ? "\\Noselect"
                                                                    : "\\NonExistent");
        }
        if (!c.lsub) attrs.push_back(has_children(n, false) ? "\\HasChildren" : "\\HasNoChildren");
        if (show_subscribed && subscribed && !c.lsub) attrs.push_back("\\Subscribed");
        if (m && !m->special_use.empty()) attrs.push_back(m->special_use);
        untagged(fmt::format("{} ({}) \"{}\" {}{}", verb, fmt::join(attrs, " "), delim,
                             mime::imap_string(n), extra));
        if (!c.status_items.empty() && m) {
            if (auto line = status_line(*m, c.status_items)) untagged(*line);
        }
    }
    complete(tag, "OK", fmt::format("{} completed", verb));
}

// --- STATUS ----------------------------------------------------------------------------------
std::optional<std::string> ImapSession::status_line(const Mailbox& m,
                                                    const std::vector<std::string>& items) const {
    std::vector<std::string> parts;
    for (const auto& item : items) {
        std::uint64_t v = 0;
        if (item == "MESSAGES") {
            v = m.messages.size();
        } else if (item == "RECENT") {
            v = static_cast<std::uint64_t>(std::count_if(m.messages.begin(), m.messages.end(),
                                                         [](const auto& x) { return x.recent; }));
        } else if (item == "UIDNEXT") {
            v = m.uidnext;
        } else if (item == "UIDVALIDITY") {
            v = m.uidvalidity;
        } else if (item == "UNSEEN") {
            v = m.unseen();
        } else if (item == "HIGHESTMODSEQ") {
            v = m.highestmodseq;
        } else if (item == "SIZE") {
            for (const auto& x : m.messages) v += x.size();
        }
        parts.push_back(fmt::format("{} {}", item, v));
    }
    return fmt::format("STATUS {} ({})", mime::imap_string(m.name), fmt::join(parts, " "));
}

void ImapSession::on(const std::string& tag, const StatusCmd& c) {
    const Mailbox* m = account_->mailbox(c.mailbox);
    if (!m) {
        no(tag, "NONEXISTENT", "no such mailbox");
        return;
    }
    if (auto line = status_line(*m, c.items)) untagged(*line);
    complete(tag, "OK", "STATUS completed");
}

// --- APPEND ----------------------------------------------------------------------------------
void ImapSession::on(const std::string& tag, const AppendCmd& c) {
    Mailbox* m = account_->mailbox(c.mailbox);
    if (!m) {
        no(tag, "TRYCREATE", "no such mailbox");
        return;
    }
    FlagSet flags;
    for (const auto& f : c.flags) {
        if (f.starts_with("\\") && f != "\\Answered" && f != "\\Flagged" && f != "\\Deleted" &&
            f != "\\Seen" && f != "\\Draft" && f != "\\Recent") {
            bad(tag, fmt::format("{} is not a flag that can be stored", f));
            return;
        }
        flags.insert(f);
    }
    auto r = store_.append(*account_, *m, c.message, std::move(flags),
                           c.internal_date.value_or(now_seconds()));
    if (!r) {
        no_refusal(tag, r.error());
        return;
    }
    complete(tag, "OK", fmt::format("[APPENDUID {} {}] APPEND completed", m->uidvalidity, *r));
}

// --- QUOTA (RFC 2087/9208) -------------------------------------------------------------------
void ImapSession::on(const std::string& tag, const GetQuotaRootCmd& c) {
    if (!account_->mailbox(c.mailbox)) {
        no(tag, "NONEXISTENT", "no such mailbox");
        return;
    }
    untagged(fmt::format("QUOTAROOT {} \"\"", mime::imap_string(c.mailbox)));
    untagged(fmt::format("QUOTA \"\" (STORAGE {} {})", (account_->usage() + 1023) / 1024,
                         store_.options().quota_bytes / 1024));
    complete(tag, "OK", "GETQUOTAROOT completed");
}

void ImapSession::on(const std::string& tag, const GetQuotaCmd& c) {
    if (!c.root.empty()) {
        no(tag, "NONEXISTENT", "no such quota root");
        return;
    }
    untagged(fmt::format("QUOTA \"\" (STORAGE {} {})", (account_->usage() + 1023) / 1024,
                         store_.options().quota_bytes / 1024));
    complete(tag, "OK", "GETQUOTA completed");
}

}  // namespace coitest::peer
