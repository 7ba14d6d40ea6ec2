#pragma once
// Shared helpers for the message tests: the source tree, the real catalog, reading fixtures.
#include "message/gmime.hpp"
#include "runner/catalog.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace coitest::messages::testing {

inline std::filesystem::path source_dir() {
    const char* env = std::getenv("COITEST_SOURCE_DIR");
    return env ? std::filesystem::path(env) : std::filesystem::path(COITEST_SOURCE_DIR_FALLBACK);
}

inline std::filesystem::path specs_dir() {
    return source_dir().parent_path() / "shared/specs";
}

// The shared specs sit beside the clone (as in CI); without them a spec test cannot judge
// anything and is skipped, never passed vacuously.
#define COITEST_REQUIRE_SPECS()                                                    \
    if (!std::filesystem::is_directory(::coitest::messages::testing::specs_dir())) \
    GTEST_SKIP() << "no " << ::coitest::messages::testing::specs_dir().string()    \
                 << " beside the source tree"

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The catalog as shipped (suites/requirements), loaded once per test program.
inline const Catalog& catalog() {
    static const Catalog c = [] {
        auto loaded = Catalog::load(source_dir() / "suites/requirements");
        if (!loaded) {
            ADD_FAILURE() << "catalog: " << loaded.error().message;
            return Catalog{};
        }
        return std::move(*loaded);
    }();
    return c;
}

inline auto lookup() {
    return [](std::string_view id) { return catalog().find(id); };
}

// GMime must not be shut down and initialised again within one process (GLib criticals follow),
// so every test program keeps one reference for its whole life.
class GMimeEnvironment : public ::testing::Environment {
  public:
    void SetUp() override { lib_.emplace(); }
    void TearDown() override { lib_.reset(); }

  private:
    std::optional<message::GMimeLibrary> lib_;
};

}  // namespace coitest::messages::testing
