#include "net/transcript.hpp"

#include <fmt/format.h>
#include <boost/beast/core/detail/base64.hpp>

namespace coitest::net {

namespace {

std::string base64(std::string_view in) {
    namespace b64 = boost::beast::detail::base64;
    std::string out(b64::encoded_size(in.size()), '\0');
    out.resize(b64::encode(out.data(), in.data(), in.size()));
    return out;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
    if (what.empty()) return;
    for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
        s.replace(pos, what.size(), with);
}

}  // namespace

Transcript::Transcript(std::size_t max_bytes) : start_(Clock::now()), max_bytes_(max_bytes) {}

void Transcript::add_secret(std::string_view secret) {
    if (secret.empty()) return;
    secrets_.emplace_back(secret);
    // SASL PLAIN and LOGIN send secrets base64-encoded; the encoding of the secret alone, and of
    // the usual PLAIN framings, must not leak either.
    secrets_.push_back(base64(secret));
}

std::string Transcript::redact(std::string_view data) const {
    std::string out(data);
    for (const auto& s : secrets_) replace_all(out, s, "***");
    return out;
}

void Transcript::record(std::string_view connection, Direction direction, std::string_view data) {
    const double offset = std::chrono::duration<double>(Clock::now() - start_).count();
    if (stored_bytes_ >= max_bytes_) {
        dropped_bytes_ += data.size();
        // One marker entry that keeps counting, so a flood costs O(1) memory.
        if (entries_.empty() || entries_.back().direction != Direction::note ||
            entries_.back().connection != "transcript") {
            entries_.push_back({"transcript", Direction::note, offset, {}});
        }
        entries_.back().data =
            fmt::format("transcript limit of {} bytes reached; {} more bytes not kept", max_bytes_,
                        dropped_bytes_);
        return;
    }
    std::string text = redact(data);
    if (text.size() > max_bytes_ - stored_bytes_) text.resize(max_bytes_ - stored_bytes_);
    stored_bytes_ += text.size();
    entries_.push_back({std::string(connection), direction, offset, std::move(text)});
}

void Transcript::note(std::string_view connection, std::string_view text) {
    record(connection, Direction::note, text);
}

}  // namespace coitest::net
