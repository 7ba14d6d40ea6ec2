#pragma once
// Sans-I/O parsers for RFC 5322 header sections and the structured field values the checks judge:
// dates (RFC 5322 §3.3), msg-ids (§3.6.4), address lists (§3.4) and MIME-style parameter lists
// (RFC 2045 §5.1, RFC 2231). They are strict on purpose: a conformance checker must see what a
// lenient parser (GMime) silently repairs. Every error names what is wrong in words a client
// developer understands. Input is bytes; nothing here reads files or allocates without bound.
#include "model/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::message {

// One header field as written: the name, and the raw value after the colon (folded, with the
// line breaks as in the input, without the final line break).
struct RawField {
    std::string name;
    std::string raw_value;
    std::size_t line = 0;      // 1-based line of the field name within the parsed bytes
    std::size_t offset = 0;    // byte offset of the field name
    std::size_t raw_size = 0;  // bytes of the whole field including name, folds and line break
};

struct MalformedLine {
    std::size_t line = 0;
    std::string text;    // the line (shortened)
    std::string reason;  // "no colon", "white space before the colon", "control character in name"
};

struct HeaderSection {
    std::vector<RawField> fields;
    std::size_t body_offset = 0;  // first byte after the empty line, or the input size
    bool has_separator = false;   // an empty line ended the header section
    std::vector<MalformedLine> malformed;
    std::size_t longest_line = 0;  // characters, without the line break
    std::size_t longest_line_no = 0;
    bool bare_cr = false;  // a CR not followed by LF
    std::size_t lines = 0;
};

struct HeaderLimits {
    std::size_t max_bytes = 4u << 20;  // a header section larger than this is refused
    std::size_t max_fields = 20000;
};

// Parses the header section at the start of `bytes`. Malformed lines are reported, not fatal;
// only exceeding a limit is an error.
Result<HeaderSection> parse_header_section(std::string_view bytes, const HeaderLimits& limits = {});

// ---- Dates (RFC 5322 §3.3) ----

struct DateTime {
    int year = 0, month = 0, day = 0;  // month 1..12
    int hour = 0, minute = 0, second = 0;
    int zone_minutes = 0;            // offset east of UTC
    std::optional<int> weekday;      // as written: 0 = Monday … 6 = Sunday
    int actual_weekday() const;      // the day the date falls on, 0 = Monday
    long long unix_seconds() const;  // UTC seconds since 1970
};

Result<DateTime> parse_date(std::string_view value);
std::string weekday_name(int weekday);

// ---- Message identifiers (RFC 5322 §3.6.4) ----

// One msg-id with optional CFWS around it; returns "left@right" without the angle brackets.
Result<std::string> parse_msg_id(std::string_view value);
// 1*msg-id, as in In-Reply-To and References.
Result<std::vector<std::string>> parse_msg_id_list(std::string_view value);
// For fields whose spec shows bare IDs (Chat-Edit, Chat-Delete): accepts <id> or id, and says
// whether the brackets were present.
struct LooseMsgId {
    std::string id;
    bool bracketed = false;
};
Result<LooseMsgId> parse_msg_id_loose(std::string_view value);

// ---- Addresses (RFC 5322 §3.4) ----

struct Mailbox {
    std::string display_name;  // as written (unquoted, encoded words not decoded)
    std::string local;
    std::string domain;
    bool angle = false;  // written as name-addr
    std::string address() const { return local + "@" + domain; }
};

struct AddressGroup {
    std::string name;
    std::vector<Mailbox> members;
};

struct AddressList {
    std::vector<Mailbox> mailboxes;  // every mailbox, including group members
    std::vector<AddressGroup> groups;
};

Result<AddressList> parse_address_list(std::string_view value);
Result<std::vector<Mailbox>> parse_mailbox_list(std::string_view value);  // no groups allowed
// A bare addr-spec (e.g. the Autocrypt addr attribute or a Chat-Group-Member-Added value).
Result<Mailbox> parse_addr_spec(std::string_view value);
// Lower-cases the whole address for comparisons (Autocrypt appendix canonicalisation).
std::string canonical_address(std::string_view address);

// ---- Parameterised values (RFC 2045 §5.1, RFC 2183 §2, RFC 2231) ----

struct Parameter {
    std::string name;   // lower-cased, without RFC 2231 decorations
    std::string value;  // unquoted; RFC 2231 continuations joined and percent-decoded
    bool quoted = false;
    bool extended = false;  // RFC 2231 form was used
};

struct ParameterizedValue {
    std::string value;  // the part before the first ';', trimmed (e.g. "text/plain", "1.0")
    std::vector<Parameter> params;
    bool trailing_semicolon = false;
    std::vector<std::string> problems;  // syntax problems that did not stop parsing

    const Parameter* param(std::string_view name) const;
};

// Parses "value *(; name=value)". Never fails outright: syntax problems are listed in `problems`
// so a check can report them while still judging the parts that parsed.
ParameterizedValue parse_parameterized(std::string_view value);

// MIME token (RFC 2045 §5.1): printable US-ASCII without space and tspecials.
bool is_mime_token(std::string_view s);

struct MediaType {
    std::string type, subtype;  // lower-cased
    bool valid = false;
};
MediaType parse_media_type(std::string_view value);  // "type/subtype" part only

}  // namespace coitest::message

namespace coitest::message {

// ---- Encoded words (RFC 2047) ----

struct DecodedText {
    std::string text;                   // UTF-8 where the charset is known
    std::vector<std::string> problems;  // malformed encoded words, in words
    bool had_encoded_words = false;
};
// Decodes =?charset?B|Q?...?= words in an unstructured value (Subject, Chat-Group-Name, …).
DecodedText decode_encoded_words(std::string_view value);

}  // namespace coitest::message
