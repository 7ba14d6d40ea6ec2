#pragma once
// Per-response grammar (internal). Each function starts after the response name and its
// space (where one is required) and stops before the final CRLF.
#include "imap/cursor.hpp"
#include "imap/response.hpp"

namespace coitest::imap::detail {

// parse_codes.cpp
StatusResponse parse_resp_text(Cursor& c, Status status);  // after the status atom
ResponseCode parse_code(Cursor& c);                        // at '['
std::vector<std::string> parse_flag_list(Cursor& c, bool allow_star);

// parse_mailbox.cpp
ListResponse parse_list(Cursor& c, bool lsub);
StatusData parse_status_data(Cursor& c);
Namespace parse_namespace(Cursor& c);
Quota parse_quota(Cursor& c);
QuotaRoot parse_quotaroot(Cursor& c);

// parse_extensions.cpp
Search parse_search(Cursor& c);    // after "SEARCH" (the space before each number is inside)
ESearch parse_esearch(Cursor& c);  // after "ESEARCH"
Metadata parse_metadata(Cursor& c);
Id parse_id(Cursor& c);
std::vector<std::string> parse_atoms(Cursor& c);  // *(SP atom), for CAPABILITY and ENABLED
Vanished parse_vanished(Cursor& c);

// parse_fetch.cpp
Fetch parse_fetch(Cursor& c, std::uint32_t seq);  // at the '(' of msg-att

}  // namespace coitest::imap::detail
