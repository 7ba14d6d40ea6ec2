#pragma once
// The message body of DATA on the wire (RFC 5321 §4.5.2, §4.1.1.4), sans-I/O.
//
// encode_data: by default the bytes go out as given (a test may send odd line endings on
// purpose), with two guarantees: every line that starts with "." after a CRLF (or at the very
// start) gets one more ".", and the result ends in CRLF "." CRLF, adding a CRLF first when the
// message does not end in one. A line that follows a bare LF is not a line for RFC 5321, so it is
// not stuffed: a message holding "\n.\r\n" reaches the server unchanged, which is how a test
// probes a server's handling of bare line ends.
// With `normalize_line_endings`, every bare LF and bare CR becomes CRLF first.
#include "model/error.hpp"

#include <string>
#include <string_view>

namespace coitest::smtp {

struct DataOptions {
    bool normalize_line_endings = false;
};

std::string encode_data(std::string_view message, DataOptions options = {});

// The inverse, for tests and for the server side: `wire` is everything after the 354 up to and
// including the CRLF "." CRLF terminator. Returns the message with its final CRLF and with one
// leading dot removed from every line that has one. Missing terminator or bytes after it: Error.
Result<std::string> decode_data(std::string_view wire);

}  // namespace coitest::smtp
