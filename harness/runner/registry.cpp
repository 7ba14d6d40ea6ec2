#include "runner/registry.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <set>

namespace coitest {

void Registry::add(TestCase test) {
    tests_.push_back(std::move(test));
}

Result<void> Registry::validate(const Catalog& catalog) const {
    std::set<std::string, std::less<>> ids;
    for (const auto& t : tests_) {
        if (!ids.insert(t.id).second)
            return make_error(ErrorKind::internal,
                              fmt::format("test ID {} is registered twice", t.id));
        if (t.requirements.empty())
            return make_error(ErrorKind::internal,
                              fmt::format("test {} judges no requirement", t.id));
        for (const auto& r : t.requirements)
            if (!catalog.find(r))
                return make_error(ErrorKind::config,
                                  fmt::format("test {} names requirement {}, which is not in the "
                                              "catalog (suites/requirements)",
                                              t.id, r));
        if (!t.body)
            return make_error(ErrorKind::internal, fmt::format("test {} has no body", t.id));
    }
    return {};
}

bool glob_match(std::string_view pattern, std::string_view text) {
    return fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

std::vector<const TestCase*> Registry::select(const Selection& s) const {
    auto any = [](const std::vector<std::string>& globs, const std::string& id) {
        return std::any_of(globs.begin(), globs.end(),
                           [&](const auto& g) { return glob_match(g, id); });
    };
    std::vector<const TestCase*> out;
    for (const auto& t : tests_) {
        if (!s.filters.empty() && !any(s.filters, t.id)) continue;
        if (any(s.excludes, t.id)) continue;
        const bool has_tags = std::all_of(s.tags.begin(), s.tags.end(), [&](const auto& tag) {
            return std::find(t.tags.begin(), t.tags.end(), tag) != t.tags.end();
        });
        if (!has_tags) continue;
        if (!s.profiles.empty() &&
            std::find(s.profiles.begin(), s.profiles.end(), t.profile) == s.profiles.end())
            continue;
        out.push_back(&t);
    }
    return out;
}

}  // namespace coitest
