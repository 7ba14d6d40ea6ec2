#pragma once
// The server's response data as a tree of IMAP tokens, for matching against .coi patterns on
// protocol meaning: a string is the same whether it came as an atom, a quoted string or a literal,
// and parenthesized lists and [bracketed] sections are nested.
//
// The tokenizer never fails: it reads responses that imap::ResponseReader already framed, and
// anything unexpected (a stray ")", an unterminated quote) becomes an atom or ends the list, so a
// strange server line is matched as well as it can be rather than dropped.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::script {

struct WireToken {
    enum class Kind { atom, string, nil, list, bracket };
    Kind kind = Kind::atom;
    std::string text;              // atom text, or the string's contents (literals decoded)
    std::vector<WireToken> items;  // list / bracket members

    // IMAP-like rendering: atoms as sent, strings quoted (or {n} when they cannot be), lists in
    // parentheses. Used for captures of lists and for messages.
    std::string render() const;
};

struct WireLimits {
    std::size_t max_depth = 64;        // deeper nesting is flattened into the innermost list
    std::size_t max_tokens = 200'000;  // the rest of a response beyond this is dropped
};

// Tokens of `data` (the text after "* " or after the tag; CRLFs and literals inline).
std::vector<WireToken> tokenize_wire(std::string_view data, const WireLimits& limits = {});

std::string render_tokens(const std::vector<WireToken>& tokens);

}  // namespace coitest::script
