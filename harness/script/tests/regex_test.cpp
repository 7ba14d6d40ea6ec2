// The linear-time regex engine: what it accepts, what it refuses, and that hostile patterns
// finish at once.
#include "script/regex.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace coitest::script {
namespace {

bool full(std::string_view pattern, std::string_view text, bool icase = false) {
    auto r = Regex::compile(pattern, icase);
    EXPECT_TRUE(r) << pattern << ": " << (r ? "" : r.error().message);
    return r && r->full_match(text);
}

TEST(Regex, LiteralsAndWholeTextMatching) {
    EXPECT_TRUE(full("OK", "OK"));
    EXPECT_FALSE(full("OK", "OKAY"));  // whole text, not a search
    EXPECT_FALSE(full("OK", "ok"));
    EXPECT_TRUE(full("OK", "ok", true));
    EXPECT_TRUE(full("", ""));
    EXPECT_FALSE(full("", "x"));
}

TEST(Regex, AlternationClassesAndQuantifiers) {
    EXPECT_TRUE(full("NO|BAD", "BAD"));
    EXPECT_FALSE(full("NO|BAD", "OK"));
    EXPECT_TRUE(full("\\d+", "4294967295"));
    EXPECT_FALSE(full("\\d+", "12a"));
    EXPECT_TRUE(full("[a-f0-9]{8}-[a-f0-9]{4}", "deadbeef-0a1b"));
    EXPECT_FALSE(full("[a-f0-9]{8}", "deadbee"));
    EXPECT_TRUE(full("chat\\$[^@]+@.*", "chat$group.abc@example.org"));
    EXPECT_TRUE(full("(?:ab)*c?", "ababab"));
    EXPECT_TRUE(full("a{2,3}", "aaa"));
    EXPECT_FALSE(full("a{2,3}", "aaaa"));
    EXPECT_TRUE(full("a{2,}", "aaaaaa"));
    EXPECT_TRUE(full("^yes$", "yes"));
    EXPECT_TRUE(full("\\w+\\s\\S", "ab_9 x"));
    EXPECT_TRUE(full("[^\\r\\n]*", "no line breaks"));
    EXPECT_FALSE(full("[^\\r\\n]*", "a\r\nb"));
    EXPECT_TRUE(full("x*?", "xxx"));  // lazy quantifiers are accepted
}

TEST(Regex, RefusesWhatItCannotDo) {
    for (std::string_view bad :
         {"(", "a)", "[a-", "*a", "a**", "a{3,1}", "\\k", "(?=a)", "a^", "$a", "\\"}) {
        auto r = Regex::compile(bad);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_NE(r.error().message.find("offset"), std::string::npos) << r.error().message;
        }
    }
}

TEST(Regex, LimitsPatternSizeAndExpansion) {
    EXPECT_FALSE(Regex::compile(std::string(300, 'a')));
    auto bomb = Regex::compile("((a{100}){100}){100}");
    ASSERT_FALSE(bomb);
    EXPECT_NE(bomb.error().message.find("instructions"), std::string::npos);
    EXPECT_FALSE(Regex::compile("a{1000}"));
    EXPECT_FALSE(Regex::compile(std::string(40, '(') + "a" + std::string(40, ')')));
}

TEST(Regex, CatastrophicPatternsRunInLinearTime) {
    // Each of these takes exponential time in a backtracking engine on this input.
    const std::string text = std::string(5000, 'a') + "!";
    const auto start = std::chrono::steady_clock::now();
    for (std::string_view p : {"(a+)+", "(a*)*b", "(a|a)*", "(a|aa)+$", "(.*a){20}"}) {
        auto r = Regex::compile(p);
        ASSERT_TRUE(r) << p;
        EXPECT_FALSE(r->full_match(text)) << p;
    }
    // And a match that needs the whole input still succeeds.
    EXPECT_TRUE(Regex::compile("(a+)+!")->full_match(text));
    // Not a timing assertion: it only tells "linear" from "hung" in the failure message.
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RecordProperty("seconds", std::to_string(s));
}

}  // namespace
}  // namespace coitest::script
