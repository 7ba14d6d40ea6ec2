#pragma once
// Profile imap-baseline: what a COI client relies on from any IMAP4rev1 server when it runs in
// fallback mode (no COI). Its checks are .coi scripts now (suites/server/scripts/imap-baseline,
// docs/coi-language.md), with the same test and requirement IDs the C++ tests had.
#include "runner/registry.hpp"

namespace coitest::suites {

// Registers the imap-baseline scripts only (register_server_suites registers every script, these
// included); for tests that exercise this profile alone.
void register_imap_baseline(Registry& registry);

}  // namespace coitest::suites
