#include "script/template.hpp"

#include <gtest/gtest.h>

#include <map>

namespace coitest::script {
namespace {

const Lookup& vars() {
    static const std::map<std::string, std::string, std::less<>> values{
        {"user", "alice@example.org"},
        {"spaced", "two words"},
        {"crlf", "line one\r\nline two"},
        {"json", "{\"a\":1}"}};
    static const Lookup look = [](std::string_view n) -> const std::string* {
        auto it = values.find(n);
        return it == values.end() ? nullptr : &it->second;
    };
    return look;
}

std::string one(std::string_view text) {
    auto t = parse_template(text);
    EXPECT_TRUE(t) << text;
    auto v = expand(*t, vars());
    EXPECT_TRUE(v) << text << ": " << (v ? "" : v.error().message);
    return v ? *v : std::string();
}

TEST(Template, SubstitutesAndKeepsLoneDollars) {
    EXPECT_EQ(one("LOGIN ${user} x"), "LOGIN alice@example.org x");
    EXPECT_EQ(one("STORE 1 +FLAGS ($Chat)"), "STORE 1 +FLAGS ($Chat)");
    EXPECT_EQ(one("chat$${user}"), "chat$alice@example.org");
    EXPECT_EQ(one("cost: ${$}{user}"), "cost: ${user}");
    EXPECT_EQ(one("${spaced:astring}"), "\"two words\"");
    EXPECT_EQ(one("${user:astring}"), "alice@example.org");
    EXPECT_EQ(one("${json:quoted}"), "\"{\\\"a\\\":1}\"");
    EXPECT_EQ(one("${user:length}"), "17");
    EXPECT_EQ(one("${user:base64}"), "YWxpY2VAZXhhbXBsZS5vcmc=");
}

TEST(Template, LiteralsOnlyAsParts) {
    auto t = parse_template("SETMETADATA \"\" (/x ${crlf:astring})");
    ASSERT_TRUE(t);
    auto parts = expand_parts(*t, vars());
    ASSERT_TRUE(parts);
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ((*parts)[0].text, "SETMETADATA \"\" (/x ");
    EXPECT_TRUE((*parts)[1].literal);
    EXPECT_FALSE((*parts)[1].non_sync);
    EXPECT_EQ((*parts)[1].text, "line one\r\nline two");
    EXPECT_EQ((*parts)[2].text, ")");
    EXPECT_FALSE(expand(*t, vars()));  // one string cannot hold a literal
    auto plus = parse_template("${json:literal+}");
    ASSERT_TRUE(plus);
    auto p2 = expand_parts(*plus, vars());
    ASSERT_TRUE(p2);
    EXPECT_TRUE((*p2)[0].non_sync);
}

TEST(Template, Errors) {
    auto unclosed = parse_template("abc ${user", 10);
    ASSERT_FALSE(unclosed);
    EXPECT_EQ(unclosed.error().col, 14);
    EXPECT_FALSE(parse_template("${1x}"));
    EXPECT_FALSE(parse_template("${x:shout}"));
    auto t = parse_template("${nobody}");
    ASSERT_TRUE(t);
    EXPECT_FALSE(expand(*t, vars()));
    auto q = parse_template("${crlf:quoted}");
    ASSERT_TRUE(q);
    EXPECT_FALSE(expand(*q, vars()));  // CRLF cannot be quoted
}

TEST(Template, Base64) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode(std::string("\0alice\0pw", 9)), "AGFsaWNlAHB3");
}

}  // namespace
}  // namespace coitest::script
