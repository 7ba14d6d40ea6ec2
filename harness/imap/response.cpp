#include "imap/response.hpp"

#include <algorithm>
#include <cstdint>

namespace coitest::imap {

namespace {

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (upper(a[i]) != upper(b[i])) return false;
    }
    return true;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = upper(c);
    return out;
}

bool SequenceSet::contains(std::uint32_t n) const {
    for (const auto& r : ranges) {
        // A range may be sent high-to-low ("5:3"); it means the same numbers.
        const auto lo = std::min(r.first, r.last);
        const auto hi = std::max(r.first, r.last);
        if (n >= lo && n <= hi) return true;
    }
    return false;
}

std::string SequenceSet::to_string() const {
    std::string out;
    auto number = [](std::uint32_t n) { return n == kStar ? std::string("*") : std::to_string(n); };
    for (const auto& r : ranges) {
        if (!out.empty()) out += ',';
        out += number(r.first);
        if (r.last != r.first) out += ':' + number(r.last);
    }
    return out;
}

std::optional<std::uint64_t> SExpr::number() const {
    if (type != Type::atom || text.empty() || text.size() > 20) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::optional<std::string> SExpr::nstring() const {
    if (type == Type::string || type == Type::atom) return text;
    return std::nullopt;
}

std::string SExpr::to_string() const {
    switch (type) {
        case Type::nil:
            return "NIL";
        case Type::atom:
            return text;
        case Type::string: {
            std::string out = "\"";
            for (char c : text) {
                if (c == '"' || c == '\\') out += '\\';
                out += c;
            }
            return out + '"';
        }
        case Type::list: {
            std::string out = "(";
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (i) out += ' ';
                out += items[i].to_string();
            }
            return out + ')';
        }
    }
    return {};
}

std::string_view to_string(CodeKind kind) {
    switch (kind) {
        case CodeKind::alert:
            return "ALERT";
        case CodeKind::badcharset:
            return "BADCHARSET";
        case CodeKind::capability:
            return "CAPABILITY";
        case CodeKind::parse:
            return "PARSE";
        case CodeKind::permanentflags:
            return "PERMANENTFLAGS";
        case CodeKind::read_only:
            return "READ-ONLY";
        case CodeKind::read_write:
            return "READ-WRITE";
        case CodeKind::trycreate:
            return "TRYCREATE";
        case CodeKind::uidnext:
            return "UIDNEXT";
        case CodeKind::uidvalidity:
            return "UIDVALIDITY";
        case CodeKind::unseen:
            return "UNSEEN";
        case CodeKind::appenduid:
            return "APPENDUID";
        case CodeKind::copyuid:
            return "COPYUID";
        case CodeKind::uidnotsticky:
            return "UIDNOTSTICKY";
        case CodeKind::highestmodseq:
            return "HIGHESTMODSEQ";
        case CodeKind::nomodseq:
            return "NOMODSEQ";
        case CodeKind::modified:
            return "MODIFIED";
        case CodeKind::closed:
            return "CLOSED";
        case CodeKind::metadata_longentries:
            return "METADATA LONGENTRIES";
        case CodeKind::metadata_maxsize:
            return "METADATA MAXSIZE";
        case CodeKind::metadata_toomany:
            return "METADATA TOOMANY";
        case CodeKind::metadata_noprivate:
            return "METADATA NOPRIVATE";
        case CodeKind::other:
            return "other";
    }
    return "other";
}

std::string_view to_string(Status status) {
    switch (status) {
        case Status::ok:
            return "OK";
        case Status::no:
            return "NO";
        case Status::bad:
            return "BAD";
        case Status::preauth:
            return "PREAUTH";
        case Status::bye:
            return "BYE";
    }
    return "OK";
}

bool ListResponse::has_attribute(std::string_view attribute) const {
    for (const auto& a : attributes) {
        if (iequals(a, attribute)) return true;
    }
    return false;
}

const SExpr* ListResponse::extended_item(std::string_view tag) const {
    for (const auto& [name, value] : extended) {
        if (iequals(name, tag)) return &value;
    }
    return nullptr;
}

std::vector<std::string> ListResponse::childinfo() const {
    std::vector<std::string> out;
    const SExpr* item = extended_item("CHILDINFO");
    if (!item) return out;
    if (!item->is_list()) {
        if (auto s = item->nstring()) out.push_back(*s);
        return out;
    }
    for (const auto& option : item->items) {
        if (auto s = option.nstring()) out.push_back(*s);
    }
    return out;
}

std::optional<std::uint64_t> StatusData::get(std::string_view item) const {
    for (const auto& [name, value] : items) {
        if (iequals(name, item)) return value.number();
    }
    return std::nullopt;
}

const BodySection* Fetch::section(std::string_view wanted, std::string_view item) const {
    for (const auto& s : sections) {
        if (iequals(s.item, item) && iequals(s.section, wanted)) return &s;
    }
    return nullptr;
}

bool Fetch::has_flag(std::string_view flag) const {
    if (!flags) return false;
    for (const auto& f : *flags) {
        if (iequals(f, flag)) return true;
    }
    return false;
}

const StatusResponse* Response::status() const {
    if (const auto* t = get<Tagged>()) return &t->result;
    return get<StatusResponse>();
}

const ResponseCode* Response::code() const {
    const StatusResponse* s = status();
    return (s && s->code) ? &*s->code : nullptr;
}

std::string Response::kind_name() const {
    struct Namer {
        std::string operator()(const Generic& g) const { return g.name; }
        std::string operator()(const Continuation&) const { return "+"; }
        std::string operator()(const Tagged& t) const {
            return std::string(to_string(t.result.status));
        }
        std::string operator()(const StatusResponse& s) const {
            return std::string(to_string(s.status));
        }
        std::string operator()(const Capability&) const { return "CAPABILITY"; }
        std::string operator()(const Enabled&) const { return "ENABLED"; }
        std::string operator()(const Id&) const { return "ID"; }
        std::string operator()(const Flags&) const { return "FLAGS"; }
        std::string operator()(const ListResponse& l) const { return l.lsub ? "LSUB" : "LIST"; }
        std::string operator()(const StatusData&) const { return "STATUS"; }
        std::string operator()(const Search&) const { return "SEARCH"; }
        std::string operator()(const ESearch&) const { return "ESEARCH"; }
        std::string operator()(const Metadata&) const { return "METADATA"; }
        std::string operator()(const Namespace&) const { return "NAMESPACE"; }
        std::string operator()(const Quota&) const { return "QUOTA"; }
        std::string operator()(const QuotaRoot&) const { return "QUOTAROOT"; }
        std::string operator()(const Exists&) const { return "EXISTS"; }
        std::string operator()(const Recent&) const { return "RECENT"; }
        std::string operator()(const Expunge&) const { return "EXPUNGE"; }
        std::string operator()(const Vanished&) const { return "VANISHED"; }
        std::string operator()(const Fetch&) const { return "FETCH"; }
    };
    return std::visit(Namer{}, data);
}

}  // namespace coitest::imap
