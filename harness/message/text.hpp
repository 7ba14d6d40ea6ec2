#pragma once
// Small text helpers shared by the header parsers and the message checks: ASCII case folding,
// trimming, base64 and UTF-8 validation. Pure functions on bytes, no allocation surprises.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::message {

char ascii_lower(char c);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);  // spaces, tabs, CR, LF
std::vector<std::string_view> split(std::string_view s, char sep);

// Removes folding (a line break followed by white space) and trims; line breaks may be CRLF or LF.
std::string unfold(std::string_view raw);

// Strict base64 (RFC 4648 alphabet, '=' padding only at the end); white space is skipped.
// Returns nullopt on any other character or bad padding.
std::optional<std::string> base64_decode(std::string_view text);

bool is_valid_utf8(std::string_view s);
bool has_8bit(std::string_view s);

// Quotes a value for a finding: printable, newlines shown as \n, long values cut with "…".
std::string show(std::string_view s, std::size_t max = 120);

}  // namespace coitest::message
