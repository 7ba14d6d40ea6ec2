#pragma once
// Typed IMAP server responses: RFC 3501 §7 plus the extensions coitest meets (METADATA RFC 5464,
// ENABLE RFC 5161, ID RFC 2971, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, ESEARCH RFC 4731,
// UIDPLUS RFC 4315, CONDSTORE/QRESYNC RFC 7162, QUOTA, NAMESPACE). Every Response keeps its raw
// bytes, so transcripts and script patterns match what was really on the wire; meaning is
// matched on the typed fields, never on human-readable text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace coitest::imap {

// ASCII case-insensitive comparison: IMAP atoms (OK, FLAGS, UIDNEXT...) ignore case.
bool iequals(std::string_view a, std::string_view b);
std::string to_upper(std::string_view s);

// A sequence set or UID set as inclusive ranges, in the order sent. '*' is kStar.
inline constexpr std::uint32_t kStar = 0xFFFFFFFFu;
struct SeqRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
};
struct SequenceSet {
    std::vector<SeqRange> ranges;

    bool empty() const { return ranges.empty(); }
    bool contains(std::uint32_t n) const;
    std::string to_string() const;  // "1:3,7"
};

// A generic parsed value: BODYSTRUCTURE trees, LIST-EXTENDED items, unknown FETCH items.
// Numbers are atoms; number() reads them.
struct SExpr {
    enum class Type { nil, atom, string, list };
    Type type = Type::nil;
    std::string text;          // atom or string contents (literals included, decoded)
    std::vector<SExpr> items;  // list members

    bool is_nil() const { return type == Type::nil; }
    bool is_atom() const { return type == Type::atom; }
    bool is_string() const { return type == Type::string; }
    bool is_list() const { return type == Type::list; }
    std::optional<std::uint64_t> number() const;  // an atom of 1-20 digits that fits
    std::optional<std::string> nstring() const;   // string or atom contents; NIL, lists -> nullopt
    std::string to_string() const;                // IMAP-like rendering, for messages
};

enum class CodeKind {
    alert,
    badcharset,
    capability,
    parse,
    permanentflags,
    read_only,
    read_write,
    trycreate,
    uidnext,
    uidvalidity,
    unseen,
    appenduid,
    copyuid,
    uidnotsticky,
    highestmodseq,
    nomodseq,
    modified,
    closed,
    metadata_longentries,
    metadata_maxsize,
    metadata_toomany,
    metadata_noprivate,
    other,
};
std::string_view to_string(CodeKind kind);

// A response code, "[UIDNEXT 4]". Which typed member holds the payload depends on the kind
// (the comments say); `name` and `arguments` are always set, so unknown codes stay usable.
struct ResponseCode {
    CodeKind kind = CodeKind::other;
    std::string name;               // the atom, upper-cased: "UIDNEXT", "METADATA"
    std::string arguments;          // the raw text after the atom and its space, as sent
    std::vector<std::string> list;  // CAPABILITY, BADCHARSET charsets, PERMANENTFLAGS flags
    std::uint64_t number = 0;       // UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ,
                                    // METADATA LONGENTRIES / MAXSIZE; APPENDUID/COPYUID validity
    SequenceSet source;             // COPYUID: source UIDs
    SequenceSet uids;               // APPENDUID/COPYUID: new UIDs; MODIFIED: the set
};

enum class Status { ok, no, bad, preauth, bye };
std::string_view to_string(Status status);

// OK/NO/BAD/PREAUTH/BYE with optional code and text (untagged, or inside a Tagged response).
struct StatusResponse {
    Status status = Status::ok;
    std::optional<ResponseCode> code;
    std::string text;
};

struct Tagged {
    std::string tag;
    StatusResponse result;
};

// "+ text": the server waits for a literal, an AUTHENTICATE response or DONE.
struct Continuation {
    std::string text;  // everything after "+ " (base64 challenges included), as sent
};

struct Capability {
    std::vector<std::string> capabilities;
};

struct Enabled {
    std::vector<std::string> capabilities;
};

using IdParams = std::vector<std::pair<std::string, std::optional<std::string>>>;
struct Id {
    std::optional<IdParams> params;  // NIL -> nullopt
};

struct Flags {
    std::vector<std::string> flags;
};

// LIST or LSUB, with RFC 5258 extended data (CHILDINFO, OLDNAME...).
struct ListResponse {
    bool lsub = false;
    std::vector<std::string> attributes;  // "\HasNoChildren", "\Sent", as sent
    std::optional<char> delimiter;        // NIL -> nullopt
    std::string mailbox;                  // as sent (modified UTF-7 unless UTF8=ACCEPT)
    std::vector<std::pair<std::string, SExpr>> extended;  // tag upper-cased

    bool has_attribute(std::string_view attribute) const;  // case-insensitive
    std::vector<std::string> childinfo() const;            // CHILDINFO selection options
    const SExpr* extended_item(std::string_view tag) const;
};

struct StatusData {
    std::string mailbox;
    std::vector<std::pair<std::string, SExpr>> items;  // name upper-cased

    std::optional<std::uint64_t> get(std::string_view item) const;  // MESSAGES, UIDNEXT...
};

struct Search {
    std::vector<std::uint32_t> numbers;
    std::optional<std::uint64_t> modseq;  // CONDSTORE "(MODSEQ n)"
};

struct ESearch {
    std::optional<std::string> tag;  // the search correlator
    bool uid = false;
    std::optional<std::uint32_t> min, max;
    std::optional<std::uint64_t> count;
    std::optional<SequenceSet> all;
    std::optional<std::uint64_t> modseq;
    std::vector<std::pair<std::string, SExpr>> other;  // name upper-cased
};

struct MetadataEntry {
    std::string name;
    std::optional<std::string> value;  // NIL (or no value sent) -> nullopt
};

// "* METADATA mbox (entry value ...)" or, unsolicited, "* METADATA mbox entry entry..."
// (then has_values is false and every value is nullopt).
struct Metadata {
    std::string mailbox;
    bool has_values = true;
    std::vector<MetadataEntry> entries;
};

struct NamespaceDesc {
    std::string prefix;
    std::optional<char> delimiter;
    std::vector<std::pair<std::string, std::vector<std::string>>> extensions;
};
struct Namespace {
    std::vector<NamespaceDesc> personal, other_users, shared;  // NIL -> empty
};

struct QuotaResource {
    std::string name;  // upper-cased: STORAGE, MESSAGE
    std::uint64_t usage = 0;
    std::uint64_t limit = 0;
};
struct Quota {
    std::string root;
    std::vector<QuotaResource> resources;
};
struct QuotaRoot {
    std::string mailbox;
    std::vector<std::string> roots;
};

struct Exists {
    std::uint32_t count = 0;
};
struct Recent {
    std::uint32_t count = 0;
};
struct Expunge {
    std::uint32_t seq = 0;
};
struct Vanished {
    bool earlier = false;
    SequenceSet uids;
};

struct Address {
    std::optional<std::string> name, adl, mailbox, host;
};
struct Envelope {
    std::optional<std::string> date, subject;
    std::vector<Address> from, sender, reply_to, to, cc, bcc;
    std::optional<std::string> in_reply_to, message_id;
};

// BODY[section]<origin>, BINARY[section]<origin>, RFC822, RFC822.HEADER, RFC822.TEXT.
struct BodySection {
    std::string item;     // upper-cased: "BODY", "BINARY", "RFC822.HEADER"
    std::string section;  // the text between the brackets, as sent ("", "1.2", "HEADER.FIELDS (X)")
    std::optional<std::uint32_t> origin;
    std::optional<std::string> data;  // NIL -> nullopt
};

struct Fetch {
    std::uint32_t seq = 0;
    std::optional<std::vector<std::string>> flags;
    std::optional<std::uint32_t> uid;
    std::optional<std::uint64_t> rfc822_size;
    std::optional<std::string> internaldate;
    std::optional<Envelope> envelope;
    std::optional<SExpr> body_structure;   // BODYSTRUCTURE, or BODY without a section
    bool body_structure_extended = false;  // true when it came as BODYSTRUCTURE
    std::optional<std::uint64_t> modseq;
    std::vector<BodySection> sections;
    std::vector<std::pair<std::string, SExpr>> other;  // untyped items, name upper-cased

    // The BODY[section] (or another item's) data; section compared case-insensitively.
    const BodySection* section(std::string_view section, std::string_view item = "BODY") const;
    bool has_flag(std::string_view flag) const;  // case-insensitive
};

// Any untagged response coitest does not type: kept, never an error.
struct Generic {
    std::string name;                     // upper-cased
    std::optional<std::uint32_t> number;  // "* 3 XFOO" -> 3
    std::string text;                     // the rest of the response after the name, raw
};

using ResponseData =
    std::variant<Generic, Continuation, Tagged, StatusResponse, Capability, Enabled, Id, Flags,
                 ListResponse, StatusData, Search, ESearch, Metadata, Namespace, Quota, QuotaRoot,
                 Exists, Recent, Expunge, Vanished, Fetch>;

struct Response {
    std::string raw;  // every byte of the response, CRLFs and literals included
    ResponseData data;

    template <class T>
    const T* get() const {
        return std::get_if<T>(&data);
    }
    bool is_tagged() const { return get<Tagged>() != nullptr; }
    bool is_continuation() const { return get<Continuation>() != nullptr; }
    bool is_untagged() const { return !is_tagged() && !is_continuation(); }
    // The status part of a tagged or untagged OK/NO/BAD/PREAUTH/BYE, else nullptr.
    const StatusResponse* status() const;
    const ResponseCode* code() const;  // the response code of status(), if any
    // "OK", "FETCH", "LIST", "EXISTS", "+", or the generic name: what a message names.
    std::string kind_name() const;
};

}  // namespace coitest::imap
