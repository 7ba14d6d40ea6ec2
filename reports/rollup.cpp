#include "reports/rollup.hpp"

#include <algorithm>
#include <map>

namespace coitest::reports {

Verdict requirement_verdict(const TestResult& test, std::string_view requirement) {
    if (test.verdict == Verdict::error || test.verdict == Verdict::not_applicable)
        return test.verdict;
    bool own = false;
    Verdict v = Verdict::not_applicable;
    for (const auto& f : test.findings) {
        if (f.requirement != requirement) continue;
        own = true;
        v = worst(v, f.verdict);
    }
    if (own) return v;
    return test.findings.empty() ? test.verdict : Verdict::pass;
}

std::vector<RequirementRollup> rollup_requirements(const RunResult& run) {
    std::map<std::string, RequirementRollup, std::less<>> by_id;
    for (const auto& suite : run.suites) {
        for (const auto& test : suite.tests) {
            // Each requirement once per test, in the order the test names them, then any cited
            // only by a finding.
            std::vector<RequirementRef> refs = test.requirements;
            for (const auto& f : test.findings) {
                const bool known = std::any_of(
                    refs.begin(), refs.end(), [&](const auto& r) { return r.id == f.requirement; });
                if (!known) refs.push_back({f.requirement, f.level, {}, {}});
            }
            for (std::size_t i = 0; i < refs.size(); ++i) {
                const auto& ref = refs[i];
                const bool repeated = std::any_of(refs.begin(), refs.begin() + static_cast<long>(i),
                                                  [&](const auto& r) { return r.id == ref.id; });
                if (repeated) continue;
                auto [it, inserted] = by_id.try_emplace(ref.id);
                if (inserted) it->second.ref = ref;
                const Verdict v = requirement_verdict(test, ref.id);
                it->second.worst = worst(it->second.worst, v);
                it->second.judged_by.push_back({suite.name, &test, v});
            }
        }
    }
    std::vector<RequirementRollup> out;
    out.reserve(by_id.size());
    for (auto& [id, r] : by_id) out.push_back(std::move(r));
    return out;
}

const Finding* headline_finding(const TestResult& test) {
    for (const auto& f : test.findings)
        if (f.verdict == test.verdict) return &f;
    return nullptr;
}

bool counts_as_failure(const TestResult& test, bool strict) {
    return test.verdict == Verdict::fail || (strict && test.verdict == Verdict::warn);
}

}  // namespace coitest::reports
