#pragma once
// Parsing of one complete IMAP response (sans-I/O). ResponseReader frames responses off the
// wire and calls this; the reference peer and tests may call it directly.
#include "imap/response.hpp"
#include "model/error.hpp"

#include <cstddef>
#include <string>

namespace coitest::imap {

// `raw` is one whole response: CRLF-terminated, literals inline. A syntax error is a
// `protocol` Error naming what was expected and where; lists nested deeper than `max_depth`
// are a `limit` Error. Unknown untagged responses parse as Generic, not as errors.
Result<Response> parse_response(std::string raw, std::size_t max_depth = 128);

}  // namespace coitest::imap
