#include "suites/server/webpush/common.hpp"
#include "suites/server/webpush/webpush_suite.hpp"

namespace coitest::suites {

void register_webpush_suite(Registry& registry) {
    webpush_suite::register_webpush_capability(registry);
    webpush_suite::register_webpush_subscribe(registry);
    webpush_suite::register_webpush_validation(registry);
    webpush_suite::register_webpush_push(registry);
    webpush_suite::register_webpush_responses(registry);
}

}  // namespace coitest::suites
