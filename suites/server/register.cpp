#include "suites/server/register.hpp"

#include "suites/server/imap_baseline/imap_baseline.hpp"

namespace coitest::suites {

void register_server_suites(Registry& registry) {
    register_imap_baseline(registry);
}

}  // namespace coitest::suites
