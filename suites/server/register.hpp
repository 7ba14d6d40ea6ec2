#pragma once
// Every server-suite test the executable knows, registered explicitly (no static initialisers).
#include "runner/registry.hpp"

namespace coitest::suites {

void register_server_suites(Registry& registry);

}  // namespace coitest::suites
