#pragma once
// Every server-suite test the executable knows, registered explicitly (no static initialisers).
#include "model/error.hpp"
#include "runner/registry.hpp"

#include <vector>

namespace coitest::suites {

// Scripts too broken to become a test (no ID or no requirement to hang a verdict on) land in
// `unloadable`: the caller reports them and must not let the run look clean.
void register_server_suites(Registry& registry, std::vector<Error>& unloadable);

}  // namespace coitest::suites
