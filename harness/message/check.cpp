#include "message/check.hpp"

namespace coitest::message {

Finding Findings::make(std::string_view id, std::string where) {
    Finding f;
    f.requirement = std::string(id);
    // A field that explicitly lives on the outer header keeps its own label.
    f.where = where.rfind("[outer] ", 0) == 0 ? std::move(where) : prefix_ + where;
    if (const Requirement* r = lookup_ ? lookup_(id) : nullptr) {
        f.level = r->level;
    } else {
        f.verdict = Verdict::error;
        f.seen = "requirement " + std::string(id) + " is not in the catalog (a coitest bug)";
        unknown_.push_back(std::string(id));
    }
    return f;
}

void Findings::pass(std::string_view id, std::string where, std::string seen) {
    Finding f = make(id, std::move(where));
    if (f.verdict == Verdict::error) {
        items_.push_back(std::move(f));
        return;
    }
    f.verdict = Verdict::pass;
    f.seen = std::move(seen);
    items_.push_back(std::move(f));
}

void Findings::unmet(std::string_view id, std::string where, std::string expected,
                     std::string seen) {
    Finding f = make(id, std::move(where));
    if (f.verdict == Verdict::error) {
        items_.push_back(std::move(f));
        return;
    }
    f.verdict = verdict_when_unmet(f.level);
    f.expected = std::move(expected);
    f.seen = std::move(seen);
    items_.push_back(std::move(f));
}

void Findings::chose(std::string_view id, std::string where, std::string seen) {
    Finding f = make(id, std::move(where));
    if (f.verdict == Verdict::error) {
        items_.push_back(std::move(f));
        return;
    }
    f.verdict = Verdict::info;
    f.seen = std::move(seen);
    items_.push_back(std::move(f));
}

void Findings::not_applicable(std::string_view id, std::string where, std::string reason) {
    Finding f = make(id, std::move(where));
    if (f.verdict == Verdict::error) {
        items_.push_back(std::move(f));
        return;
    }
    f.verdict = Verdict::not_applicable;
    f.seen = std::move(reason);
    items_.push_back(std::move(f));
}

void Findings::judge(bool met, std::string_view id, std::string where, std::string expected,
                     std::string seen) {
    // `seen` describes the breach; on a pass it would mislead, so only what was expected is kept.
    if (met)
        pass(id, std::move(where));
    else
        unmet(id, std::move(where), std::move(expected), std::move(seen));
}

bool Findings::has(std::string_view id) const {
    for (const auto& f : items_)
        if (f.requirement == id) return true;
    return false;
}

Verdict overall_verdict(const std::vector<Finding>& findings) {
    Verdict v = Verdict::not_applicable;
    for (const auto& f : findings) v = worst(v, f.verdict);
    return v;
}

}  // namespace coitest::message
