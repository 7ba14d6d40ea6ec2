#pragma once
// What the peer needs to know about a stored message, sans-I/O: its header fields, its MIME tree
// as byte ranges (RFC 2045/2046), and the IMAP renderings built from them: ENVELOPE,
// BODYSTRUCTURE/BODY (RFC 3501 §7.4.2) and BODY[section] contents (§6.4.5). Messages are
// stored byte-exact; nothing here changes them. Malformed input gives a best-effort structure,
// never an error: a server must serve whatever it accepted.
#include "peer/imap_command.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::peer::mime {

struct HeaderField {
    std::string_view name;  // as written
    std::string_view raw;   // the value as written (folding included), without the final CRLF
    std::string_view line;  // the whole field, final CRLF included
};

// The header block at the start of `entity`: up to and including the empty line (or all of it
// when there is none). `body_offset` receives where the body starts.
std::vector<HeaderField> parse_header(std::string_view entity, std::size_t* body_offset = nullptr);
// Folding removed, outer white space trimmed.
std::string unfold(std::string_view raw);
// The first field named `name` (case-insensitive), unfolded; nullopt when absent.
std::optional<std::string> header_value(const std::vector<HeaderField>& fields,
                                        std::string_view name);

struct ContentType {
    std::string type = "text";
    std::string subtype = "plain";
    std::vector<std::pair<std::string, std::string>> params;  // names lower-cased
    std::optional<std::string> param(std::string_view name) const;
};
ContentType parse_content_type(std::string_view value);

// One MIME entity as ranges into the message bytes.
struct Entity {
    std::size_t begin = 0;       // first byte of the header
    std::size_t body_begin = 0;  // first byte of the body (after the empty line)
    std::size_t end = 0;         // one past the last byte of the body
    ContentType type;
    std::vector<Entity> children;      // multipart/*
    std::unique_ptr<Entity> embedded;  // message/rfc822: the encapsulated message

    Entity() = default;
    Entity(Entity&&) noexcept = default;
    Entity& operator=(Entity&&) noexcept = default;
    bool multipart() const { return type.type == "multipart"; }
    bool rfc822() const { return type.type == "message" && type.subtype == "rfc822"; }
};

struct Limits {
    std::size_t max_depth = 20;    // nesting of multiparts and encapsulated messages
    std::size_t max_parts = 2000;  // parts in one message
};

// The structure of a whole message.
Entity parse_message(std::string_view message, const Limits& limits = {});

// --- IMAP renderings -----------------------------------------------------------------------
// An IMAP string: quoted when safe, a literal otherwise; "NIL" for nullopt.
std::string imap_nstring(const std::optional<std::string>& s);
std::string imap_string(std::string_view s);

std::string envelope(std::string_view message);
// BODYSTRUCTURE (extensible = true) or BODY (false).
std::string body_structure(std::string_view message, const Entity& root, bool extensible);

// The bytes BODY[section] names (without the partial); nullopt when the section does not
// exist in this message (the response then carries NIL... or an empty string, see callers).
std::optional<std::string> section_bytes(std::string_view message, const Entity& root,
                                         const imap::Section& section);

// --- dates ---------------------------------------------------------------------------------
// RFC 5322 Date: header value to seconds since the epoch (UTC); nullopt when unreadable.
std::optional<std::int64_t> parse_rfc5322_date(std::string_view value);
// "25-Nov-2024 09:09:00 +0000"
std::string format_internal_date(std::int64_t seconds);

// ASCII case-insensitive substring search (SEARCH is case-insensitive, RFC 3501 §6.4.4).
bool icontains(std::string_view haystack, std::string_view needle);

}  // namespace coitest::peer::mime
