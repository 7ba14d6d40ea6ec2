#include "imap/response_reader.hpp"

#include "imap/parse_response.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coitest::imap {

namespace {

constexpr std::uint64_t kHuge = UINT64_MAX;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

void ResponseReader::feed(std::string_view bytes) {
    if (failure_) return;  // nothing more can be read from a desynchronized stream
    compact();
    buffer_.append(bytes);
}

void ResponseReader::compact() {
    if (head_ == 0) return;
    if (head_ == buffer_.size()) {
        buffer_.clear();
        // Give back the memory of a large literal once it has been handed out.
        if (buffer_.capacity() > 1024 * 1024) buffer_.shrink_to_fit();
        head_ = seg_ = scan_ = 0;
        return;
    }
    if (head_ >= 64 * 1024 || head_ * 2 >= buffer_.size()) {
        buffer_.erase(0, head_);
        seg_ -= head_;
        scan_ -= head_;
        head_ = 0;
    }
}

ReadResult ResponseReader::fail(ErrorKind kind, std::string message) {
    failure_ = Error{kind, std::move(message)};
    buffer_.clear();
    buffer_.shrink_to_fit();
    head_ = seg_ = scan_ = 0;
    literal_left_ = 0;
    non_literal_ = 0;
    return *failure_;
}

bool ResponseReader::literals_allowed() const {
    const std::string_view rest = std::string_view(buffer_).substr(head_);
    if (rest.size() < 2 || rest[0] != '*' || rest[1] != ' ') return false;
    const std::string_view word = rest.substr(2, rest.find_first_of(" \r\n", 2) - 2);
    for (std::string_view status : {"OK", "NO", "BAD", "BYE", "PREAUTH"}) {
        if (iequals(word, status)) return false;
    }
    return true;
}

std::optional<std::uint64_t> ResponseReader::announced_literal(std::size_t lf) const {
    // The line is [seg_, lf - 1) followed by CR LF; look for "{digits}" or "{digits+}" at its end.
    std::size_t end = lf - 1;
    if (end <= seg_ || buffer_[end - 1] != '}') return std::nullopt;
    std::size_t i = end - 1;
    if (i > seg_ && buffer_[i - 1] == '+') --i;
    const std::size_t digits_end = i;
    while (i > seg_ && is_digit(buffer_[i - 1])) --i;
    if (i == digits_end || i == seg_ || buffer_[i - 1] != '{') return std::nullopt;
    std::uint64_t size = 0;
    for (std::size_t k = i; k < digits_end; ++k) {
        const auto digit = static_cast<std::uint64_t>(buffer_[k] - '0');
        if (size > (kHuge - digit) / 10) return kHuge;  // beyond any limit
        size = size * 10 + digit;
    }
    return size;
}

ReadResult ResponseReader::next() {
    if (failure_) return *failure_;
    for (;;) {
        if (literal_left_ > 0) {
            const std::size_t available = buffer_.size() - scan_;
            const auto take =
                static_cast<std::size_t>(std::min<std::uint64_t>(available, literal_left_));
            scan_ += take;
            literal_left_ -= take;
            if (literal_left_ > 0) return NeedMore{};
            seg_ = scan_;
        }
        const std::size_t lf = buffer_.find('\n', scan_);
        if (lf == std::string::npos) {
            // Fail as soon as the unfinished line can no longer fit, not when it ends.
            scan_ = buffer_.size();
            if (scan_ - seg_ >= limits_.max_line) {
                return fail(ErrorKind::limit,
                            fmt::format("a response line is longer than {} bytes (the limit)",
                                        limits_.max_line));
            }
            if (non_literal_ + (scan_ - seg_) >= limits_.max_non_literal) {
                return fail(ErrorKind::limit,
                            fmt::format("a response has more than {} bytes outside literals "
                                        "(the limit)",
                                        limits_.max_non_literal));
            }
            if (scan_ - head_ >= limits_.max_response) {
                return fail(ErrorKind::limit,
                            fmt::format("a response is longer than {} bytes (the limit)",
                                        limits_.max_response));
            }
            return NeedMore{};
        }
        const std::size_t line_end = lf + 1;
        const std::size_t length = line_end - seg_;
        if (length > limits_.max_line) {
            return fail(ErrorKind::limit,
                        fmt::format("a response line of {} bytes is longer than the limit of {}",
                                    length, limits_.max_line));
        }
        if (lf == seg_ || buffer_[lf - 1] != '\r') {
            return fail(ErrorKind::protocol,
                        fmt::format("a response line ends in a bare LF (no CR) at byte {} of the "
                                    "response; IMAP lines end in CRLF",
                                    lf - head_));
        }
        non_literal_ += length;
        if (non_literal_ > limits_.max_non_literal) {
            return fail(ErrorKind::limit,
                        fmt::format("a response has more than {} bytes outside literals (the "
                                    "limit)",
                                    limits_.max_non_literal));
        }
        if (line_end - head_ > limits_.max_response) {
            return fail(ErrorKind::limit, fmt::format("a response is longer than {} bytes (the "
                                                      "limit)",
                                                      limits_.max_response));
        }
        const bool may_have_literal = seg_ != head_ || literals_allowed();
        scan_ = line_end;
        if (const auto size = may_have_literal ? announced_literal(lf) : std::nullopt) {
            if (*size > limits_.max_literal) {
                return fail(ErrorKind::limit,
                            *size == kHuge
                                ? fmt::format("the server announced a literal of more than 2^64 "
                                              "bytes; the limit is {}",
                                              limits_.max_literal)
                                : fmt::format("the server announced a literal of {} bytes; the "
                                              "limit is {}",
                                              *size, limits_.max_literal));
            }
            if (*size > limits_.max_response - (scan_ - head_)) {
                return fail(ErrorKind::limit,
                            fmt::format("a literal of {} bytes would make the response longer "
                                        "than {} bytes (the limit)",
                                        *size, limits_.max_response));
            }
            literal_left_ = *size;
            seg_ = scan_;
            continue;
        }
        std::string raw = buffer_.substr(head_, line_end - head_);
        head_ = seg_ = scan_ = line_end;
        non_literal_ = 0;
        auto parsed = parse_response(std::move(raw), limits_.max_depth);
        if (!parsed) return parsed.error();
        return std::move(*parsed);
    }
}

}  // namespace coitest::imap
