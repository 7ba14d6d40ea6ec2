#pragma once
// The service extensions a server lists in its EHLO (RFC 5321 §4.1.1.1) or LHLO (RFC 2033 §4.1)
// reply. Keywords compare case-insensitively and are stored in upper case; parameters are kept as
// sent, except AUTH mechanism names, which auth_mechanisms() upper-cases.
#include "smtp/reply.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::smtp {

struct Capabilities {
    std::string domain;  // the first word of the first line: the name the server gives itself
    std::map<std::string, std::vector<std::string>> extensions;  // KEYWORD -> parameters
    // Lines that are not `keyword *(SP param)` (RFC 5321 ehlo-line). The old "AUTH=PLAIN LOGIN"
    // form some servers add for ancient clients is kept as keyword "AUTH=" rather than here.
    std::vector<std::string> malformed;

    bool has(std::string_view keyword) const;
    const std::vector<std::string>* params(std::string_view keyword) const;  // null if absent

    // SIZE (RFC 1870): the declared limit; 0 means "no fixed limit". nullopt when SIZE is absent
    // or its parameter is not a number.
    std::optional<std::uint64_t> size_limit() const;
    std::vector<std::string> auth_mechanisms() const;  // from the AUTH line (RFC 4954), upper case
    bool has_auth(std::string_view mechanism) const;
};

// Reads a 250 EHLO/LHLO reply; a reply with other codes yields empty capabilities.
Capabilities parse_capabilities(const Reply& reply);

}  // namespace coitest::smtp
