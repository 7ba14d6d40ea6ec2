#pragma once
// Checks, rule sets and profiles (DESIGN §4): a profile is the set of rules a message is judged
// against. Every check lists the requirement IDs it can report, so coverage is known without
// running it and a check that cannot run (encrypted, no key) reports each of them as
// not-applicable with the reason instead of passing silently.
#include "message/check.hpp"
#include "messages/context.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::messages {

enum class Needs {
    envelope,   // judged on the message as transmitted (outer), always possible
    content,    // needs the readable content (decrypted payload for encrypted mail)
    each_layer  // judged on the outer message and again on the decrypted payload
};

using CheckFn = void (*)(const MessageContext&, const message::Message&, message::Findings&);

struct Check {
    std::string_view name;
    Needs needs = Needs::content;
    std::vector<std::string_view> requirements;
    CheckFn run = nullptr;
};

struct RuleSet {
    std::string name;
    std::vector<Check> checks;
};

struct Profile {
    std::string name;
    std::string description;
    std::vector<RuleSet> rule_sets;
    // A profile rule that restates a base rule on the same field replaces its finding, so one
    // broken field is reported once, under the rule of the claimed profile.
    std::vector<std::pair<std::string, std::vector<std::string>>> supersedes;
};

RuleSet rfc5322_rules();
RuleSet mime_rules();
RuleSet pgp_mime_rules();
RuleSet mdn_rules();
RuleSet header_protection_rules();
RuleSet chatmail_rules();
RuleSet autocrypt_rules();
RuleSet coi_rules();

// All profiles: "coi-client", "chatmail-client", "autocrypt", "email" (base rules only).
std::vector<Profile> make_profiles();
const Profile* find_profile(const std::vector<Profile>& profiles, std::string_view name);

// Which dialect a message speaks, with the reason ("Message-ID starts with chat$").
struct Detection {
    std::string profile;
    std::string reason;
};
Detection detect_profile(const MessageContext& ctx);

// Runs every check of the profile and returns the findings.
void run_profile(const Profile& profile, const MessageContext& ctx, message::Findings& findings);

// Every requirement ID any rule can report (for the catalog-consistency test).
std::vector<std::string> all_rule_requirements(const std::vector<Profile>& profiles);

}  // namespace coitest::messages
