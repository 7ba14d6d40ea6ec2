#include "imap/session_types.hpp"

namespace coitest::imap {

const Tagged& CommandResult::tagged() const {
    static const Tagged kMissing{};
    const Tagged* t = completion.get<Tagged>();
    return t ? *t : kMissing;
}

std::vector<const ResponseCode*> CommandResult::untagged_codes() const {
    std::vector<const ResponseCode*> out;
    for (const auto& r : untagged) {
        if (const ResponseCode* c = r.code()) out.push_back(c);
    }
    return out;
}

SelectInfo select_info_from(const CommandResult& result) {
    SelectInfo info;
    for (const auto& r : result.untagged) {
        if (const auto* f = r.get<Flags>()) info.flags = f->flags;
        if (const auto* e = r.get<Exists>()) info.exists = e->count;
        if (const auto* n = r.get<Recent>()) info.recent = n->count;
        const ResponseCode* c = r.get<StatusResponse>() ? r.code() : nullptr;
        if (!c) continue;
        switch (c->kind) {
            case CodeKind::permanentflags:
                info.permanent_flags = c->list;
                break;
            case CodeKind::uidvalidity:
                info.uidvalidity = static_cast<std::uint32_t>(c->number);
                break;
            case CodeKind::uidnext:
                info.uidnext = static_cast<std::uint32_t>(c->number);
                break;
            case CodeKind::unseen:
                info.unseen = static_cast<std::uint32_t>(c->number);
                break;
            case CodeKind::highestmodseq:
                info.highestmodseq = c->number;
                break;
            case CodeKind::nomodseq:
                info.nomodseq = true;
                break;
            default:
                break;
        }
    }
    if (result.has_code(CodeKind::read_only)) info.read_only = true;
    if (result.has_code(CodeKind::read_write)) info.read_only = false;
    return info;
}

}  // namespace coitest::imap
