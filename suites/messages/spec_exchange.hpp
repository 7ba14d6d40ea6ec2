#pragma once
// spec-lint for C:/S: protocol examples: reassembles the commands and responses an example shows
// (markers removed, literals inline), parses server lines with harness/imap's response parser and
// client lines with a small command tokenizer, and judges the exchange against IMAP's syntax
// (RFC 3501, RFC 5464) and the rules of the spec it comes from (coi-server-spec.md,
// webpush-spec.md). Sans-I/O: text in, findings out.
#include "imap/response.hpp"
#include "message/check.hpp"
#include "model/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace coitest::messages {

enum class ExchangeSide { client, server, unmarked };

// One line of an example: who sends it, its line in the spec file, its text after "C: "/"S: ".
struct ExchangeLine {
    ExchangeSide side = ExchangeSide::unmarked;
    int line = 0;
    std::string text;
};

// `first_line` is the spec line of the first line of `text`.
std::vector<ExchangeLine> split_exchange(std::string_view text, int first_line);

// A client command as tokens: tag, upper-cased name, arguments (atoms, strings, NIL, lists).
struct ClientCommand {
    std::string tag;
    std::string name;
    std::vector<imap::SExpr> args;
};
// `wire` is one whole command, CRLF-terminated, literals inline ({N}, {N+}).
Result<ClientCommand> parse_client_command(std::string_view wire);

// Every requirement ID judge_exchange and judge_json_example can report (for the
// catalog-consistency test).
std::vector<std::string_view> exchange_requirements();

// Judges the exchange of one example. `spec` is the catalog spec name of the file it is in
// ("coi/coi-server-spec.md", "coi/webpush-spec.md"; other specs get the IMAP syntax rules only).
// `where` of every finding is "FILE:LINE ..." of the example line concerned.
void judge_exchange(const std::vector<ExchangeLine>& lines, std::string_view file,
                    std::string_view spec, message::Findings& findings);

// Judges a JSON example of a spec against the rules for that JSON (webpush-spec.md: the
// validation payload and the push payload). `first_line` is the spec line of the "{".
void judge_json_example(std::string_view text, std::string_view file, int first_line,
                        std::string_view spec, message::Findings& findings);

}  // namespace coitest::messages
