// ImapSession: GETMETADATA and SETMETADATA (RFC 5464), COI configuration included.
#include "peer/imap_session.hpp"

#include "peer/mime.hpp"

#include <fmt/format.h>

namespace coitest::peer {

using namespace imap;

namespace {

// Entry names go out as atoms when they can (as clients expect), quoted otherwise.
std::string entry_token(const std::string& name) {
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == '{' || c == '"' || c == '\\' ||
            c == '%' || c == '*')
            return mime::imap_string(name);
    }
    return name;
}

}  // namespace

void ImapSession::on(const std::string& tag, const GetMetadataCmd& c) {
    auto stored = store_.metadata(*account_, c.mailbox);
    if (!stored) {
        no_refusal(tag, stored.error());
        return;
    }
    const auto& entries = *stored;
    std::vector<std::pair<std::string, std::optional<std::string>>> found;
    std::uint64_t longest_skipped = 0;
    auto add = [&](const std::string& name, const std::string& value) {
        if (c.maxsize && value.size() > *c.maxsize) {
            longest_skipped = std::max<std::uint64_t>(longest_skipped, value.size());
            return;
        }
        for (const auto& [n, _] : found)
            if (n == name) return;
        found.emplace_back(name, value);
    };
    for (const auto& requested : c.entries) {
        if (!(requested.starts_with("/private") || requested.starts_with("/shared"))) {
            bad(tag,
                fmt::format("{} is not an entry name (/private/... or /shared/...)", requested));
            return;
        }
        bool any = false;  // something exists under this name (returned or too long)
        if (auto it = entries.find(requested); it != entries.end()) {
            add(it->first, it->second);
            any = true;
        }
        if (c.depth != 0) {
            // DEPTH 1: the entry's children; DEPTH infinity: all its descendants.
            const std::string prefix = requested + "/";
            for (auto it = entries.lower_bound(prefix);
                 it != entries.end() && it->first.starts_with(prefix); ++it) {
                const std::string_view rest = std::string_view(it->first).substr(prefix.size());
                if (c.depth == 1 && rest.find('/') != std::string_view::npos) continue;
                add(it->first, it->second);
                any = true;
            }
        }
        if (!any) found.emplace_back(requested, std::nullopt);
    }
    // Entries left out for MAXSIZE are simply absent (RFC 5464 §4.2.1): with none left, no
    // METADATA response at all.
    if (!found.empty()) {
        std::string line = fmt::format("METADATA {} (", mime::imap_string(c.mailbox));
        for (std::size_t i = 0; i < found.size(); ++i) {
            if (i) line += ' ';
            line += entry_token(found[i].first) + " " + mime::imap_nstring(found[i].second);
        }
        line += ')';
        untagged(line);
    }
    if (longest_skipped > 0)
        complete(tag, "OK",
                 fmt::format("[METADATA LONGENTRIES {}] GETMETADATA completed", longest_skipped));
    else
        complete(tag, "OK", "GETMETADATA completed");
}

void ImapSession::on(const std::string& tag, const SetMetadataCmd& c) {
    // Entries are applied in order; the first refusal ends the command (earlier ones stay).
    for (const auto& [entry, value] : c.entries) {
        auto r = store_.set_metadata(*account_, c.mailbox, entry, value);
        if (!r) {
            no_refusal(tag, r.error());
            return;
        }
    }
    complete(tag, "OK", "SETMETADATA completed");
}

}  // namespace coitest::peer
