#pragma once
// The tests a run knows about, validated against the requirement catalog, and their selection.
#include "model/error.hpp"
#include "runner/catalog.hpp"
#include "runner/test_case.hpp"

#include <string>
#include <vector>

namespace coitest {

struct Selection {
    std::vector<std::string> filters;   // globs on test IDs; empty = all
    std::vector<std::string> excludes;  // globs on test IDs
    std::vector<std::string> tags;      // a test must carry every tag given
    std::vector<std::string> profiles;  // empty = all profiles
};

class Registry {
  public:
    void add(TestCase test);

    // Duplicate test IDs and requirement IDs missing from the catalog are errors.
    Result<void> validate(const Catalog& catalog) const;

    std::vector<const TestCase*> select(const Selection& selection) const;
    const std::vector<TestCase>& all() const { return tests_; }

  private:
    std::vector<TestCase> tests_;
};

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace coitest
