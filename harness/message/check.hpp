#pragma once
// Findings of the message checks: every check names the catalog requirement it judges, and the
// verdict follows from that requirement's level (DESIGN §3: MUST → fail, SHOULD → warn, MAY →
// info). Checks never pick verdicts themselves, so a level fixed in the catalog is fixed
// everywhere.
#include "model/requirement.hpp"
#include "model/results.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::message {

using RequirementLookup = std::function<const Requirement*(std::string_view id)>;

class Findings {
  public:
    explicit Findings(RequirementLookup lookup) : lookup_(std::move(lookup)) {}

    // The requirement is met.
    void pass(std::string_view id, std::string where, std::string seen = {});
    // The requirement is not met: fail for MUST/MUST NOT, warn for SHOULD/SHOULD NOT, info for MAY.
    void unmet(std::string_view id, std::string where, std::string expected, std::string seen);
    // A MAY behaviour was observed: records the implementation's choice (info).
    void chose(std::string_view id, std::string where, std::string seen);
    // The requirement could not be judged on this message, with the reason.
    void not_applicable(std::string_view id, std::string where, std::string reason);
    void judge(bool met, std::string_view id, std::string where, std::string expected,
               std::string seen);

    // Prefix for `where` while judging one layer of an encrypted message ("[inner] ").
    void set_where_prefix(std::string prefix) { prefix_ = std::move(prefix); }
    const std::string& where_prefix() const { return prefix_; }

    const std::vector<Finding>& items() const { return items_; }
    std::vector<Finding>& items() { return items_; }
    // IDs a check used that the catalog does not know: a coitest bug, reported as `error`.
    const std::vector<std::string>& unknown_ids() const { return unknown_; }
    bool has(std::string_view id) const;

  private:
    Finding make(std::string_view id, std::string where);
    RequirementLookup lookup_;
    std::string prefix_;
    std::vector<Finding> items_;
    std::vector<std::string> unknown_;
};

// Verdict of a set of findings: worst of them; not-applicable only when nothing was judged.
Verdict overall_verdict(const std::vector<Finding>& findings);

}  // namespace coitest::message
