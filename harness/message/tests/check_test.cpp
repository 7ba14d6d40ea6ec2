// Findings take their verdict from the catalog level, never from the check.
#include "message/check.hpp"

#include <gtest/gtest.h>

#include <map>

namespace coitest::message {
namespace {

std::map<std::string, Requirement, std::less<>> kReqs = {
    {"x.must", {"x.must", "X", "1", 1, Level::must, "message", "m"}},
    {"x.should", {"x.should", "X", "1", 2, Level::should, "message", "s"}},
    {"x.may", {"x.may", "X", "1", 3, Level::may, "message", "y"}},
};

RequirementLookup lookup() {
    return [](std::string_view id) -> const Requirement* {
        auto it = kReqs.find(id);
        return it == kReqs.end() ? nullptr : &it->second;
    };
}

TEST(Findings, VerdictFollowsLevel) {
    Findings f(lookup());
    f.unmet("x.must", "From", "one", "two");
    f.unmet("x.should", "Subject", "a", "b");
    f.chose("x.may", "body", "chosen");
    f.judge(true, "x.must", "Date", "e", "breach text");
    ASSERT_EQ(f.items().size(), 4u);
    EXPECT_EQ(f.items()[0].verdict, Verdict::fail);
    EXPECT_EQ(f.items()[0].expected, "one");
    EXPECT_EQ(f.items()[1].verdict, Verdict::warn);
    EXPECT_EQ(f.items()[2].verdict, Verdict::info);
    EXPECT_EQ(f.items()[3].verdict, Verdict::pass);
    EXPECT_TRUE(f.items()[3].seen.empty()) << "a pass must not carry the breach description";
    EXPECT_EQ(overall_verdict(f.items()), Verdict::fail);
}

TEST(Findings, UnknownRequirementIsAnError) {
    Findings f(lookup());
    f.pass("not.in.catalog", "x");
    ASSERT_EQ(f.items().size(), 1u);
    EXPECT_EQ(f.items()[0].verdict, Verdict::error);
    EXPECT_EQ(f.unknown_ids(), std::vector<std::string>{"not.in.catalog"});
}

TEST(Findings, PrefixMarksTheLayer) {
    Findings f(lookup());
    f.set_where_prefix("[inner] ");
    f.pass("x.must", "Subject");
    f.pass("x.must", "[outer] From");
    EXPECT_EQ(f.items()[0].where, "[inner] Subject");
    EXPECT_EQ(f.items()[1].where, "[outer] From");
    Findings none(lookup());
    none.not_applicable("x.must", "content", "encrypted");
    EXPECT_EQ(overall_verdict(none.items()), Verdict::not_applicable);
}

}  // namespace
}  // namespace coitest::message
