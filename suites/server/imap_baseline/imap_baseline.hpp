#pragma once
// Profile imap-baseline: what a COI client relies on from any IMAP4rev1 server when it runs in
// fallback mode (no COI). One file per area; test IDs are imap-baseline.<area>.<what>.
#include "runner/registry.hpp"

namespace coitest::suites {

void register_imap_baseline(Registry& registry);

// Per area (each file registers its own tests).
void register_baseline_capability(Registry& registry);
void register_baseline_authentication(Registry& registry);
void register_baseline_mailboxes(Registry& registry);
void register_baseline_messages(Registry& registry);
void register_baseline_idle(Registry& registry);
void register_baseline_metadata(Registry& registry);
void register_baseline_errors(Registry& registry);

// A TestCase of this profile, with the fields every test sets.
TestCase baseline_test(std::string id, std::string title, std::string classname,
                       std::vector<std::string> requirements, std::vector<std::string> tags,
                       TestBody body);

}  // namespace coitest::suites
