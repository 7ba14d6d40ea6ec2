// CommandFramer: cuts the byte stream into complete commands (line + literals), with limits.
#include "peer/imap_command_parser.hpp"
#include "peer/imap_lexer.hpp"

#include <fmt/format.h>

namespace coitest::peer::imap {

namespace {

// The tag at the start of a command, or "*" when there is none worth echoing.
std::string tag_of(std::string_view text) {
    std::size_t n = 0;
    while (n < text.size() && n < 64 && detail::is_astring_char(text[n]) && text[n] != '+') ++n;
    if (n == 0 || n == 64 || n >= text.size() || text[n] != ' ') return "*";
    return std::string(text.substr(0, n));
}

struct LiteralSpec {
    std::uint64_t size = 0;
    bool synchronizing = true;
};

// A line that ends in "{N}" or "{N+}" announces a literal (RFC 3501 §4.3, RFC 7888).
std::optional<LiteralSpec> literal_at_end(std::string_view line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    std::size_t i = line.size() - 1;
    LiteralSpec spec;
    if (i > 0 && line[i - 1] == '+') {
        spec.synchronizing = false;
        --i;
    }
    const std::size_t digits_end = i;
    while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9') --i;
    if (i == digits_end || i == 0 || line[i - 1] != '{') return std::nullopt;
    if (digits_end - i > 19) {
        spec.size = ~std::uint64_t{0};  // absurdly long: above every limit
        return spec;
    }
    for (std::size_t k = i; k < digits_end; ++k)
        spec.size = spec.size * 10 + static_cast<std::uint64_t>(line[k] - '0');
    return spec;
}

}  // namespace

void CommandFramer::feed(std::string_view bytes) {
    buffer_.append(bytes);
}

void CommandFramer::consume(std::size_t n) {
    start_ += n;
    // Compact now and then, so a long session does not keep every byte it ever read.
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    } else if (start_ > 64 * 1024 && start_ * 2 > buffer_.size()) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
}

void CommandFramer::clear() {
    buffer_.clear();
    start_ = 0;
    current_.clear();
    literal_left_ = 0;
    literals_ = 0;
    discarding_ = false;
}

FrameEvent CommandFramer::fail(std::string message, bool fatal) {
    FrameEvent e;
    e.kind = FrameEvent::Kind::error;
    e.tag = tag_of(current_);
    e.message = std::move(message);
    e.fatal = fatal;
    current_.clear();
    literals_ = 0;
    literal_left_ = 0;
    return e;
}

FrameEvent CommandFramer::next() {
    for (;;) {
        if (literal_left_ > 0) {
            const auto p = pending();
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(p.size(), literal_left_));
            current_.append(p.substr(0, take));
            consume(take);
            literal_left_ -= take;
            if (literal_left_ > 0) return {};
        }
        const auto p = pending();
        const std::size_t lf = p.find('\n');
        if (discarding_) {
            if (lf == std::string_view::npos) {
                consume(p.size());
                return {};
            }
            consume(lf + 1);
            discarding_ = false;
            FrameEvent e;
            e.kind = FrameEvent::Kind::error;
            e.tag = discard_tag_;
            e.message = fmt::format("command line longer than {} bytes", limits_.max_line);
            return e;
        }
        if (lf == std::string_view::npos) {
            if (p.size() > limits_.max_line) {
                // Keep nothing of an over-long line: skip to its end, then answer BAD.
                discard_tag_ = tag_of(current_.empty() ? std::string(p.substr(0, 80)) : current_);
                current_.clear();
                literals_ = 0;
                discarding_ = true;
                consume(p.size());
            }
            return {};
        }
        const std::string_view line = p.substr(0, lf + 1);
        if (lf > limits_.max_line) {
            if (current_.empty()) current_ = std::string(line.substr(0, 80));
            consume(lf + 1);
            return fail(fmt::format("command line longer than {} bytes", limits_.max_line), false);
        }
        if (current_.size() + line.size() > limits_.max_command) {
            consume(lf + 1);
            return fail(fmt::format("command longer than {} bytes", limits_.max_command), false);
        }
        current_.append(line);
        consume(lf + 1);

        std::string_view body = line.substr(0, lf);
        if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
        if (const auto lit = literal_at_end(body)) {
            const bool too_many = ++literals_ > limits_.max_literals;
            const bool too_big = lit->size > limits_.max_literal ||
                                 current_.size() + lit->size > limits_.max_command;
            if (too_many || too_big) {
                // A refused synchronizing literal is never sent, so the stream stays in step;
                // a non-synchronizing one is already on its way and cannot be skipped safely.
                const std::string why =
                    too_many
                        ? fmt::format("more than {} literals in one command", limits_.max_literals)
                        : fmt::format("literal of {} bytes is above the limit of {}", lit->size,
                                      limits_.max_literal);
                return fail(why, !lit->synchronizing);
            }
            literal_left_ = lit->size;
            if (lit->synchronizing) {
                FrameEvent e;
                e.kind = FrameEvent::Kind::continuation;
                return e;
            }
            continue;
        }
        FrameEvent e;
        e.kind = FrameEvent::Kind::command;
        e.text = std::move(current_);
        current_.clear();
        literals_ = 0;
        return e;
    }
}

std::optional<FrameEvent> CommandFramer::next_line() {
    const auto p = pending();
    const std::size_t lf = p.find('\n');
    if (lf == std::string_view::npos || lf > limits_.max_line) {
        if (p.size() > limits_.max_line || lf != std::string_view::npos) {
            FrameEvent e;
            e.kind = FrameEvent::Kind::error;
            e.tag = "*";
            e.message = fmt::format("line longer than {} bytes", limits_.max_line);
            e.fatal = true;
            return e;
        }
        return std::nullopt;
    }
    std::string_view line = p.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    FrameEvent e;
    e.kind = FrameEvent::Kind::command;
    e.text = std::string(line);
    consume(lf + 1);
    return e;
}

}  // namespace coitest::peer::imap
