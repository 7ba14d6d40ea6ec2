#pragma once
// Expected server lines (the text after "S:") and how they match a response, on protocol meaning
// rather than bytes (docs/coi-language.md, "Matching"):
//
//   a OK                          tagged completion: status (and response code) only; the human
//   a NO [CANNOT] any words       text after them is never compared
//   * OK [UIDVALIDITY ${=v}]      untagged status response, capturing the code's argument
//   * CAPABILITY ... IMAP4rev1 ...  words only: compared as a set ("..." = others may appear)
//   * LIST (...) ${=sep} ""       otherwise in order; "..." skips any number of tokens
//   * METADATA "" (/private/x "yes")  quoted = exact bytes, however the server sent the string
//   + ...                         a continuation request (its text is not compared)
//
// Words compare case-insensitively (IMAP atoms); "quoted strings", words holding ${var} and
// ${var} compare byte for byte against an atom, a quoted string or a literal alike; NIL only
// matches NIL; ${=name} captures one token (a whole list when there is one); re"..." (re"..."i
// ignoring case) must match the whole of one token, with the linear engine of regex.hpp.
// Matching is bounded: a step budget makes a pathological pattern fail, never hang.
#include "imap/response.hpp"
#include "script/diagnostic.hpp"
#include "script/regex.hpp"
#include "script/template.hpp"
#include "script/wire_tokens.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::script {

struct PatternElem {
    enum class Kind { atom, string, nil, list, bracket, ellipsis, capture, variable, regex };
    Kind kind = Kind::atom;
    std::string text;  // atom text; capture and variable name
    Template value;    // string: its contents; atom holding ${...}: the word (compared exactly)
    Filter filter = Filter::none;        // variable: base64 or length
    std::shared_ptr<const Regex> regex;  // regex
    std::vector<PatternElem> items;      // list, bracket
    int col = 0;
};

struct Pattern {
    enum class Head { untagged, tagged, continuation };
    Head head = Head::untagged;
    std::string tag;           // tagged: as written; "." = the connection's last automatic tag
    bool status_form = false;  // OK/NO/BAD/PREAUTH/BYE [code] text
    PatternElem status;        // status_form: atom, regex or capture
    std::optional<std::vector<PatternElem>> code;  // status_form: the [...] contents
    std::vector<PatternElem> data;                 // untagged data: the tokens after "*"
    std::string source;                            // as written, for messages

    std::vector<std::string> captures() const;   // names bound by ${=name}
    std::vector<std::string> variables() const;  // names read by ${name} and "...${name}..."
};

struct PatternLimits {
    std::size_t max_elements = 2000;
    std::size_t max_depth = 32;
    RegexLimits regex;
};

Parsed<Pattern> parse_pattern(std::string_view text, int first_col = 1,
                              const PatternLimits& limits = {});

// A received response with its tokens computed once, however many patterns look at it.
class WireView {
  public:
    explicit WireView(imap::Response response) : response_(std::move(response)) {}
    const imap::Response& response() const { return response_; }
    const std::vector<WireToken>& data() const;  // everything after the tag or "*"
    const std::vector<WireToken>& code() const;  // a status response's [code], name first
    std::string line() const;                    // the raw response without its final CRLF

  private:
    imap::Response response_;
    mutable std::optional<std::vector<WireToken>> data_, code_;
};

struct MatchBudget {
    std::size_t steps = 200'000;  // element comparisons per match call
    bool exhausted = false;
};

using Captures = std::vector<std::pair<std::string, std::string>>;

// Whether `response` matches `pattern`. `tag` is the wire tag a tagged pattern stands for (the
// interpreter resolves "."); `lookup` supplies ${var} values (every variable of the pattern must
// be bound: check variables() first). Captures are appended only on a match.
bool match(const Pattern& pattern, const WireView& response, std::string_view tag,
           const Lookup& lookup, Captures& captures, MatchBudget& budget);

}  // namespace coitest::script
