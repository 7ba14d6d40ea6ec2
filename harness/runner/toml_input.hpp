#pragma once
// Safe parsing of TOML that comes from users (target files, catalogs). toml++ 3.3.0 has
// undefined behaviour on some non-ASCII input (NOTES §1.6), so bytes are screened first.
#include "model/error.hpp"

#include <toml++/toml.h>

#include <string_view>

namespace coitest {

// Valid UTF-8 only; no control characters but tab, CR and LF; non-ASCII only inside strings.
// Errors name the source and line.
Result<void> screen_toml_bytes(std::string_view text, std::string_view source_name);

// Screens, then parses. Parse errors name source, line and column.
Result<toml::table> parse_toml(std::string_view text, std::string_view source_name);

// Rejects keys of `table` not in `known` (a user's typo must not be silently ignored).
Result<void> reject_unknown_keys(const toml::table& table,
                                 std::initializer_list<std::string_view> known,
                                 std::string_view source_name, std::string_view where);

}  // namespace coitest
