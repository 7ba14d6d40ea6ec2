#pragma once
// IMAP commands as the reference peer receives them (RFC 3501 §6 and the extensions the peer
// speaks: LITERAL+, ID, ENABLE, IDLE, UIDPLUS, MOVE, UNSELECT, NAMESPACE, LIST-EXTENDED,
// SPECIAL-USE, LIST-STATUS, CONDSTORE, QUOTA, METADATA). Typed values only: the parser
// (imap_command_parser.hpp) builds them, the session executes them.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace coitest::peer::imap {

// A sequence set or UID set as inclusive ranges; '*' is kStar (resolved against the mailbox
// when the command runs: the largest number in use).
inline constexpr std::uint32_t kStar = 0xFFFFFFFFu;
struct SeqRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
};
struct SeqSet {
    std::vector<SeqRange> ranges;
    // True if `n` is in the set once '*' stands for `star` (the largest number in use).
    bool contains(std::uint32_t n, std::uint32_t star) const;
};

// --- FETCH ---------------------------------------------------------------------------------
// A BODY[...] section specifier, RFC 3501 §6.4.5: a part path then an optional text part.
struct Section {
    enum class Text { none, header, header_fields, header_fields_not, text, mime };
    std::vector<std::uint32_t> part;  // "1.2" -> {1, 2}; empty: the whole message
    Text text = Text::none;
    std::vector<std::string> fields;  // HEADER.FIELDS (...) as sent
    std::string spec;                 // the text between the brackets, for the response
};

struct FetchItem {
    enum class Kind {
        flags,
        uid,
        rfc822_size,
        internaldate,
        envelope,
        bodystructure,
        body_structure,  // BODY without a section: the structure without extension data
        body_section,    // BODY[...] / BODY.PEEK[...]
        modseq,
        rfc822,         // = BODY[] (sets \Seen)
        rfc822_header,  // = BODY.PEEK[HEADER]
        rfc822_text,    // = BODY[TEXT]
    };
    Kind kind = Kind::flags;
    Section section;
    bool peek = false;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> partial;  // <origin.count>
};

// --- SEARCH --------------------------------------------------------------------------------
struct SearchKey {
    enum class Kind {
        all,
        and_,  // a parenthesized list, or the top level: every child must match
        or_,
        not_,
        seq,
        uid,
        flag,    // \Seen etc. set (text holds the flag)
        unflag,  // ... not set
        new_,    // \Recent and not \Seen
        old,     // not \Recent
        header,  // HEADER field value (text = field, value = substring)
        body,
        text,
        before,  // internal date, day resolution (date = days since epoch)
        on,
        since,
        sentbefore,  // Date: header
        senton,
        sentsince,
        larger,
        smaller,
        modseq,
    };
    Kind kind = Kind::all;
    std::string text;
    std::string value;
    std::int64_t date = 0;
    std::uint64_t number = 0;
    SeqSet set;
    std::vector<SearchKey> children;
};

// --- commands ------------------------------------------------------------------------------
struct CapabilityCmd {};
struct NoopCmd {};
struct LogoutCmd {};
struct StartTlsCmd {};
struct IdleCmd {};
struct CheckCmd {};
struct CloseCmd {};
struct UnselectCmd {};
struct NamespaceCmd {};
struct ExpungeCmd {
    std::optional<SeqSet> uids;  // UID EXPUNGE (UIDPLUS)
};
struct LoginCmd {
    std::string user;
    std::string password;
};
struct AuthenticateCmd {
    std::string mechanism;               // upper-cased
    std::optional<std::string> initial;  // SASL-IR, base64 as sent ("=" for empty)
};
using IdParams = std::vector<std::pair<std::string, std::optional<std::string>>>;
struct IdCmd {
    std::optional<IdParams> params;
};
struct EnableCmd {
    std::vector<std::string> capabilities;  // upper-cased
};
struct SelectCmd {
    std::string mailbox;
    bool read_only = false;  // EXAMINE
    bool condstore = false;
};
struct CreateCmd {
    std::string mailbox;
    std::vector<std::string> special_use;  // CREATE mbox (USE (\Sent)), RFC 6154
};
struct DeleteCmd {
    std::string mailbox;
};
struct RenameCmd {
    std::string from;
    std::string to;
};
struct SubscribeCmd {
    std::string mailbox;
    bool subscribe = true;  // false: UNSUBSCRIBE
};
struct ListCmd {
    bool lsub = false;
    std::vector<std::string> selection;  // upper-cased selection options
    std::string reference;
    std::vector<std::string> patterns;
    std::vector<std::string> return_options;  // upper-cased
    std::vector<std::string> status_items;    // RETURN (STATUS (...)), upper-cased
};
struct StatusCmd {
    std::string mailbox;
    std::vector<std::string> items;  // upper-cased
};
struct AppendCmd {
    std::string mailbox;
    std::vector<std::string> flags;
    std::optional<std::int64_t> internal_date;  // seconds since the epoch, UTC
    std::string message;
};
struct FetchCmd {
    bool uid = false;
    SeqSet set;
    std::vector<FetchItem> items;
    std::optional<std::uint64_t> changedsince;
};
struct StoreCmd {
    enum class Mode { replace, add, remove };
    bool uid = false;
    SeqSet set;
    std::optional<std::uint64_t> unchangedsince;
    Mode mode = Mode::replace;
    bool silent = false;
    std::vector<std::string> flags;
};
struct CopyCmd {
    bool uid = false;
    bool move = false;
    SeqSet set;
    std::string mailbox;
};
struct SearchCmd {
    bool uid = false;
    std::optional<std::string> charset;
    SearchKey key;                                           // Kind::and_ of the criteria
    std::optional<std::vector<std::string>> return_options;  // ESEARCH (RFC 4731)
};
struct GetQuotaRootCmd {
    std::string mailbox;
};
struct GetQuotaCmd {
    std::string root;
};
struct GetMetadataCmd {
    std::optional<std::uint64_t> maxsize;
    int depth = 0;  // 0, 1, or -1 for infinity
    std::string mailbox;
    std::vector<std::string> entries;
};
struct SetMetadataCmd {
    std::string mailbox;
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;
};

using CommandBody =
    std::variant<CapabilityCmd, NoopCmd, LogoutCmd, StartTlsCmd, IdleCmd, CheckCmd, CloseCmd,
                 UnselectCmd, NamespaceCmd, ExpungeCmd, LoginCmd, AuthenticateCmd, IdCmd, EnableCmd,
                 SelectCmd, CreateCmd, DeleteCmd, RenameCmd, SubscribeCmd, ListCmd, StatusCmd,
                 AppendCmd, FetchCmd, StoreCmd, CopyCmd, SearchCmd, GetQuotaRootCmd, GetQuotaCmd,
                 GetMetadataCmd, SetMetadataCmd>;

struct Command {
    std::string tag;
    std::string name;  // "UID FETCH", "SELECT": for logs and messages
    CommandBody body;
};

}  // namespace coitest::peer::imap
