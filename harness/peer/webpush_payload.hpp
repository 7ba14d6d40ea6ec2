#pragma once
// The push payload for a new message (webpush-spec.md "Payload Data Format"), sans-I/O: the
// JSON object with from-email, from-name, subject, content (+ content-type, content-encoding),
// date, msg-id, uid, uidvalidity, folder and, for COI group messages, group-id.
//
// Shortening: a string field measured as its JSON-escaped text keeps whole units only (a UTF-8
// character or an escape such as \" or \u001f is never cut), at least the field's limit of
// octets ("at least the first 100 bytes"), and then the ellipsis U+2026.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coitest::peer::push {

struct PayloadLimits {
    std::size_t field = 100;           // from-email, from-name, subject, msg-id
    std::size_t content_type = 200;    // content-type
    std::size_t folder = 200;          // longer folders are left out
    std::size_t group_id = 128;        // longer group IDs are left out
    std::size_t max_plaintext = 3993;  // 4096 - 86 (header) - 1 (padding delimiter) - 16 (tag)
};

struct PayloadInput {
    std::string_view message;  // the stored bytes
    std::uint32_t uid = 0;
    std::uint32_t uidvalidity = 0;
    std::string_view folder;
    bool coi = true;  // the server follows the COI client spec: add group-id
};

// The payload JSON (UTF-8, at most limits.max_plaintext octets).
std::string build_payload(const PayloadInput& input, const PayloadLimits& limits = {});

// The JSON string escape of `text` without the quotes; invalid UTF-8 becomes U+FFFD.
std::string json_escape(std::string_view text);
// json_escape, shortened as described above; `cut` (optional) tells whether it was.
std::string json_escape_shortened(std::string_view text, std::size_t limit, bool* cut = nullptr);

// The group ID a COI group message carries (coi-client-spec "Group Messages"): from a Message-ID
// chat$group.<ID>.<unique>@domain, else from the first References entry of that form.
std::optional<std::string> group_id(std::string_view message);

}  // namespace coitest::peer::push
