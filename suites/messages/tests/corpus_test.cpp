// The fixture corpus (fixtures/messages/manifest.toml): every message gets exactly its labelled
// fail/warn/error findings, every broken message has a valid twin, and the twin's findings plus
// the broken message's label are exactly the broken message's findings.
#include "messages/lint.hpp"
#include "tests/test_support.hpp"

#include <toml++/toml.h>

#include <map>
#include <set>

namespace coitest::messages {
namespace {

using testing::lookup;
using testing::source_dir;

struct Entry {
    std::string file, profile, twin, key, setup_code;
    std::set<std::string> expect, breaks;
};

std::set<std::string> strings(const toml::node_view<const toml::node>& node) {
    std::set<std::string> out;
    if (const auto* arr = node.as_array())
        for (const auto& v : *arr)
            if (auto s = v.value<std::string>()) out.insert(*s);
    return out;
}

std::vector<Entry> manifest() {
    auto path = source_dir() / "fixtures/messages/manifest.toml";
    toml::table t = toml::parse_file(path.string());
    std::vector<Entry> out;
    for (const auto& node : *t["message"].as_array()) {
        const auto& m = *node.as_table();
        Entry e;
        e.file = m["file"].value_or(std::string());
        e.profile = m["profile"].value_or(std::string());
        e.twin = m["twin"].value_or(std::string());
        e.key = m["key"].value_or(std::string());
        e.setup_code = m["setup_code"].value_or(std::string());
        e.expect = strings(m["expect"]);
        e.breaks = strings(m["breaks"]);
        out.push_back(std::move(e));
    }
    return out;
}

std::set<std::string> verdicts_of(const TestResult& t) {
    std::set<std::string> out;
    if (t.verdict == Verdict::error && t.findings.empty()) out.insert("error: " + t.reason);
    for (const auto& f : t.findings)
        if (f.verdict == Verdict::fail || f.verdict == Verdict::warn || f.verdict == Verdict::error)
            out.insert(f.requirement + "=" + std::string(to_string(f.verdict)));
    return out;
}

std::string describe(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += "\n    " + x;
    return out.empty() ? " (none)" : out;
}

TEST(Corpus, EveryMessageGetsExactlyItsLabelledVerdicts) {
    auto entries = manifest();
    ASSERT_GE(entries.size(), 100u);
    std::size_t checked = 0;
    for (const auto& e : entries) {
        LintOptions options;
        options.profile = e.profile;
        if (!e.key.empty())
            options.key_files.push_back((source_dir() / "fixtures/messages" / e.key).string());
        if (!e.setup_code.empty()) options.setup_codes.push_back(e.setup_code);
        auto linter = Linter::create(lookup(), options);
        ASSERT_TRUE(linter) << e.file << ": " << linter.error().message;
        auto bytes = testing::read_file(source_dir() / "fixtures/messages" / e.file);
        ASSERT_FALSE(bytes.empty()) << e.file;
        TestResult t = (*linter)->lint(e.file, bytes);
        auto actual = verdicts_of(t);
        EXPECT_EQ(actual, e.expect)
            << e.file << "\n  expected:" << describe(e.expect) << "\n  actual:" << describe(actual);
        ++checked;
    }
    EXPECT_EQ(checked, entries.size());
}

TEST(Corpus, EveryBrokenMessageHasAPassingTwinAndOneLabelledChange) {
    auto entries = manifest();
    std::map<std::string, const Entry*> by_file;
    for (const auto& e : entries) by_file[e.file] = &e;
    std::size_t broken = 0;
    for (const auto& e : entries) {
        if (e.file.find(".broken-") == std::string::npos) {
            EXPECT_TRUE(e.twin.empty()) << e.file;
            continue;
        }
        ++broken;
        ASSERT_FALSE(e.twin.empty()) << e.file << " has no twin";
        ASSERT_TRUE(by_file.count(e.twin))
            << e.file << ": twin " << e.twin << " is not in the manifest";
        const Entry& twin = *by_file[e.twin];
        EXPECT_TRUE(twin.twin.empty()) << "twin " << twin.file << " must be a valid message";
        EXPECT_FALSE(e.breaks.empty()) << e.file;
        std::set<std::string> diff;
        for (const auto& x : e.expect)
            if (!twin.expect.count(x)) diff.insert(x);
        EXPECT_EQ(diff, e.breaks) << e.file
                                  << ": the label must be exactly what the change adds to the twin";
        for (const auto& x : twin.expect) EXPECT_TRUE(e.expect.count(x)) << e.file << " lost " << x;
    }
    EXPECT_GE(broken, 60u);
}

// Real Delta Chat messages (fixtures/messages/deltachat, scripts/capture-deltachat): each gets
// exactly the fail/warn findings checked by hand (README.md there says why each is right), and
// is judged on the layer the manifest names: decrypted inside, outer only for RFC 9580
// packets, or not encrypted at all.
TEST(Corpus, RealDeltaChatMessagesGetTheirHandCheckedVerdicts) {
    auto dir = source_dir() / "fixtures/messages";
    toml::table t = toml::parse_file((dir / "deltachat/manifest.toml").string());
    const auto* list = t["message"].as_array();
    ASSERT_NE(list, nullptr);
    std::set<std::string> listed;
    for (const auto& node : *list) {
        const auto& m = *node.as_table();
        std::string file = m["file"].value_or(std::string());
        std::string key = m["key"].value_or(std::string());
        std::string layer = m["layer"].value_or(std::string());
        listed.insert(file);
        LintOptions options;
        options.profile = m["profile"].value_or(std::string());
        if (!key.empty()) options.key_files.push_back((dir / key).string());
        auto linter = Linter::create(lookup(), options);
        ASSERT_TRUE(linter) << file << ": " << linter.error().message;
        auto bytes = testing::read_file(dir / file);
        ASSERT_FALSE(bytes.empty()) << file;
        TestResult r = (*linter)->lint(file, bytes);
        auto expect = strings(m["expect"]);
        auto actual = verdicts_of(r);
        EXPECT_EQ(actual, expect) << file << "\n  expected:" << describe(expect)
                                  << "\n  actual:" << describe(actual);
        bool inner = false, rfc9580 = false;
        for (const auto& f : r.findings) {
            if (f.where.rfind("[inner] ", 0) == 0 && f.verdict != Verdict::not_applicable)
                inner = true;
            if (f.verdict == Verdict::not_applicable &&
                f.seen.find("v6 PKESK") != std::string::npos)
                rfc9580 = true;
        }
        EXPECT_EQ(inner, layer == "inner") << file << " should be judged on layer " << layer;
        EXPECT_EQ(rfc9580, layer == "seipdv2") << file;
    }
    EXPECT_GE(listed.size(), 20u);
    for (const auto& entry : std::filesystem::directory_iterator(dir / "deltachat")) {
        if (entry.path().extension() != ".eml") continue;
        EXPECT_TRUE(listed.count("deltachat/" + entry.path().filename().string()))
            << entry.path().filename() << " is not in deltachat/manifest.toml";
    }
}

}  // namespace
}  // namespace coitest::messages

// One GMime reference for the whole test program (see test_support.hpp).
static ::testing::Environment* const kGMime =
    ::testing::AddGlobalTestEnvironment(new coitest::messages::testing::GMimeEnvironment);
