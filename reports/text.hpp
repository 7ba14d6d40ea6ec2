#pragma once
// Text helpers every report writer shares. Report input is hostile: transcripts hold whatever a
// peer sent (control bytes, escape sequences, invalid UTF-8), so everything a writer prints goes
// through printable() first, then through the escaping of its format.
#include "model/results.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::reports::text {

enum class Newlines { keep, escape };

// Valid UTF-8 that XML 1.0, HTML and a terminal all accept unchanged. Kept: tab, printable
// characters, and line feeds with Newlines::keep (CRLF then becomes LF). Shown as visible escapes:
// LF as `\n` and CR as `\r` when newlines are not kept, and every other byte of a control
// character (C0, DEL, C1), of U+FFFE/U+FFFF, or of an invalid UTF-8 sequence as `\xNN`.
std::string printable(std::string_view in, Newlines newlines = Newlines::escape);

// Whether `in` is well-formed UTF-8 (RFC 3629).
bool valid_utf8(std::string_view in);

// printable() plus XML escaping. Attribute values also escape quotes and encode line feeds as
// character references, so the parser keeps them.
std::string xml_text(std::string_view in);
std::string xml_attribute(std::string_view in);

// printable() plus HTML escaping (& < > " '), usable in text and in quoted attribute values.
std::string html(std::string_view in, Newlines newlines = Newlines::keep);

// At most `max_bytes` bytes of `in`, cut on a UTF-8 character boundary, with "…" appended when
// something was cut.
std::string truncate(std::string_view in, std::size_t max_bytes);

// Seconds with three decimals ("0.012"); negative, NaN and infinite values print as "0.000".
// The form also matches the JUnit schema's SUREFIRE_TIME pattern.
std::string seconds(double s);

// One line per transcript line: "[  0.012] c1 C: a001 LOGIN …" (S: for the server, "--" for
// harness notes), already printable(). A chunk's trailing line end does not add an empty line.
std::vector<std::string> transcript_lines(const std::vector<TranscriptEntry>& transcript);

// "REQ-ID LEVEL" of a finding; "expected X / seen Y" of a finding, one line, printable.
std::string finding_type(const Finding& f);
std::string expected_seen(const Finding& f);

}  // namespace coitest::reports::text
