#pragma once
// Profile `webpush`: the IMAP WebPush extension (coi/webpush-spec.md), judged with coitest's own
// push endpoint (harness/pushservice). docs/webpush.md.
#include "runner/registry.hpp"

namespace coitest::suites {

void register_webpush_suite(Registry& registry);

}  // namespace coitest::suites
