#pragma once
// A small regular-expression engine for .coi patterns that cannot hang: patterns compile to a
// Thompson NFA and run as a set simulation, so matching costs O(text × program) whatever the
// pattern (no backtracking, no catastrophic cases such as (a+)+$). std::regex backtracks and can
// take exponential time on hostile input; this engine replaces it wherever a script supplies
// the pattern.
//
// Syntax (a subset of ECMAScript): literals; `.`; classes `[a-z]`, `[^...]`; escapes \d \D \w
// \W \s \S \n \r \t and \ before punctuation; groups `( )` and `(?: )`; alternation `|`;
// quantifiers `*` `+` `?` `{m}` `{m,}` `{m,n}` (a trailing `?` for laziness is accepted and
// means nothing for a whole-text match). The match always covers the whole text, so `^` is only
// accepted at the start and `$` only at the end. No back-references, no look-around.
#include "model/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::script {

struct RegexLimits {
    std::size_t max_pattern = 256;   // bytes of pattern text
    std::size_t max_program = 4096;  // NFA instructions after expanding {m,n}
    std::size_t max_repeat = 100;    // largest m or n in {m,n}
    std::size_t max_depth = 32;      // nesting of groups
};

class Regex {
  public:
    // Errors name the byte offset (0-based) in the pattern and what is wrong there.
    static Result<Regex> compile(std::string_view pattern, bool ignore_case = false,
                                 const RegexLimits& limits = {});

    // True when the whole of `text` matches.
    bool full_match(std::string_view text) const;

    const std::string& pattern() const { return pattern_; }
    bool ignore_case() const { return ignore_case_; }
    std::size_t program_size() const { return program_.size(); }

    struct ByteSet {
        std::array<std::uint64_t, 4> bits{};
        void add(unsigned char c) { bits[c >> 6] |= std::uint64_t{1} << (c & 63); }
        bool has(unsigned char c) const { return (bits[c >> 6] >> (c & 63)) & 1; }
    };
    enum class Op : std::uint8_t { byte, split, jump, match };
    struct Inst {
        Op op = Op::match;
        std::uint32_t x = 0;  // byte: index into sets_; split/jump: target
        std::uint32_t y = 0;  // split: second target
    };

  private:
    friend class RegexCompiler;
    std::string pattern_;
    bool ignore_case_ = false;
    std::vector<Inst> program_;
    std::vector<ByteSet> sets_;
};

}  // namespace coitest::script
