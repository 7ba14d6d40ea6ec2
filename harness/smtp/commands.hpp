#pragma once
// Client command lines, built sans-I/O so that their exact bytes and their transcript rendering
// (credentials redacted) are unit-tested without a network.
#include "model/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace coitest::smtp {

struct CommandLine {
    std::string wire;   // the bytes to send, CRLF-terminated
    std::string shown;  // what the transcript records; differs from `wire` only when redacted
    // Strings the transcript must hide from now on (Transcript::add_secret, before sending).
    std::vector<std::string> secrets;

    bool redacted() const { return shown != wire; }
};

// "VERB" or "VERB argument". A CR, LF or NUL in either would smuggle a second command onto the
// line: that is a usage Error, never sent.
Result<CommandLine> make_command(std::string_view verb, std::string_view argument = {});

// "MAIL FROM:<address>[ params]"; an empty address is the null reverse-path "<>".
Result<CommandLine> mail_from_command(std::string_view address, std::string_view params = {});
// "RCPT TO:<address>[ params]".
Result<CommandLine> rcpt_to_command(std::string_view address, std::string_view params = {});

// RFC 4954 with the RFC 4616 initial response: "AUTH PLAIN base64(NUL user NUL password)",
// shown as "AUTH PLAIN ***".
Result<CommandLine> auth_plain_command(std::string_view user, std::string_view password);
// One line of a SASL exchange (RFC 4954 §4): "base64(value)", shown as "***". AUTH LOGIN sends
// the user name and the password this way, each after a 334 challenge. The encoded line is always
// a secret; the value itself only when `value_is_secret` (a user name hidden everywhere would
// make the rest of the transcript, MAIL FROM included, hard to read).
CommandLine sasl_response_line(std::string_view value, bool value_is_secret = true);

std::string base64_encode(std::string_view bytes);

}  // namespace coitest::smtp
