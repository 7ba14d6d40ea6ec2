#include "script/assertions.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

namespace coitest::script {

namespace {

constexpr std::size_t kShown = 240;

std::string clip(std::string_view s, std::size_t max = kShown) {
    std::string out(s.substr(0, max));
    if (s.size() > max) out += "…";
    return out;
}

bool iequal(std::string_view a, std::string_view b) {
    return imap::iequals(a, b);
}

bool has_cap(const std::vector<std::string>& caps, std::string_view name) {
    return std::any_of(caps.begin(), caps.end(),
                       [&](const std::string& x) { return iequal(x, name); });
}

std::string describe_caps(const std::vector<std::string>& caps) {
    if (caps.empty()) return "no capabilities";
    return fmt::format("{}", fmt::join(caps, " "));
}

// The FETCH response an assertion looks at: by UID, by sequence number, or any; the last one that
// carries what the assertion needs (`carries`), as servers may split a message's data over several
// FETCH responses.
template <class Carries>
Result<const imap::Fetch*> find_fetch(const Assert& a, const AssertInput& in, std::string& which,
                                      Carries carries) {
    std::optional<std::uint64_t> want;
    if (in.selector) {
        std::uint64_t n = 0;
        const std::string& v = *in.selector;
        const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || r.ec != std::errc{} || r.ptr != v.data() + v.size())
            return make_error(ErrorKind::config, fmt::format("'{}' is not a number", v));
        want = n;
        which = fmt::format("{} {}", a.uid ? "UID" : "message", v);
    } else {
        which = "the last FETCH";
    }
    const imap::Fetch* found = nullptr;
    for (const auto& w : *in.last) {
        const auto* f = w.response().get<imap::Fetch>();
        if (!f) continue;
        if (a.uid && f->uid != want) continue;
        if (a.seq && f->seq != want) continue;
        if (carries(*f)) found = f;
    }
    return found;
}

std::optional<std::string> fetch_item(const imap::Fetch& f, std::string_view item) {
    const std::string upper = imap::to_upper(item);
    if (upper == "RFC822.SIZE")
        return f.rfc822_size ? std::optional(std::to_string(*f.rfc822_size)) : std::nullopt;
    if (upper == "UID") return f.uid ? std::optional(std::to_string(*f.uid)) : std::nullopt;
    if (upper == "MODSEQ")
        return f.modseq ? std::optional(std::to_string(*f.modseq)) : std::nullopt;
    if (upper == "INTERNALDATE") return f.internaldate;
    std::string name = upper, section;
    if (const auto open = item.find('['); open != std::string_view::npos) {
        name = imap::to_upper(item.substr(0, open));
        const auto close = item.rfind(']');
        section = std::string(item.substr(
            open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1));
    }
    if (name == "BODY.PEEK") name = "BODY";
    if (name == "BINARY.PEEK") name = "BINARY";
    const imap::BodySection* s = f.section(section, name);
    if (!s) return std::nullopt;
    return s->data;
}

// For long values: where they first differ, rather than both values.
std::string difference(const std::string& want, const std::string& got) {
    if (want == got) return "equal";
    const auto diff = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
    return fmt::format("{} octets, first difference at octet {}", got.size(),
                       diff.first - got.begin());
}

AssertOutcome metadata(const Assert& a, const AssertInput& in) {
    const std::string& mailbox = in.args.at(0);
    const std::string& entry = in.args.at(1);
    std::optional<std::string> got;
    bool present = false;
    for (const auto& w : *in.last) {
        const auto* m = w.response().get<imap::Metadata>();
        if (!m || m->mailbox != mailbox) continue;
        for (const auto& e : m->entries)
            if (iequal(e.name, entry)) {
                present = true;
                got = e.value;
            }
    }
    AssertOutcome out;
    // `equals NIL` (unquoted) is the same as `absent`.
    const bool nil_wanted = a.kind == Assert::Kind::metadata_absent ||
                            (a.kind == Assert::Kind::metadata_equals && !a.args.at(2).quoted &&
                             a.args.at(2).text.source() == "NIL");
    if (a.kind == Assert::Kind::metadata_present) {
        out.ok = got.has_value();
        out.expected = fmt::format("a value (not NIL) for {} on \"{}\"", entry, mailbox);
    } else if (nil_wanted) {
        out.ok = !got.has_value();
        out.expected = fmt::format("no value for {} on \"{}\"", entry, mailbox);
    } else {
        const std::string& want = in.args.at(2);
        out.ok = got == want;
        out.expected = fmt::format("{} on \"{}\" = \"{}\"", entry, mailbox, clip(want));
    }
    out.seen = !present ? fmt::format("no METADATA entry {} in the last responses of {}", entry,
                                      in.connection)
               : got    ? fmt::format("\"{}\"", clip(*got))
                        : std::string("NIL");
    return out;
}

Result<AssertOutcome> flags(const Assert& a, const AssertInput& in) {
    std::string which;
    auto f = find_fetch(a, in, which, [](const imap::Fetch& x) { return x.flags.has_value(); });
    if (!f) return f.error();
    const bool contain = a.kind == Assert::Kind::flags_contain;
    AssertOutcome out;
    out.expected = fmt::format("FLAGS of {} {} {}", which, contain ? "containing" : "without",
                               fmt::join(in.args, " "));
    if (!*f || !(*f)->flags) {
        out.seen =
            fmt::format("no FETCH FLAGS for {} in the last responses of {}", which, in.connection);
        return out;
    }
    out.ok = std::all_of(in.args.begin(), in.args.end(),
                         [&](const std::string& x) { return (*f)->has_flag(x) == contain; });
    out.seen = fmt::format("FLAGS ({})", fmt::join(*(*f)->flags, " "));
    return out;
}

Result<AssertOutcome> fetch(const Assert& a, const AssertInput& in) {
    std::string which;
    auto f = find_fetch(a, in, which,
                        [&](const imap::Fetch& x) { return fetch_item(x, a.item).has_value(); });
    if (!f) return f.error();
    const std::string& want = in.args.at(0);
    const std::optional<std::string> got = *f ? fetch_item(**f, a.item) : std::nullopt;
    AssertOutcome out;
    out.expected = fmt::format(
        "{} of {} = {}", a.item, which,
        want.size() > 80 ? fmt::format("the {} octets given", want.size()) : "\"" + want + "\"");
    out.ok = got == want;
    if (!*f)
        out.seen = fmt::format("no FETCH for {} in the last responses of {}", which, in.connection);
    else
        out.seen =
            want.size() > 80 || got->size() > 80 ? difference(want, *got) : "\"" + *got + "\"";
    return out;
}

AssertOutcome mailboxes(const Assert& a, const AssertInput& in) {
    const std::string& mailbox = in.args.at(0);
    auto same = [&](const std::string& m) {
        return m == mailbox || (iequal(m, "INBOX") && iequal(mailbox, "INBOX"));
    };
    const std::vector<std::string> attrs(in.args.begin() + 1, in.args.end());
    const imap::ListResponse* list = nullptr;
    bool subscribed = false;
    std::vector<std::string> names;
    for (const auto& w : *in.last) {
        const auto* l = w.response().get<imap::ListResponse>();
        if (!l) continue;
        names.push_back(fmt::format("{}{} ({})", l->lsub ? "LSUB " : "", l->mailbox,
                                    fmt::join(l->attributes, " ")));
        if (!same(l->mailbox)) continue;
        if (l->lsub || l->has_attribute("\\Subscribed")) subscribed = true;
        if (!l->lsub) list = l;
    }
    AssertOutcome out;
    out.seen = names.empty() ? fmt::format("no LIST or LSUB responses in the last exchange of {}",
                                           in.connection)
                             : clip(fmt::format("{}", fmt::join(names, ", ")), 600);
    switch (a.kind) {
        case Assert::Kind::list_present:
            out.ok = list && std::all_of(attrs.begin(), attrs.end(),
                                         [&](const auto& x) { return list->has_attribute(x); });
            out.expected = attrs.empty()
                               ? fmt::format("LIST {}", mailbox)
                               : fmt::format("LIST {} with {}", mailbox, fmt::join(attrs, " "));
            break;
        case Assert::Kind::list_absent:
            out.ok = list == nullptr;
            out.expected = fmt::format("no LIST response for {}", mailbox);
            break;
        case Assert::Kind::subscribed:
            out.ok = subscribed;
            out.expected = fmt::format("{} subscribed (LSUB, or LIST with \\Subscribed)", mailbox);
            break;
        default:
            out.ok = !subscribed;
            out.expected = fmt::format("{} not subscribed", mailbox);
            break;
    }
    return out;
}

}  // namespace

Result<AssertOutcome> check_assertion(const Assert& a, const AssertInput& in) {
    AssertOutcome out;
    switch (a.kind) {
        case Assert::Kind::capability: {
            const std::string& name = in.args.at(0);
            out.ok = has_cap(*in.capabilities, name) != a.negate;
            out.expected = fmt::format("{} {} the capability list of {}", name,
                                       a.negate ? "absent from" : "in", in.connection);
            out.seen = describe_caps(*in.capabilities);
            return out;
        }
        case Assert::Kind::metadata_equals:
        case Assert::Kind::metadata_absent:
        case Assert::Kind::metadata_present:
            return metadata(a, in);
        case Assert::Kind::flags_contain:
        case Assert::Kind::flags_lack:
            return flags(a, in);
        case Assert::Kind::fetch_equals:
            return fetch(a, in);
        case Assert::Kind::list_present:
        case Assert::Kind::list_absent:
        case Assert::Kind::subscribed:
        case Assert::Kind::not_subscribed:
            return mailboxes(a, in);
        case Assert::Kind::equals:
        case Assert::Kind::differs: {
            const bool equal = in.args.at(0) == in.args.at(1);
            out.ok = equal == (a.kind == Assert::Kind::equals);
            out.expected =
                fmt::format("{} {} \"{}\"", a.args.at(0).text.source(),
                            a.kind == Assert::Kind::equals ? "equal to" : "different from",
                            clip(in.args.at(1)));
            out.seen = fmt::format("\"{}\"", clip(in.args.at(0)));
            return out;
        }
        case Assert::Kind::matches:
            out.ok = a.regex->full_match(in.args.at(0));
            out.expected =
                fmt::format("{} matching re\"{}\"", a.args.at(0).text.source(), a.regex->pattern());
            out.seen = fmt::format("\"{}\"", clip(in.args.at(0)));
            return out;
    }
    return out;
}

}  // namespace coitest::script
