#include "message/autocrypt_header.hpp"

#include "message/text.hpp"

namespace coitest::message {

const AutocryptAttribute* AutocryptHeader::find(std::string_view name) const {
    for (const auto& a : attributes)
        if (a.name == name) return &a;
    return nullptr;
}

std::size_t AutocryptHeader::count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& a : attributes)
        if (a.name == name) ++n;
    return n;
}

std::vector<std::string> AutocryptHeader::unknown_critical(
    const std::vector<std::string_view>& known) const {
    std::vector<std::string> out;
    for (const auto& a : attributes) {
        if (!a.name.empty() && a.name.front() == '_') continue;
        bool is_known = false;
        for (auto k : known)
            if (a.name == k) is_known = true;
        if (!is_known) out.push_back(a.name);
    }
    return out;
}

AutocryptHeader parse_autocrypt_attributes(std::string_view raw_value) {
    AutocryptHeader out;
    // An empty item (a trailing ";", as in the spec's Autocrypt-Draft-State example) is skipped.
    for (std::string_view piece : split(raw_value, ';')) {
        std::string_view item = trim(piece);
        if (item.empty()) continue;
        std::size_t eq = item.find('=');
        if (eq == std::string_view::npos) {
            out.problems.push_back("attribute " + show(item, 40) + " has no \"=\"");
            continue;
        }
        AutocryptAttribute a;
        a.name = std::string(trim(item.substr(0, eq)));
        std::string_view value = trim(item.substr(eq + 1));
        if (a.name.empty()) out.problems.push_back("an attribute has an empty name");
        for (char c : a.name)
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                out.problems.push_back("attribute name " + show(a.name, 40) +
                                       " contains white space");
        if (a.name == "keydata") {
            for (char c : value)
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') a.value.push_back(c);
        } else {
            a.value = unfold(value);
        }
        out.attributes.push_back(std::move(a));
        if (out.attributes.size() > 256) {
            out.problems.push_back("more than 256 attributes");
            break;
        }
    }
    return out;
}

}  // namespace coitest::message
