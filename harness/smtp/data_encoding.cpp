#include "smtp/data_encoding.hpp"

namespace coitest::smtp {

namespace {

std::string normalize(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32);
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string encode_data(std::string_view message, DataOptions options) {
    std::string normalized;
    if (options.normalize_line_endings) {
        normalized = normalize(message);
        message = normalized;
    }
    std::string out;
    out.reserve(message.size() + message.size() / 64 + 5);
    bool line_start = true;
    for (std::size_t i = 0; i < message.size(); ++i) {
        const char c = message[i];
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n' && i > 0 && message[i - 1] == '\r';
    }
    if (!message.empty() && !message.ends_with("\r\n")) out += "\r\n";
    out += ".\r\n";
    return out;
}

Result<std::string> decode_data(std::string_view wire) {
    std::string out;
    out.reserve(wire.size());
    std::size_t pos = 0;
    while (pos < wire.size()) {
        const auto end = wire.find("\r\n", pos);
        if (end == std::string_view::npos) break;
        std::string_view line = wire.substr(pos, end - pos);
        pos = end + 2;
        if (line == ".") {
            if (pos != wire.size())
                return make_error(ErrorKind::protocol,
                                  "bytes follow the end-of-data line (CRLF . CRLF)");
            return out;
        }
        if (line.starts_with('.')) line.remove_prefix(1);
        out.append(line);
        out += "\r\n";
    }
    return make_error(ErrorKind::protocol, "the message data does not end with CRLF . CRLF");
}

}  // namespace coitest::smtp
