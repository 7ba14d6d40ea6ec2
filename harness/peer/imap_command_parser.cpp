// parse_command(): the grammar of the commands the peer executes (RFC 3501 §9 and extensions).
#include "peer/imap_command_parser.hpp"
#include "peer/imap_lexer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace coitest::peer::imap {

using detail::iequals;
using detail::Lexer;
using detail::SyntaxError;
using detail::upper;

bool SeqSet::contains(std::uint32_t n, std::uint32_t star) const {
    for (const auto& r : ranges) {
        std::uint32_t a = r.first == kStar ? star : r.first;
        std::uint32_t b = r.last == kStar ? star : r.last;
        if (a > b) std::swap(a, b);
        if (n >= a && n <= b) return true;
    }
    return false;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int month_number(std::string_view m) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < kMonths.size(); ++i)
        if (iequals(kMonths[i], m)) return static_cast<int>(i) + 1;
    return 0;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

int to_int(std::string_view s) {
    int n = 0;
    for (char c : s) n = n * 10 + (c - '0');
    return n;
}

// ---------------------------------------------------------------------------------------------
class CommandParser {
  public:
    CommandParser(Lexer& lx, const ParserOptions& o) : lx_(lx), o_(o) {}

    CommandBody body(const std::string verb, std::string& name) {
        if (verb == "CAPABILITY") return CapabilityCmd{};
        if (verb == "NOOP") return NoopCmd{};
        if (verb == "LOGOUT") return LogoutCmd{};
        if (verb == "STARTTLS") return StartTlsCmd{};
        if (verb == "IDLE") return IdleCmd{};
        if (verb == "CHECK") return CheckCmd{};
        if (verb == "CLOSE") return CloseCmd{};
        if (verb == "UNSELECT") return UnselectCmd{};
        if (verb == "NAMESPACE") return NamespaceCmd{};
        if (verb == "EXPUNGE") return ExpungeCmd{};
        if (verb == "LOGIN") return login();
        if (verb == "AUTHENTICATE") return authenticate();
        if (verb == "ID") return id();
        if (verb == "ENABLE") return enable();
        if (verb == "SELECT") return select(false);
        if (verb == "EXAMINE") return select(true);
        if (verb == "CREATE") return create();
        if (verb == "DELETE") return DeleteCmd{mailbox_arg()};
        if (verb == "RENAME") return rename();
        if (verb == "SUBSCRIBE") return SubscribeCmd{mailbox_arg(), true};
        if (verb == "UNSUBSCRIBE") return SubscribeCmd{mailbox_arg(), false};
        if (verb == "LIST") return list(false);
        if (verb == "LSUB") return list(true);
        if (verb == "STATUS") return status();
        if (verb == "APPEND") return append();
        if (verb == "FETCH") return fetch(false);
        if (verb == "STORE") return store(false);
        if (verb == "COPY") return copy(false, false);
        if (verb == "MOVE") return copy(false, true);
        if (verb == "SEARCH") return search(false);
        if (verb == "GETQUOTAROOT") return GetQuotaRootCmd{mailbox_arg()};
        if (verb == "GETQUOTA") {
            lx_.sp();
            return GetQuotaCmd{lx_.astring()};
        }
        if (verb == "GETMETADATA") return getmetadata();
        if (verb == "SETMETADATA") return setmetadata();
        if (verb == "UID") {
            lx_.sp();
            const std::string sub = upper(lx_.atom());
            name = "UID " + sub;
            if (sub == "FETCH") return fetch(true);
            if (sub == "STORE") return store(true);
            if (sub == "COPY") return copy(true, false);
            if (sub == "MOVE") return copy(true, true);
            if (sub == "SEARCH") return search(true);
            if (sub == "EXPUNGE") {
                lx_.sp();
                ExpungeCmd e;
                e.uids = lx_.sequence_set(o_.max_set_ranges);
                return e;
            }
            lx_.fail_msg(fmt::format("unknown UID command {}", sub));
        }
        lx_.fail_msg(fmt::format("unknown command {}", verb));
    }

  private:
    std::string mailbox_arg() {
        lx_.sp();
        return lx_.mailbox();
    }

    LoginCmd login() {
        LoginCmd c;
        lx_.sp();
        c.user = lx_.astring();
        lx_.sp();
        c.password = lx_.astring();
        return c;
    }

    AuthenticateCmd authenticate() {
        AuthenticateCmd c;
        lx_.sp();
        c.mechanism = upper(lx_.atom());
        if (lx_.accept(' ')) {
            std::string ir;
            while (!lx_.at_end() && !lx_.at_eol()) {
                const char ch = lx_.peek();
                const bool b64 = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                                 (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=';
                if (!b64) lx_.fail_at("base64 or '='");
                ir += ch;
                lx_.seek(lx_.pos() + 1);
            }
            if (ir.empty()) lx_.fail_at("an initial response");
            c.initial = std::move(ir);
        }
        return c;
    }

    IdCmd id() {
        IdCmd c;
        lx_.sp();
        if (lx_.accept_word("NIL")) return c;
        IdParams params;
        lx_.list(
            [&] {
                std::string key = lx_.string();
                lx_.sp();
                params.emplace_back(std::move(key), lx_.nstring());
            },
            true, 30);
        c.params = std::move(params);
        return c;
    }

    EnableCmd enable() {
        EnableCmd c;
        do {
            lx_.sp();
            c.capabilities.push_back(upper(lx_.atom()));
            if (c.capabilities.size() > o_.max_items) lx_.fail_msg("too many capabilities");
        } while (lx_.at(' '));
        return c;
    }

    SelectCmd select(bool read_only) {
        SelectCmd c;
        c.read_only = read_only;
        c.mailbox = mailbox_arg();
        if (lx_.accept(' ')) {
            lx_.list(
                [&] {
                    const std::string p = upper(lx_.atom());
                    if (p != "CONDSTORE")
                        lx_.fail_msg(fmt::format("unsupported SELECT parameter {}", p));
                    c.condstore = true;
                },
                true, 10);
        }
        return c;
    }

    CreateCmd create() {
        CreateCmd c;
        c.mailbox = mailbox_arg();
        if (lx_.accept(' ')) {
            lx_.list(
                [&] {
                    const std::string p = upper(lx_.atom());
                    if (p != "USE") lx_.fail_msg(fmt::format("unsupported CREATE parameter {}", p));
                    lx_.sp();
                    for (auto& f : lx_.flag_list()) c.special_use.push_back(std::move(f));
                },
                false, 10);
        }
        return c;
    }

    RenameCmd rename() {
        RenameCmd c;
        c.from = mailbox_arg();
        c.to = mailbox_arg();
        return c;
    }

    ListCmd list(bool lsub) {
        ListCmd c;
        c.lsub = lsub;
        lx_.sp();
        if (!lsub && lx_.at('(')) {
            lx_.list(
                [&] {
                    const std::string opt = upper(lx_.atom());
                    static constexpr std::array<std::string_view, 4> kKnown = {
                        "SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"};
                    if (std::find(kKnown.begin(), kKnown.end(), opt) == kKnown.end())
                        lx_.fail_msg(fmt::format("unknown LIST selection option {}", opt));
                    c.selection.push_back(opt);
                },
                true, 10);
            lx_.sp();
        }
        c.reference = lx_.mailbox();
        lx_.sp();
        if (!lsub && lx_.at('(')) {
            lx_.list([&] { c.patterns.push_back(lx_.list_mailbox()); }, false, o_.max_items);
        } else {
            c.patterns.push_back(lx_.list_mailbox());
        }
        if (!lsub && lx_.accept(' ')) {
            if (!lx_.accept_word("RETURN")) lx_.fail_at("RETURN");
            lx_.sp();
            lx_.list(
                [&] {
                    const std::string opt = upper(lx_.atom());
                    if (opt == "STATUS") {
                        lx_.sp();
                        c.status_items = status_items();
                    } else if (opt != "SUBSCRIBED" && opt != "CHILDREN" && opt != "SPECIAL-USE") {
                        lx_.fail_msg(fmt::format("unknown LIST return option {}", opt));
                    }
                    c.return_options.push_back(opt);
                },
                true, 10);
        }
        return c;
    }

    std::vector<std::string> status_items() {
        std::vector<std::string> items;
        lx_.list(
            [&] {
                const std::string item = upper(lx_.atom());
                static constexpr std::array<std::string_view, 7> kKnown = {
                    "MESSAGES", "RECENT",        "UIDNEXT", "UIDVALIDITY",
                    "UNSEEN",   "HIGHESTMODSEQ", "SIZE"};
                if (std::find(kKnown.begin(), kKnown.end(), item) == kKnown.end())
                    lx_.fail_msg(fmt::format("unknown STATUS item {}", item));
                items.push_back(item);
            },
            false, 20);
        return items;
    }

    StatusCmd status() {
        StatusCmd c;
        c.mailbox = mailbox_arg();
        lx_.sp();
        c.items = status_items();
        return c;
    }

    AppendCmd append() {
        AppendCmd c;
        c.mailbox = mailbox_arg();
        lx_.sp();
        if (lx_.at('(')) {
            c.flags = lx_.flag_list();
            lx_.sp();
        }
        if (lx_.at('"')) {
            const std::string when = lx_.quoted();
            c.internal_date = parse_date_time(when);
            if (!c.internal_date) lx_.fail_msg(fmt::format("bad date-time \"{}\"", when));
            lx_.sp();
        }
        if (!lx_.at('{')) lx_.fail_at("the message as a literal");
        c.message = lx_.literal();
        return c;
    }

    // --- FETCH ----------------------------------------------------------------------------
    Section section() {
        Section s;
        lx_.expect('[', "'['");
        // A part path first: 1*("." nz-number) ending at "]" or "." text.
        while (lx_.peek() >= '1' && lx_.peek() <= '9') {
            s.part.push_back(lx_.nz_number());
            if (s.part.size() > 100) lx_.fail_msg("section path too deep");
            if (!lx_.accept('.')) break;
        }
        if (!lx_.at(']')) {
            const std::string word = lx_.fetch_word();
            if (word == "HEADER") {
                s.text = Section::Text::header;
            } else if (word == "TEXT") {
                s.text = Section::Text::text;
            } else if (word == "MIME" && !s.part.empty()) {
                s.text = Section::Text::mime;
            } else if (word == "HEADER.FIELDS" || word == "HEADER.FIELDS.NOT") {
                s.text = word == "HEADER.FIELDS" ? Section::Text::header_fields
                                                 : Section::Text::header_fields_not;
                lx_.sp();
                lx_.list([&] { s.fields.push_back(lx_.astring()); }, false, o_.max_items);
            } else {
                lx_.fail_msg(fmt::format("unknown section text {}", word));
            }
        }
        lx_.expect(']', "']'");
        // The response names the section in canonical form, built from the parsed value.
        std::string spec;
        for (std::size_t i = 0; i < s.part.size(); ++i) {
            if (i) spec += '.';
            spec += std::to_string(s.part[i]);
        }
        auto add = [&](std::string_view t) {
            if (!spec.empty()) spec += '.';
            spec += t;
        };
        switch (s.text) {
            case Section::Text::none:
                break;
            case Section::Text::header:
                add("HEADER");
                break;
            case Section::Text::text:
                add("TEXT");
                break;
            case Section::Text::mime:
                add("MIME");
                break;
            case Section::Text::header_fields:
            case Section::Text::header_fields_not: {
                add(s.text == Section::Text::header_fields ? "HEADER.FIELDS" : "HEADER.FIELDS.NOT");
                spec += " (";
                for (std::size_t i = 0; i < s.fields.size(); ++i) {
                    if (i) spec += ' ';
                    spec += upper(s.fields[i]);
                }
                spec += ')';
                break;
            }
        }
        s.spec = std::move(spec);
        return s;
    }

    FetchItem fetch_att() {
        FetchItem item;
        using K = FetchItem::Kind;
        const std::string word = lx_.fetch_word();
        if (word == "FLAGS") {
            item.kind = K::flags;
        } else if (word == "UID") {
            item.kind = K::uid;
        } else if (word == "RFC822.SIZE") {
            item.kind = K::rfc822_size;
        } else if (word == "INTERNALDATE") {
            item.kind = K::internaldate;
        } else if (word == "ENVELOPE") {
            item.kind = K::envelope;
        } else if (word == "BODYSTRUCTURE") {
            item.kind = K::bodystructure;
        } else if (word == "MODSEQ") {
            item.kind = K::modseq;
        } else if (word == "RFC822") {
            item.kind = K::rfc822;
        } else if (word == "RFC822.HEADER") {
            item.kind = K::rfc822_header;
        } else if (word == "RFC822.TEXT") {
            item.kind = K::rfc822_text;
        } else if (word == "BODY" || word == "BODY.PEEK") {
            if (!lx_.at('[')) {
                if (word == "BODY.PEEK") lx_.fail_at("'[' after BODY.PEEK");
                item.kind = K::body_structure;
                return item;
            }
            item.kind = K::body_section;
            item.peek = word == "BODY.PEEK";
            item.section = section();
            if (lx_.accept('<')) {
                const std::uint32_t origin = lx_.number();
                lx_.expect('.', "'.'");
                const std::uint32_t count = lx_.nz_number();
                lx_.expect('>', "'>'");
                item.partial = std::make_pair(origin, count);
            }
        } else {
            lx_.fail_msg(fmt::format("unknown FETCH item {}", word));
        }
        return item;
    }

    FetchCmd fetch(bool uid) {
        FetchCmd c;
        c.uid = uid;
        lx_.sp();
        c.set = lx_.sequence_set(o_.max_set_ranges);
        lx_.sp();
        using K = FetchItem::Kind;
        auto simple = [](K k) {
            FetchItem i;
            i.kind = k;
            return i;
        };
        if (lx_.at('(')) {
            lx_.list([&] { c.items.push_back(fetch_att()); }, false, o_.max_items);
        } else if (lx_.accept_word("ALL")) {
            c.items = {simple(K::flags), simple(K::internaldate), simple(K::rfc822_size),
                       simple(K::envelope)};
        } else if (lx_.accept_word("FAST")) {
            c.items = {simple(K::flags), simple(K::internaldate), simple(K::rfc822_size)};
        } else if (lx_.accept_word("FULL")) {
            c.items = {simple(K::flags), simple(K::internaldate), simple(K::rfc822_size),
                       simple(K::envelope), simple(K::body_structure)};
        } else {
            c.items.push_back(fetch_att());
        }
        if (lx_.accept(' ')) {
            lx_.list(
                [&] {
                    const std::string m = upper(lx_.atom());
                    if (m != "CHANGEDSINCE")
                        lx_.fail_msg(fmt::format("unsupported FETCH modifier {}", m));
                    lx_.sp();
                    c.changedsince = lx_.number64();
                },
                false, 5);
        }
        return c;
    }

    StoreCmd store(bool uid) {
        StoreCmd c;
        c.uid = uid;
        lx_.sp();
        c.set = lx_.sequence_set(o_.max_set_ranges);
        lx_.sp();
        if (lx_.at('(')) {
            lx_.list(
                [&] {
                    const std::string m = upper(lx_.atom());
                    if (m != "UNCHANGEDSINCE")
                        lx_.fail_msg(fmt::format("unsupported STORE modifier {}", m));
                    lx_.sp();
                    c.unchangedsince = lx_.number64();
                },
                false, 5);
            lx_.sp();
        }
        if (lx_.accept('+'))
            c.mode = StoreCmd::Mode::add;
        else if (lx_.accept('-'))
            c.mode = StoreCmd::Mode::remove;
        const std::string item = lx_.fetch_word();
        if (item == "FLAGS.SILENT")
            c.silent = true;
        else if (item != "FLAGS")
            lx_.fail_msg(fmt::format("unknown STORE item {}", item));
        lx_.sp();
        if (lx_.at('(')) {
            c.flags = lx_.flag_list();
        } else {
            c.flags.push_back(lx_.flag());
            while (lx_.accept(' ')) {
                c.flags.push_back(lx_.flag());
                if (c.flags.size() > o_.max_items) lx_.fail_msg("too many flags");
            }
        }
        return c;
    }

    CopyCmd copy(bool uid, bool move) {
        CopyCmd c;
        c.uid = uid;
        c.move = move;
        lx_.sp();
        c.set = lx_.sequence_set(o_.max_set_ranges);
        c.mailbox = mailbox_arg();
        return c;
    }

    // --- SEARCH ---------------------------------------------------------------------------
    std::int64_t search_date() {
        std::string text;
        if (lx_.at('"')) {
            text = lx_.quoted();
        } else {
            text = lx_.atom();
        }
        const auto d = parse_date(text);
        if (!d) lx_.fail_msg(fmt::format("bad date \"{}\"", text));
        return *d;
    }

    SearchKey search_key() {
        using K = SearchKey::Kind;
        SearchKey k;
        if (lx_.at('(')) {
            k.kind = K::and_;
            lx_.list([&] { k.children.push_back(search_key()); }, false, o_.max_items);
            return k;
        }
        if ((lx_.peek() >= '1' && lx_.peek() <= '9') || lx_.at('*')) {
            k.kind = K::seq;
            k.set = lx_.sequence_set(o_.max_set_ranges);
            return k;
        }
        const std::string word = upper(lx_.atom());
        auto flag_key = [&](K kind, std::string flag) {
            k.kind = kind;
            k.text = std::move(flag);
        };
        auto header_key = [&](std::string field) {
            k.kind = K::header;
            k.text = std::move(field);
            lx_.sp();
            k.value = lx_.astring();
        };
        auto date_key = [&](K kind) {
            k.kind = kind;
            lx_.sp();
            k.date = search_date();
        };
        if (word == "ALL") {
            k.kind = K::all;
        } else if (word == "ANSWERED") {
            flag_key(K::flag, "\\Answered");
        } else if (word == "DELETED") {
            flag_key(K::flag, "\\Deleted");
        } else if (word == "FLAGGED") {
            flag_key(K::flag, "\\Flagged");
        } else if (word == "SEEN") {
            flag_key(K::flag, "\\Seen");
        } else if (word == "DRAFT") {
            flag_key(K::flag, "\\Draft");
        } else if (word == "RECENT") {
            flag_key(K::flag, "\\Recent");
        } else if (word == "UNANSWERED") {
            flag_key(K::unflag, "\\Answered");
        } else if (word == "UNDELETED") {
            flag_key(K::unflag, "\\Deleted");
        } else if (word == "UNFLAGGED") {
            flag_key(K::unflag, "\\Flagged");
        } else if (word == "UNSEEN") {
            flag_key(K::unflag, "\\Seen");
        } else if (word == "UNDRAFT") {
            flag_key(K::unflag, "\\Draft");
        } else if (word == "NEW") {
            k.kind = K::new_;
        } else if (word == "OLD") {
            k.kind = K::old;
        } else if (word == "KEYWORD" || word == "UNKEYWORD") {
            lx_.sp();
            flag_key(word == "KEYWORD" ? K::flag : K::unflag, lx_.atom());
        } else if (word == "FROM" || word == "TO" || word == "CC" || word == "BCC" ||
                   word == "SUBJECT") {
            header_key(word);
        } else if (word == "HEADER") {
            lx_.sp();
            header_key(lx_.astring());
        } else if (word == "BODY" || word == "TEXT") {
            k.kind = word == "BODY" ? K::body : K::text;
            lx_.sp();
            k.value = lx_.astring();
        } else if (word == "BEFORE") {
            date_key(K::before);
        } else if (word == "ON") {
            date_key(K::on);
        } else if (word == "SINCE") {
            date_key(K::since);
        } else if (word == "SENTBEFORE") {
            date_key(K::sentbefore);
        } else if (word == "SENTON") {
            date_key(K::senton);
        } else if (word == "SENTSINCE") {
            date_key(K::sentsince);
        } else if (word == "LARGER" || word == "SMALLER") {
            k.kind = word == "LARGER" ? K::larger : K::smaller;
            lx_.sp();
            k.number = lx_.number64();
        } else if (word == "UID") {
            k.kind = K::uid;
            lx_.sp();
            k.set = lx_.sequence_set(o_.max_set_ranges);
        } else if (word == "NOT") {
            k.kind = K::not_;
            lx_.sp();
            Lexer::Depth guard(lx_);
            k.children.push_back(search_key());
        } else if (word == "OR") {
            k.kind = K::or_;
            Lexer::Depth guard(lx_);
            lx_.sp();
            k.children.push_back(search_key());
            lx_.sp();
            k.children.push_back(search_key());
        } else if (word == "MODSEQ") {
            k.kind = K::modseq;
            lx_.sp();
            if (lx_.at('"')) {  // entry-name entry-type-req: accepted, not used
                lx_.quoted();
                lx_.sp();
                lx_.atom();
                lx_.sp();
            }
            k.number = lx_.number64();
        } else {
            lx_.fail_msg(fmt::format("unknown search key {}", word));
        }
        return k;
    }

    SearchCmd search(bool uid) {
        SearchCmd c;
        c.uid = uid;
        c.key.kind = SearchKey::Kind::and_;
        lx_.sp();
        if (lx_.accept_word("RETURN")) {
            lx_.sp();
            std::vector<std::string> opts;
            lx_.list(
                [&] {
                    const std::string o = upper(lx_.atom());
                    if (o != "MIN" && o != "MAX" && o != "ALL" && o != "COUNT")
                        lx_.fail_msg(fmt::format("unknown SEARCH return option {}", o));
                    opts.push_back(o);
                },
                true, 10);
            c.return_options = std::move(opts);
            lx_.sp();
        }
        if (lx_.accept_word("CHARSET")) {
            lx_.sp();
            c.charset = upper(lx_.astring());
            lx_.sp();
        }
        for (;;) {
            c.key.children.push_back(search_key());
            if (c.key.children.size() > o_.max_items) lx_.fail_msg("too many search keys");
            if (!lx_.accept(' ')) break;
        }
        return c;
    }

    // --- METADATA (RFC 5464) --------------------------------------------------------------
    GetMetadataCmd getmetadata() {
        GetMetadataCmd c;
        lx_.sp();
        if (lx_.at('(')) {
            lx_.list(
                [&] {
                    const std::string o = upper(lx_.atom());
                    lx_.sp();
                    if (o == "MAXSIZE") {
                        c.maxsize = lx_.number64();
                    } else if (o == "DEPTH") {
                        const std::string d = upper(lx_.astring());
                        if (d == "0")
                            c.depth = 0;
                        else if (d == "1")
                            c.depth = 1;
                        else if (d == "INFINITY")
                            c.depth = -1;
                        else
                            lx_.fail_msg(fmt::format("DEPTH must be 0, 1 or infinity, not {}", d));
                    } else {
                        lx_.fail_msg(fmt::format("unknown GETMETADATA option {}", o));
                    }
                },
                false, 5);
            lx_.sp();
        }
        c.mailbox = lx_.mailbox();
        lx_.sp();
        if (lx_.at('(')) {
            lx_.list([&] { c.entries.push_back(lx_.astring()); }, false, o_.max_items);
        } else {
            c.entries.push_back(lx_.astring());
        }
        return c;
    }

    SetMetadataCmd setmetadata() {
        SetMetadataCmd c;
        c.mailbox = mailbox_arg();
        lx_.sp();
        lx_.list(
            [&] {
                std::string entry = lx_.astring();
                lx_.sp();
                // value = nstring / literal8 ("~{N}"); the lexer's literal() takes "{N}".
                // Atoms are accepted too: the COI spec's own examples send `enabled yes`.
                if (lx_.at('~')) lx_.seek(lx_.pos() + 1);
                std::optional<std::string> value;
                if (!lx_.accept_word("NIL")) value = lx_.astring();
                c.entries.emplace_back(std::move(entry), std::move(value));
            },
            false, o_.max_items);
        return c;
    }

    Lexer& lx_;
    const ParserOptions& o_;
};

}  // namespace

std::optional<std::int64_t> parse_date(std::string_view text) {
    const auto d1 = text.find('-');
    if (d1 == std::string_view::npos) return std::nullopt;
    const auto d2 = text.find('-', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    const auto day = text.substr(0, d1);
    const auto mon = text.substr(d1 + 1, d2 - d1 - 1);
    const auto year = text.substr(d2 + 1);
    if (!all_digits(day) || day.size() > 2 || !all_digits(year) || year.size() != 4)
        return std::nullopt;
    const int m = month_number(mon);
    const int d = to_int(day);
    if (m == 0 || d < 1 || d > 31) return std::nullopt;
    return days_from_civil(to_int(year), static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<std::int64_t> parse_date_time(std::string_view text) {
    // "dd-Mon-yyyy hh:mm:ss +zzzz", the day possibly space-padded.
    if (text.size() != 26) return std::nullopt;
    std::string day(text.substr(0, 2));
    if (day[0] == ' ') day[0] = '0';
    const auto date = parse_date(day + std::string(text.substr(2, 9)));
    if (!date || text[11] != ' ' || text[14] != ':' || text[17] != ':' || text[20] != ' ')
        return std::nullopt;
    const auto hh = text.substr(12, 2), mm = text.substr(15, 2), ss = text.substr(18, 2);
    const auto zone = text.substr(21, 5);
    if (!all_digits(hh) || !all_digits(mm) || !all_digits(ss)) return std::nullopt;
    if ((zone[0] != '+' && zone[0] != '-') || !all_digits(zone.substr(1))) return std::nullopt;
    if (to_int(hh) > 23 || to_int(mm) > 59 || to_int(ss) > 60) return std::nullopt;
    const int offset = (to_int(zone.substr(1, 2)) * 60 + to_int(zone.substr(3, 2))) * 60;
    std::int64_t t = *date * 86400 + to_int(hh) * 3600 + to_int(mm) * 60 + to_int(ss);
    t -= zone[0] == '+' ? offset : -offset;
    return t;
}

std::variant<Command, ParseError> parse_command(std::string_view text,
                                                const ParserOptions& options) {
    Lexer lx(text, options.max_depth);
    std::string tag;
    try {
        tag = lx.tag();
        lx.sp();
        Command cmd;
        cmd.tag = tag;
        cmd.name = upper(lx.atom());
        CommandParser parser(lx, options);
        cmd.body = parser.body(cmd.name, cmd.name);
        lx.end();
        return cmd;
    } catch (const SyntaxError& e) {
        return ParseError{tag.empty() ? std::string("*") : tag, e.message};
    }
}

}  // namespace coitest::peer::imap
