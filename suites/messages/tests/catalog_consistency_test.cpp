// The catalog and the rules agree: every ID a rule can report is catalogued, every catalogued
// statement of the three client specs points at a line that holds it, and every keyword line of
// those specs is catalogued.
#include "messages/engine.hpp"
#include "messages/spec_exchange.hpp"
#include "tests/test_support.hpp"

#include <regex>
#include <set>

namespace coitest::messages {
namespace {

using testing::catalog;
using testing::read_file;
using testing::specs_dir;

std::vector<std::string> lines_of_file(const std::filesystem::path& p) {
    std::vector<std::string> out;
    std::istringstream in(read_file(p));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(CatalogConsistency, EveryRuleRequirementIsCatalogued) {
    auto ids = all_rule_requirements(make_profiles());
    ASSERT_GT(ids.size(), 150u);
    for (const auto& id : ids)
        EXPECT_NE(catalog().find(id), nullptr) << id << " is reported by a rule but not catalogued";
    for (auto id : exchange_requirements())
        EXPECT_NE(catalog().find(id), nullptr)
            << id << " is reported by spec-lint but not catalogued";
    // Cross-message rules used by the lint runner.
    EXPECT_NE(catalog().find("rfc5322.msg-id.unique"), nullptr);
    for (const char* id :
         {"autocrypt.header.same-in-all", "autocrypt.header.not-per-recipient",
          "chatmail.avatar.only-on-change", "chatmail.group.avatar-only-on-change",
          "coi-client.edit.reference-last", "coi-client.group.groupinfo-on-change"})
        EXPECT_NE(catalog().find(id), nullptr) << id;
}

// Lines that state a requirement without a BCP 14 keyword: definitions and lists the keyword of
// an earlier line governs ("exactly these five packets: …").
const std::set<std::string> kDefinitionLines = {
    "chatmail/spec.md:48",        "chatmail/spec.md:50",        "chatmail/spec.md:52",
    "chatmail/spec.md:54",        "chatmail/spec.md:56",        "chatmail/spec.md:57",
    "chatmail/spec.md:211",       "chatmail/spec.md:218",       "chatmail/spec.md:606",
    "autocrypt/level1.rst:231",   "autocrypt/level1.rst:247",   "autocrypt/level1.rst:302",
    "autocrypt/level1.rst:303",   "autocrypt/level1.rst:304",   "autocrypt/level1.rst:305",
    "autocrypt/level1.rst:306",   "autocrypt/level1.rst:309",   "autocrypt/level1.rst:649",
    "autocrypt/level1.rst:650",   "autocrypt/level1.rst:786",   "coi/coi-client-spec.md:535",
    "coi/coi-client-spec.md:540", "coi/coi-client-spec.md:541", "coi/coi-client-spec.md:804",
    "coi/coi-client-spec.md:848", "coi/coi-client-spec.md:947", "coi/coi-client-spec.md:1179",
    "coi/coi-client-spec.md:1223"};

TEST(CatalogConsistency, LinesPointAtTheirStatements) {
    COITEST_REQUIRE_SPECS();
    std::regex keyword(
        R"(\b(MUST|SHOULD|MAY|REQUIRED|RECOMMENDED|OPTIONAL|must|should|mandatory|has to|recommended)\b)");
    std::map<std::string, std::vector<std::string>> files;
    std::size_t checked = 0;
    for (const auto& r : catalog().all()) {
        if (r.line == 0 || r.spec.find('/') == std::string::npos) continue;
        if (r.spec != "coi/coi-client-spec.md" && r.spec != "chatmail/spec.md" &&
            r.spec != "autocrypt/level1.rst")
            continue;
        auto& lines = files[r.spec];
        if (lines.empty()) lines = lines_of_file(specs_dir() / r.spec);
        ASSERT_LE(static_cast<std::size_t>(r.line), lines.size()) << r.id;
        const std::string& text = lines[static_cast<std::size_t>(r.line - 1)];
        std::string key = r.spec + ":" + std::to_string(r.line);
        EXPECT_TRUE(std::regex_search(text, keyword) || kDefinitionLines.count(key))
            << r.id << " points at " << key << " which holds no requirement keyword: " << text;
        EXPECT_FALSE(r.summary.empty()) << r.id;
        ++checked;
    }
    EXPECT_GT(checked, 300u);
}

TEST(CatalogConsistency, EveryKeywordLineOfTheClientSpecsIsCatalogued) {
    COITEST_REQUIRE_SPECS();
    std::regex keyword(R"(\b(MUST|SHOULD|MAY|REQUIRED|RECOMMENDED|SHALL|OPTIONAL|RECOMMEND)\b)");
    // The BCP 14 boilerplate, and notes that talk about keywords rather than use them.
    const std::set<std::string> exempt = {"coi/coi-client-spec.md:85", "autocrypt/level1.rst:68",
                                          "autocrypt/level1.rst:69", "autocrypt/level1.rst:326",
                                          "autocrypt/level1.rst:669"};
    for (const char* spec :
         {"coi/coi-client-spec.md", "chatmail/spec.md", "autocrypt/level1.rst"}) {
        std::set<int> catalogued;
        for (const auto& r : catalog().all())
            if (r.spec == spec) catalogued.insert(r.line);
        auto lines = lines_of_file(specs_dir() / spec);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            std::string key = std::string(spec) + ":" + std::to_string(i + 1);
            if (!std::regex_search(lines[i], keyword) || exempt.count(key)) continue;
            EXPECT_TRUE(catalogued.count(static_cast<int>(i + 1)))
                << key << " is not catalogued: " << lines[i];
        }
    }
}

}  // namespace
}  // namespace coitest::messages
