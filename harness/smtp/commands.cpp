#include "smtp/commands.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace coitest::smtp {

namespace {

Result<void> check_line_safe(std::string_view what, std::string_view s) {
    if (s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
        return make_error(ErrorKind::usage,
                          fmt::format("the {} contains a line break or NUL byte", what));
    return {};
}

CommandLine plain(std::string line) {
    line += "\r\n";
    return CommandLine{line, line, {}};
}

Result<CommandLine> path_command(std::string_view prefix, std::string_view address,
                                 std::string_view params) {
    if (auto r = check_line_safe("address", address); !r) return r.error();
    if (auto r = check_line_safe("parameters", params); !r) return r.error();
    std::string line = fmt::format("{}<{}>", prefix, address);
    if (!params.empty()) line += fmt::format(" {}", params);
    return plain(std::move(line));
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    // EVP_EncodeBlock writes 4 bytes per 3 input bytes (rounded up) plus a NUL.
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Result<CommandLine> make_command(std::string_view verb, std::string_view argument) {
    if (auto r = check_line_safe("command", verb); !r) return r.error();
    if (auto r = check_line_safe("command argument", argument); !r) return r.error();
    if (verb.empty()) return make_error(ErrorKind::usage, "empty SMTP command");
    return plain(argument.empty() ? std::string(verb) : fmt::format("{} {}", verb, argument));
}

Result<CommandLine> mail_from_command(std::string_view address, std::string_view params) {
    return path_command("MAIL FROM:", address, params);
}

Result<CommandLine> rcpt_to_command(std::string_view address, std::string_view params) {
    if (address.empty()) return make_error(ErrorKind::usage, "RCPT TO needs an address");
    return path_command("RCPT TO:", address, params);
}

Result<CommandLine> auth_plain_command(std::string_view user, std::string_view password) {
    if (user.find('\0') != std::string_view::npos || password.find('\0') != std::string_view::npos)
        return make_error(ErrorKind::usage, "AUTH PLAIN credentials must not contain NUL bytes");
    std::string message;
    message += '\0';
    message += user;
    message += '\0';
    message += password;
    const std::string blob = base64_encode(message);
    return CommandLine{
        "AUTH PLAIN " + blob + "\r\n", "AUTH PLAIN ***\r\n", {blob, std::string(password)}};
}

CommandLine sasl_response_line(std::string_view value, bool value_is_secret) {
    const std::string blob = base64_encode(value);
    std::vector<std::string> secrets{blob};
    if (value_is_secret && !value.empty()) secrets.emplace_back(value);
    return CommandLine{blob + "\r\n", "***\r\n", std::move(secrets)};
}

}  // namespace coitest::smtp
