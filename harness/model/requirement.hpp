#pragma once
// One normative statement of a specification, as catalogued in suites/requirements/.
#include "model/verdict.hpp"

#include <string>

namespace coitest {

struct Requirement {
    std::string id;       // stable, never renumbered: "imap.capability.imap4rev1"
    std::string spec;     // "RFC 3501" or a file under shared/specs: "coi/coi-server-spec.md"
    std::string section;  // "6.1.1"
    int line = 0;         // line of the statement in the shipped spec file; 0 for RFCs
    Level level = Level::must;
    std::string side;     // "server", "client", "message"
    std::string summary;  // our own words, never the spec's sentence
};

}  // namespace coitest
