#include "smtp/reply_reader.hpp"

#include <fmt/format.h>

namespace coitest::smtp {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool valid_code(std::string_view line) {
    return line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' &&
           line[1] <= '5' && is_digit(line[2]);
}

}  // namespace

ReplyReader::ReplyReader(ReaderLimits limits) : limits_(limits) {}

std::size_t ReplyReader::buffered() const {
    return pending_.size() - pos_ + current_.raw.size();
}

void ReplyReader::feed(std::string_view bytes) {
    if (error_) return;
    if (pending_.size() - pos_ + bytes.size() > limits_.max_buffered) {
        fail(ErrorKind::limit,
             fmt::format("the server sent more than {} bytes that were not read as replies",
                         limits_.max_buffered));
        return;
    }
    // Drop the consumed prefix before growing, so the buffer never holds more than the limit.
    pending_.erase(0, pos_);
    pos_ = 0;
    pending_.append(bytes);
}

ReadEvent ReplyReader::fail(ErrorKind kind, std::string message) {
    error_ = Error{kind, std::move(message)};
    pending_.clear();
    pending_.shrink_to_fit();
    pos_ = 0;
    scanned_ = 0;
    current_ = Reply{};
    return *error_;
}

ReadEvent ReplyReader::next() {
    while (!error_) {
        const std::string_view rest = std::string_view(pending_).substr(pos_);
        // Resume the search where the last call stopped, so trickled bytes cost linear time.
        const auto nl = rest.find('\n', scanned_);
        if (nl == std::string_view::npos) {
            scanned_ = rest.size();
            if (rest.size() >= limits_.max_line)
                return fail(ErrorKind::limit,
                            fmt::format("a reply line is longer than {} bytes: \"{}\"",
                                        limits_.max_line, printable(rest)));
            return NeedMore{};
        }
        const std::string_view raw = rest.substr(0, nl + 1);
        if (raw.size() > limits_.max_line)
            return fail(ErrorKind::limit,
                        fmt::format("a reply line is longer than {} bytes: \"{}\"",
                                    limits_.max_line, printable(raw)));
        const bool crlf = nl > 0 && rest[nl - 1] == '\r';
        const std::string_view line = rest.substr(0, crlf ? nl - 1 : nl);

        if (!valid_code(line))
            return fail(ErrorKind::protocol,
                        fmt::format("the server's reply does not start with a valid three-digit "
                                    "reply code: \"{}\"",
                                    printable(raw)));
        const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        bool last = true;
        std::string_view text;
        if (line.size() > 3) {
            if (line[3] == '-')
                last = false;
            else if (line[3] != ' ')
                return fail(ErrorKind::protocol,
                            fmt::format("the reply code is not followed by a space or a hyphen: "
                                        "\"{}\"",
                                        printable(raw)));
            text = line.substr(4);
        }
        if (!current_.lines.empty() && code != current_.code)
            return fail(ErrorKind::protocol,
                        fmt::format("a multi-line reply changed its code from {} to {}: \"{}\"",
                                    current_.code, code, printable(raw)));
        if (current_.lines.size() >= limits_.max_lines)
            return fail(ErrorKind::limit,
                        fmt::format("a reply has more than {} lines", limits_.max_lines));

        current_.code = code;
        current_.lines.emplace_back(text);
        current_.raw.append(raw);
        current_.bare_lf = current_.bare_lf || !crlf;
        pos_ += raw.size();
        scanned_ = 0;
        if (last) {
            Reply done = std::move(current_);
            current_ = Reply{};
            done.enhanced = parse_enhanced_code(done.lines.front());
            return done;
        }
    }
    return *error_;
}

}  // namespace coitest::smtp
