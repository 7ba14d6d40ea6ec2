#pragma once
// `coitest list`: the tests and the requirements they judge, without running anything.
#include "runner/registry.hpp"

#include <string>

namespace coitest::cli {

struct ListOptions {
    std::string format = "text";  // text | json
    bool requirements = false;    // list the catalog instead of the tests
    Selection selection;
};

int run_list(const ListOptions& options);

}  // namespace coitest::cli
