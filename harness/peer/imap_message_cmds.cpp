// ImapSession: commands on the selected mailbox (FETCH, STORE, COPY/MOVE, SEARCH, EXPUNGE,
// CLOSE, UNSELECT, CHECK) and sequence-set resolution.
#include "peer/imap_session.hpp"

#include "peer/mime.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace coitest::peer {

using namespace imap;

namespace {

// Sorted numbers as a compact IMAP set: "1:3,7".
std::string compress(std::vector<std::uint32_t> v) {
    std::sort(v.begin(), v.end());
    std::string out;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += j == i ? fmt::format("{}", v[i]) : fmt::format("{}:{}", v[i], v[j]);
        i = j + 1;
    }
    return out;
}

std::string literal(std::string_view data) {
    return fmt::format("{{{}}}\r\n{}", data.size(), data);
}

bool storable_flag(const std::string& f) {
    return !f.starts_with("\\") || f == "\\Answered" || f == "\\Flagged" || f == "\\Deleted" ||
           f == "\\Seen" || f == "\\Draft";
}

bool sets_seen(const FetchCmd& c) {
    for (const auto& i : c.items)
        if ((i.kind == FetchItem::Kind::body_section && !i.peek) ||
            i.kind == FetchItem::Kind::rfc822 || i.kind == FetchItem::Kind::rfc822_text)
            return true;
    return false;
}

}  // namespace

std::vector<std::pair<std::uint32_t, std::uint32_t>> ImapSession::resolve(const SeqSet& set,
                                                                          bool uid) const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    const auto& view = sel_->view;
    if (view.empty()) return out;
    const std::uint32_t star = uid ? view.back() : static_cast<std::uint32_t>(view.size());
    std::vector<SeqRange> ranges;
    for (auto r : set.ranges) {
        std::uint32_t a = r.first == kStar ? star : r.first;
        std::uint32_t b = r.last == kStar ? star : r.last;
        if (a > b) std::swap(a, b);
        ranges.push_back({a, b});
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const SeqRange& x, const SeqRange& y) { return x.first < y.first; });
    if (!uid) {
        std::uint32_t next = 1;  // the lowest sequence number not yet emitted
        for (const auto& r : ranges) {
            const std::uint32_t from = std::max(r.first, next);
            const std::uint32_t to = std::min<std::uint32_t>(r.last, star);
            for (std::uint32_t s = from; s <= to && s >= 1; ++s) out.emplace_back(s, view[s - 1]);
            if (to >= next) next = to + 1;
        }
        return out;
    }
    std::size_t k = 0;
    for (std::size_t i = 0; i < view.size(); ++i) {
        while (k < ranges.size() && ranges[k].last < view[i]) ++k;
        if (k == ranges.size()) break;
        if (ranges[k].first <= view[i])
            out.emplace_back(static_cast<std::uint32_t>(i + 1), view[i]);
    }
    return out;
}

std::string ImapSession::flags_of(const StoredMessage& msg) const {
    std::vector<std::string> flags(msg.flags.begin(), msg.flags.end());
    if (sel_ && sel_->recent.contains(msg.uid)) flags.push_back("\\Recent");
    return fmt::format("{}", fmt::join(flags, " "));
}

std::string ImapSession::fetch_response(std::uint32_t seq, const StoredMessage& msg,
                                        const FetchCmd& c, bool with_modseq) const {
    using K = FetchItem::Kind;
    std::vector<std::string> items;
    bool have_uid = false;
    if (c.uid) {
        items.push_back(fmt::format("UID {}", msg.uid));
        have_uid = true;
    }
    const std::string& bytes = *msg.bytes;
    for (const auto& item : c.items) {
        switch (item.kind) {
            case K::flags:
                items.push_back(fmt::format("FLAGS ({})", flags_of(msg)));
                break;
            case K::uid:
                if (!have_uid) items.push_back(fmt::format("UID {}", msg.uid));
                have_uid = true;
                break;
            case K::rfc822_size:
                items.push_back(fmt::format("RFC822.SIZE {}", bytes.size()));
                break;
            case K::internaldate:
                items.push_back(fmt::format("INTERNALDATE \"{}\"",
                                            mime::format_internal_date(msg.internal_date)));
                break;
            case K::envelope:
                items.push_back("ENVELOPE " + mime::envelope(bytes));
                break;
            case K::bodystructure:
                items.push_back("BODYSTRUCTURE " + mime::body_structure(bytes, msg.mime(), true));
                break;
            case K::body_structure:
                items.push_back("BODY " + mime::body_structure(bytes, msg.mime(), false));
                break;
            case K::modseq:
                break;  // added once, below
            case K::rfc822:
                items.push_back("RFC822 " + literal(bytes));
                break;
            case K::rfc822_header: {
                Section s;
                s.text = Section::Text::header;
                items.push_back("RFC822.HEADER " +
                                literal(mime::section_bytes(bytes, msg.mime(), s).value_or("")));
                break;
            }
            case K::rfc822_text: {
                Section s;
                s.text = Section::Text::text;
                items.push_back("RFC822.TEXT " +
                                literal(mime::section_bytes(bytes, msg.mime(), s).value_or("")));
                break;
            }
            case K::body_section: {
                std::string data =
                    mime::section_bytes(bytes, msg.mime(), item.section).value_or("");
                std::string name = fmt::format("BODY[{}]", item.section.spec);
                if (item.partial) {
                    const auto [origin, count] = *item.partial;
                    name += fmt::format("<{}>", origin);
                    data = origin >= data.size() ? std::string() : data.substr(origin, count);
                }
                items.push_back(name + " " + literal(data));
                break;
            }
        }
    }
    if (with_modseq) items.push_back(fmt::format("MODSEQ ({})", msg.modseq));
    return fmt::format("* {} FETCH ({})\r\n", seq, fmt::join(items, " "));
}

// --- FETCH -----------------------------------------------------------------------------------
void ImapSession::on(const std::string& tag, const FetchCmd& c) {
    const bool wants_modseq = c.changedsince.has_value() ||
                              std::any_of(c.items.begin(), c.items.end(), [](const FetchItem& i) {
                                  return i.kind == FetchItem::Kind::modseq;
                              });
    if (wants_modseq) condstore_ = true;  // RFC 7162 §3.1: these enable CONDSTORE
    const auto targets = resolve(c.set, c.uid);
    Mailbox& m = *sel_->mailbox;

    // Reading a body part sets \Seen (RFC 3501 §6.4.5); the responses then show it.
    std::set<std::uint32_t> newly_seen;
    if (!sel_->read_only && sets_seen(c)) {
        std::vector<std::uint32_t> unseen;
        for (const auto& [_, uid] : targets)
            if (const auto* msg = m.find(uid); msg && !msg->flags.contains("\\Seen"))
                unseen.push_back(uid);
        if (!unseen.empty()) {
            const FlagSet seen{"\\Seen"};
            const auto changed = store_.set_flags(*account_, m, unseen, seen, Store::FlagMode::add,
                                                  std::nullopt, nullptr, false);
            for (auto uid : changed) {
                newly_seen.insert(uid);
                sel_->own[uid] = m.find(uid)->modseq;
            }
        }
    }
    const bool has_flags = std::any_of(c.items.begin(), c.items.end(), [](const FetchItem& i) {
        return i.kind == FetchItem::Kind::flags;
    });
    for (const auto& [seq, uid] : targets) {
        const StoredMessage* msg = m.find(uid);
        if (!msg) continue;  // expunged elsewhere, not yet reported
        if (c.changedsince && msg->modseq <= *c.changedsince) continue;
        if (newly_seen.contains(uid) && !has_flags) {
            FetchCmd with_flags = c;
            FetchItem f;
            f.kind = FetchItem::Kind::flags;
            with_flags.items.push_back(f);
            out_ += fetch_response(seq, *msg, with_flags, condstore_);
        } else {
            out_ += fetch_response(seq, *msg, c, condstore_ && (wants_modseq || has_flags));
        }
    }
    if (!newly_seen.empty())
        store_.seen_move(*account_, m,
                         std::vector<std::uint32_t>(newly_seen.begin(), newly_seen.end()));
    complete(tag, "OK", fmt::format("{} completed", c.uid ? "UID FETCH" : "FETCH"), c.uid);
}

// --- STORE -----------------------------------------------------------------------------------
void ImapSession::on(const std::string& tag, const StoreCmd& c) {
    if (sel_->read_only) {
        no(tag, "READ-ONLY", "the mailbox is selected read-only");
        return;
    }
    FlagSet flags;
    for (const auto& f : c.flags) {
        if (f == "\\Recent") continue;  // not client-settable; ignored
        if (!storable_flag(f)) {
            bad(tag, fmt::format("{} is not a flag that can be stored", f));
            return;
        }
        flags.insert(f);
    }
    if (c.unchangedsince) condstore_ = true;
    const auto targets = resolve(c.set, c.uid);
    std::vector<std::uint32_t> uids;
    for (const auto& [_, uid] : targets) uids.push_back(uid);
    Mailbox& m = *sel_->mailbox;
    const auto mode = c.mode == StoreCmd::Mode::add      ? Store::FlagMode::add
                      : c.mode == StoreCmd::Mode::remove ? Store::FlagMode::remove
                                                         : Store::FlagMode::replace;
    std::vector<std::uint32_t> modified;
    // The seen-mode move waits until this session has reported the new flags.
    const auto changed =
        store_.set_flags(*account_, m, uids, flags, mode, c.unchangedsince, &modified, false);
    for (auto uid : changed)
        if (const auto* msg = m.find(uid)) sel_->own[uid] = msg->modseq;
    const std::set<std::uint32_t> refused(modified.begin(), modified.end());
    const std::set<std::uint32_t> changed_set(changed.begin(), changed.end());
    for (const auto& [seq, uid] : targets) {
        if (refused.contains(uid)) continue;
        const StoredMessage* msg = m.find(uid);
        if (!msg) continue;
        // .SILENT suppresses the echo, except the MODSEQ a conditional store owes the client.
        if (c.silent && !(condstore_ && changed_set.contains(uid))) continue;
        std::string items = c.silent ? std::string() : fmt::format("FLAGS ({})", flags_of(*msg));
        if (c.uid) items = fmt::format("UID {}{}{}", uid, items.empty() ? "" : " ", items);
        if (condstore_)
            items += fmt::format("{}MODSEQ ({})", items.empty() ? "" : " ", msg->modseq);
        untagged(fmt::format("{} FETCH ({})", seq, items));
    }
    if (!changed.empty()) store_.seen_move(*account_, m, changed);
    if (!modified.empty()) {
        std::vector<std::uint32_t> ids;
        for (const auto& [seq, uid] : targets)
            if (refused.contains(uid)) ids.push_back(c.uid ? uid : seq);
        complete(tag, "OK", fmt::format("[MODIFIED {}] Conditional STORE failed", compress(ids)),
                 c.uid);
        return;
    }
    complete(tag, "OK", fmt::format("{} completed", c.uid ? "UID STORE" : "STORE"), c.uid);
}

// --- COPY / MOVE -----------------------------------------------------------------------------
void ImapSession::on(const std::string& tag, const CopyCmd& c) {
    Mailbox* dest = account_->mailbox(c.mailbox);
    if (!dest) {
        no(tag, "TRYCREATE", "no such mailbox");
        return;
    }
    if (c.move && sel_->read_only) {
        no(tag, "READ-ONLY", "the mailbox is selected read-only");
        return;
    }
    const auto targets = resolve(c.set, c.uid);
    std::vector<std::uint32_t> uids;
    for (const auto& [_, uid] : targets)
        if (sel_->mailbox->find(uid)) uids.push_back(uid);
    const std::string verb = fmt::format("{}{}", c.uid ? "UID " : "", c.move ? "MOVE" : "COPY");
    auto r = store_.copy(*account_, *sel_->mailbox, uids, *dest, c.move);
    if (!r) {
        no_refusal(tag, r.error());
        return;
    }
    std::string code;
    if (!r->empty()) {
        std::vector<std::uint32_t> src, dst;
        for (const auto& [s, d] : *r) {
            src.push_back(s);
            dst.push_back(d);
        }
        code = fmt::format("[COPYUID {} {} {}] ", dest->uidvalidity, compress(src), compress(dst));
    }
    if (c.move) {
        if (!code.empty()) untagged(fmt::format("OK {}Moved", code));
        complete(tag, "OK", fmt::format("{} completed", verb), true);
        return;
    }
    complete(tag, "OK", fmt::format("{}{} completed", code, verb), c.uid);
}

// --- SEARCH ----------------------------------------------------------------------------------
bool ImapSession::search_matches(const SearchKey& key, std::uint32_t seq,
                                 const StoredMessage& msg) const {
    using K = SearchKey::Kind;
    auto day_of = [](std::int64_t t) { return t >= 0 ? t / 86400 : (t - 86399) / 86400; };
    auto sent_day = [&]() {
        std::size_t body = 0;
        const auto fields = mime::parse_header(*msg.bytes, &body);
        const auto date = mime::header_value(fields, "Date");
        const auto t = date ? mime::parse_rfc5322_date(*date) : std::nullopt;
        return day_of(t.value_or(msg.internal_date));
    };
    switch (key.kind) {
        case K::all:
            return true;
        case K::and_:
            return std::all_of(key.children.begin(), key.children.end(),
                               [&](const SearchKey& k) { return search_matches(k, seq, msg); });
        case K::or_:
            return search_matches(key.children[0], seq, msg) ||
                   search_matches(key.children[1], seq, msg);
        case K::not_:
            return !search_matches(key.children[0], seq, msg);
        case K::seq:
            return key.set.contains(seq, static_cast<std::uint32_t>(sel_->view.size()));
        case K::uid:
            return key.set.contains(msg.uid, sel_->view.empty() ? 0 : sel_->view.back());
        case K::flag:
            if (key.text == "\\Recent") return sel_->recent.contains(msg.uid);
            return msg.flags.contains(key.text);
        case K::unflag:
            if (key.text == "\\Recent") return !sel_->recent.contains(msg.uid);
            return !msg.flags.contains(key.text);
        case K::new_:
            return sel_->recent.contains(msg.uid) && !msg.flags.contains("\\Seen");
        case K::old:
            return !sel_->recent.contains(msg.uid);
        case K::header: {
            std::size_t body = 0;
            for (const auto& f : mime::parse_header(*msg.bytes, &body)) {
                if (f.name.size() != key.text.size() ||
                    !mime::icontains(f.name, key.text))  // same length: equal ignoring case
                    continue;
                if (mime::icontains(mime::unfold(f.raw), key.value)) return true;
            }
            return false;
        }
        case K::body: {
            std::size_t body = 0;
            mime::parse_header(*msg.bytes, &body);
            return mime::icontains(std::string_view(*msg.bytes).substr(body), key.value);
        }
        case K::text:
            return mime::icontains(*msg.bytes, key.value);
        case K::before:
            return day_of(msg.internal_date) < key.date;
        case K::on:
            return day_of(msg.internal_date) == key.date;
        case K::since:
            return day_of(msg.internal_date) >= key.date;
        case K::sentbefore:
            return sent_day() < key.date;
        case K::senton:
            return sent_day() == key.date;
        case K::sentsince:
            return sent_day() >= key.date;
        case K::larger:
            return msg.size() > key.number;
        case K::smaller:
            return msg.size() < key.number;
        case K::modseq:
            return msg.modseq >= key.number;
    }
    return false;
}

namespace {

bool uses_modseq(const SearchKey& k) {
    if (k.kind == SearchKey::Kind::modseq) return true;
    return std::any_of(k.children.begin(), k.children.end(), uses_modseq);
}

}  // namespace

void ImapSession::on(const std::string& tag, const SearchCmd& c) {
    if (c.charset && *c.charset != "US-ASCII" && *c.charset != "UTF-8") {
        no(tag, "BADCHARSET (US-ASCII UTF-8)", "unsupported charset");
        return;
    }
    const bool modseq = uses_modseq(c.key);
    if (modseq) condstore_ = true;
    Mailbox& m = *sel_->mailbox;
    std::vector<std::uint32_t> hits;
    std::uint64_t max_modseq = 0;
    for (std::size_t i = 0; i < sel_->view.size(); ++i) {
        const StoredMessage* msg = m.find(sel_->view[i]);
        if (!msg) continue;
        if (!search_matches(c.key, static_cast<std::uint32_t>(i + 1), *msg)) continue;
        hits.push_back(c.uid ? msg->uid : static_cast<std::uint32_t>(i + 1));
        max_modseq = std::max(max_modseq, msg->modseq);
    }
    if (c.return_options) {
        // ESEARCH (RFC 4731); RETURN () means ALL.
        auto opts = *c.return_options;
        if (opts.empty()) opts.push_back("ALL");
        auto has = [&](std::string_view o) {
            return std::find(opts.begin(), opts.end(), o) != opts.end();
        };
        std::string line =
            fmt::format("ESEARCH (TAG {}){}", mime::imap_string(tag), c.uid ? " UID" : "");
        if (!hits.empty()) {
            if (has("MIN")) line += fmt::format(" MIN {}", hits.front());
            if (has("MAX")) line += fmt::format(" MAX {}", hits.back());
            if (has("ALL")) line += fmt::format(" ALL {}", compress(hits));
        }
        if (has("COUNT")) line += fmt::format(" COUNT {}", hits.size());
        if (modseq && !hits.empty()) line += fmt::format(" MODSEQ {}", max_modseq);
        untagged(line);
    } else {
        std::string line = "SEARCH";
        for (auto h : hits) line += fmt::format(" {}", h);
        if (modseq && !hits.empty()) line += fmt::format(" (MODSEQ {})", max_modseq);
        untagged(line);
    }
    complete(tag, "OK", fmt::format("{} completed", c.uid ? "UID SEARCH" : "SEARCH"), c.uid);
}

// --- EXPUNGE / CLOSE / UNSELECT / CHECK -------------------------------------------------------
void ImapSession::on(const std::string& tag, const ExpungeCmd& c) {
    if (sel_->read_only) {
        no(tag, "READ-ONLY", "the mailbox is selected read-only");
        return;
    }
    Mailbox& m = *sel_->mailbox;
    std::vector<std::uint32_t> doomed;
    std::set<std::uint32_t> allowed;
    if (c.uids)
        for (const auto& [_, uid] : resolve(*c.uids, true)) allowed.insert(uid);
    for (const auto& msg : m.messages)
        if (msg.flags.contains("\\Deleted") && (!c.uids || allowed.contains(msg.uid)))
            doomed.push_back(msg.uid);
    store_.expunge(*account_, m, doomed);
    complete(tag, "OK", fmt::format("{} completed", c.uids ? "UID EXPUNGE" : "EXPUNGE"));
}

void ImapSession::on(const std::string& tag, const CloseCmd&) {
    Mailbox* m = sel_->mailbox;
    const bool read_only = sel_->read_only;
    deselect();  // CLOSE expunges silently (RFC 3501 §6.4.2)
    if (!read_only) {
        std::vector<std::uint32_t> doomed;
        for (const auto& msg : m->messages)
            if (msg.flags.contains("\\Deleted")) doomed.push_back(msg.uid);
        store_.expunge(*account_, *m, doomed);
    }
    complete(tag, "OK", "CLOSE completed");
}

void ImapSession::on(const std::string& tag, const UnselectCmd&) {
    deselect();
    complete(tag, "OK", "UNSELECT completed");
}

void ImapSession::on(const std::string& tag, const CheckCmd&) {
    complete(tag, "OK", "CHECK completed");
}

}  // namespace coitest::peer
