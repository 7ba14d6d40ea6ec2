#include "runner/registry.hpp"

#include <gtest/gtest.h>

namespace coitest {
namespace {

boost::asio::awaitable<void> nothing(TestContext&) {
    co_return;
}

TestCase make(std::string id, std::vector<std::string> reqs, std::vector<std::string> tags = {}) {
    TestCase t;
    t.id = std::move(id);
    t.profile = "imap-baseline";
    t.requirements = std::move(reqs);
    t.tags = std::move(tags);
    t.body = nothing;
    return t;
}

Catalog catalog() {
    return Catalog::parse(
               "[[requirement]]\nid=\"r.one\"\nspec=\"s\"\nlevel=\"MUST\"\nsummary=\"x\"\n", "c")
        .value();
}

TEST(Registry, UnknownRequirementIsAnErrorAtStartUp) {
    Registry r;
    r.add(make("t.a", {"r.one"}));
    EXPECT_TRUE(r.validate(catalog()));
    r.add(make("t.b", {"r.missing"}));
    auto v = r.validate(catalog());
    ASSERT_FALSE(v);
    EXPECT_NE(v.error().message.find("r.missing"), std::string::npos);
}

TEST(Registry, DuplicateTestIdsAndTestsJudgingNothingAreErrors) {
    Registry dup;
    dup.add(make("t.a", {"r.one"}));
    dup.add(make("t.a", {"r.one"}));
    EXPECT_FALSE(dup.validate(catalog()));
    Registry empty;
    empty.add(make("t.a", {}));
    EXPECT_FALSE(empty.validate(catalog()));
}

TEST(Registry, SelectsByGlobExcludeAndTag) {
    Registry r;
    r.add(make("imap-baseline.capability.imap4rev1", {"r.one"}, {"capability"}));
    r.add(make("imap-baseline.login.plain", {"r.one"}, {"auth"}));
    r.add(make("imap-baseline.idle.exists", {"r.one"}, {"idle", "delivery"}));
    auto ids = [&](const Selection& s) {
        std::vector<std::string> out;
        for (const auto* t : r.select(s)) out.push_back(t->id);
        return out;
    };
    EXPECT_EQ(ids({}).size(), 3u);
    EXPECT_EQ(ids({{"*.login.*"}, {}, {}, {}}),
              std::vector<std::string>{"imap-baseline.login.plain"});
    EXPECT_EQ(ids({{}, {"*idle*", "*login*"}, {}, {}}),
              std::vector<std::string>{"imap-baseline.capability.imap4rev1"});
    EXPECT_EQ(ids({{}, {}, {"delivery"}, {}}),
              std::vector<std::string>{"imap-baseline.idle.exists"});
    EXPECT_TRUE(ids({{}, {}, {}, {"coi-server"}}).empty());
}

}  // namespace
}  // namespace coitest
