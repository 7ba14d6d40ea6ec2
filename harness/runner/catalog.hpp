#pragma once
// The requirement catalog: every *.toml under suites/requirements/, loaded and validated at run
// time. Format: docs/catalog.md.
#include "model/error.hpp"
#include "model/requirement.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace coitest {

class Catalog {
  public:
    // Loads every .toml file below `dir`. Duplicate IDs, unknown keys, bad levels and non-UTF-8
    // bytes are errors that name the file (and line where toml++ gives one).
    static Result<Catalog> load(const std::filesystem::path& dir);
    static Result<Catalog> parse(std::string_view toml_text, std::string_view source_name);

    const Requirement* find(std::string_view id) const;
    const std::vector<Requirement>& all() const { return requirements_; }

    // Merges another catalog; duplicate IDs are an error.
    Result<void> merge(Catalog other);

  private:
    std::vector<Requirement> requirements_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

// Where suites/requirements lives: $COITEST_CATALOG, else next to the executable's install
// prefix, else the source tree this binary was built from.
std::filesystem::path default_catalog_dir();

}  // namespace coitest
