#pragma once
// What IMAP session calls return: the whole exchange of a command (every untagged response and
// the tagged completion, raw bytes included) plus typed views for the helpers. NO and BAD are
// results here: the caller judges them.
#include "imap/response.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coitest::imap {

struct CommandResult {
    std::string tag;
    std::string command;             // the verb ("SELECT", "UID FETCH"), for messages
    std::vector<Response> untagged;  // in arrival order, unsolicited ones included
    Response completion;             // the tagged response (a Tagged)

    const Tagged& tagged() const;
    Status status() const { return tagged().result.status; }
    bool ok() const { return status() == Status::ok; }
    const ResponseCode* code() const { return completion.code(); }
    bool has_code(CodeKind kind) const { return code() && code()->kind == kind; }

    template <class T>
    std::vector<const T*> all() const {
        std::vector<const T*> out;
        for (const auto& r : untagged) {
            if (const T* t = r.get<T>()) out.push_back(t);
        }
        return out;
    }
    // The response codes of untagged OK/NO/BAD responses (UIDVALIDITY, PERMANENTFLAGS...).
    std::vector<const ResponseCode*> untagged_codes() const;
};

// A helper's typed answer together with the exchange it came from.
template <class T>
struct Reply {
    CommandResult result;
    T value{};
};

struct SelectInfo {
    std::vector<std::string> flags;
    std::optional<std::vector<std::string>> permanent_flags;
    std::optional<std::uint32_t> exists, recent, unseen;
    std::optional<std::uint32_t> uidvalidity, uidnext;
    std::optional<std::uint64_t> highestmodseq;
    bool nomodseq = false;
    std::optional<bool> read_only;  // from the completion's READ-ONLY / READ-WRITE code
};
SelectInfo select_info_from(const CommandResult& result);

struct AppendUid {
    std::uint32_t uidvalidity = 0;
    SequenceSet uids;
};

struct SelectOptions {
    bool condstore = false;  // SELECT mailbox (CONDSTORE), RFC 7162
};

struct AppendOptions {
    std::vector<std::string> flags;            // "\Seen", "$Chat"
    std::optional<std::string> internal_date;  // "25-Nov-2024 09:09:00 +0000"
};

// LIST [(selection)] reference pattern [RETURN (options)], RFC 5258.
struct ListOptions {
    std::vector<std::string> selection;       // SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE
    std::vector<std::string> return_options;  // CHILDREN, SUBSCRIBED, SPECIAL-USE, STATUS (...)
};

// GETMETADATA options, RFC 5464 §4.2.
struct MetadataOptions {
    std::optional<std::string> depth;  // "0", "1" or "infinity"
    std::optional<std::uint64_t> maxsize;
};

struct IdleStart {
    bool accepted = false;  // the server sent "+": IDLE is active
    CommandResult result;   // untagged responses before "+"; the completion when refused
};

}  // namespace coitest::imap
