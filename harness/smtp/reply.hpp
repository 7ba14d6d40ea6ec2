#pragma once
// One SMTP/LMTP server reply (RFC 5321 §4.2), as the reply reader hands it out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::smtp {

// An enhanced status code, class.subject.detail (RFC 3463 §2; announced by RFC 2034).
struct EnhancedCode {
    int klass = 0;    // 2, 4 or 5
    int subject = 0;  // 0..999
    int detail = 0;   // 0..999

    std::string str() const;  // "2.1.5"
    friend bool operator==(const EnhancedCode&, const EnhancedCode&) = default;
};

// Reads an enhanced code at the start of `text`: class 2/4/5, then 1-3 digits, a dot, 1-3 digits,
// followed by a space or the end of the text. `length` receives the characters it spans.
std::optional<EnhancedCode> parse_enhanced_code(std::string_view text,
                                                std::size_t* length = nullptr);

struct Reply {
    int code = 0;  // 200..559: RFC 5321 reply-code grammar, checked by the reader
    // Taken from the first line, when its text starts with one (RFC 2034 servers put it on every
    // line; the reply code and greeting/EHLO replies usually carry none). Kept syntactic: a class
    // that disagrees with `code` is left for checks to judge.
    std::optional<EnhancedCode> enhanced;
    std::vector<std::string> lines;  // text after "NNN-" / "NNN ", line endings removed
    std::string raw;                 // the bytes as received, line endings included
    bool bare_lf = false;            // some line ended in LF without CR (tolerated, see reader)

    int klass() const { return code / 100; }
    bool positive() const { return klass() == 2; }
    bool intermediate() const { return klass() == 3; }
    bool transient_failure() const { return klass() == 4; }
    bool permanent_failure() const { return klass() == 5; }

    // For messages: "550 5.1.1 No such user" (first line only, control bytes escaped, bounded).
    std::string summary() const;
};

// Renders bytes for an error message: control and non-ASCII bytes escaped, at most `max` input
// bytes shown, "..." when cut.
std::string printable(std::string_view bytes, std::size_t max = 80);

}  // namespace coitest::smtp
