#pragma once
// Text with ${name} and ${name:filter} substitutions, as in client lines, `set` values and
// fixtures. A `$` not followed by `{` is an ordinary byte (as in $Chat, or chat$${var}, which is
// "chat$" followed by the variable); `${$}` is a literal `$`, so a literal "${" is `${$}{`.
//
// Filters: astring (an IMAP atom, quoted string or literal, whichever fits), quoted, literal
// (a synchronizing {n} literal), literal+ (a non-synchronizing {n+} literal), base64, length
// (the byte count, in decimal).
#include "model/error.hpp"
#include "script/diagnostic.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::script {

enum class Filter { none, astring, quoted, literal, literal_plus, base64, length };
std::optional<Filter> parse_filter(std::string_view name);
std::string_view to_string(Filter filter);

struct TemplatePiece {
    enum class Kind { text, variable, raw_literal };
    Kind kind = Kind::text;
    std::string text;  // text; variable name; raw literal bytes
    Filter filter = Filter::none;
    bool non_sync = false;  // raw_literal: {n+}
    int col = 0;            // where the piece starts on its line
};

struct Template {
    std::vector<TemplatePiece> pieces;

    bool empty() const { return pieces.empty(); }
    bool has_variables() const;
    // The variable names used, in order (with repeats).
    std::vector<std::string> variables() const;
    std::string source() const;  // as written, for messages
};

// Parses `text` (one line, or a heredoc body). `first_col` is the column of text[0] on its line;
// errors carry the column of the offending "${".
Parsed<Template> parse_template(std::string_view text, int first_col = 1);

// Looks a variable up; nullopt when unbound.
using Lookup = std::function<const std::string*(std::string_view name)>;

// A piece of expanded output: text, or a literal's contents that must be sent as an IMAP
// literal (synchronizing unless non_sync).
struct Expanded {
    std::string text;
    bool literal = false;
    bool non_sync = false;
};

// Expands into pieces (literal filters and raw literals stay separate). Errors: an unbound
// variable, a value the quoted filter cannot quote.
Result<std::vector<Expanded>> expand_parts(const Template& t, const Lookup& lookup);
// Expands into one string; literal filters are an error here (only client lines may send them).
Result<std::string> expand(const Template& t, const Lookup& lookup);

std::string base64_encode(std::string_view bytes);

}  // namespace coitest::script
