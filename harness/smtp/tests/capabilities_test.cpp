#include "smtp/capabilities.hpp"

#include <gtest/gtest.h>

namespace coitest::smtp {
namespace {

Reply reply(int code, std::vector<std::string> lines) {
    Reply r;
    r.code = code;
    r.lines = std::move(lines);
    return r;
}

TEST(Capabilities, PostfixSubmission) {
    const auto caps = parse_capabilities(reply(
        250,
        {"mx.example.org", "PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS",
         "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"}));
    EXPECT_EQ(caps.domain, "mx.example.org");
    for (const char* k : {"PIPELINING", "pipelining", "StartTLS", "8BITMIME", "ENHANCEDSTATUSCODES",
                          "SMTPUTF8", "CHUNKING", "DSN"})
        EXPECT_TRUE(caps.has(k)) << k;
    EXPECT_FALSE(caps.has("BINARYMIME"));
    EXPECT_FALSE(caps.has("mx.example.org"));  // the first line is the domain, not a keyword
    ASSERT_TRUE(caps.size_limit());
    EXPECT_EQ(*caps.size_limit(), 10240000u);
    EXPECT_EQ(caps.auth_mechanisms(), (std::vector<std::string>{"PLAIN", "LOGIN"}));
    EXPECT_TRUE(caps.has_auth("login"));
    EXPECT_FALSE(caps.has_auth("CRAM-MD5"));
    EXPECT_TRUE(caps.malformed.empty());
}

TEST(Capabilities, DovecotLhlo) {
    const auto caps =
        parse_capabilities(reply(250, {"mail.example.org", "8BITMIME", "CHUNKING",
                                       "ENHANCEDSTATUSCODES", "PIPELINING", "STARTTLS"}));
    EXPECT_EQ(caps.domain, "mail.example.org");
    EXPECT_EQ(caps.extensions.size(), 5u);
    EXPECT_FALSE(caps.size_limit());  // SIZE not advertised
    EXPECT_TRUE(caps.auth_mechanisms().empty());
}

TEST(Capabilities, KeywordsAreCaseInsensitiveAndMechanismsUpperCased) {
    const auto caps = parse_capabilities(reply(250, {"x", "auth plain xoauth2", "size"}));
    EXPECT_TRUE(caps.has("AUTH"));
    EXPECT_EQ(caps.auth_mechanisms(), (std::vector<std::string>{"PLAIN", "XOAUTH2"}));
    ASSERT_TRUE(caps.params("Auth"));
    EXPECT_EQ(caps.params("Auth")->front(), "plain");               // parameters are kept as sent
    EXPECT_EQ(caps.size_limit(), std::optional<std::uint64_t>(0));  // SIZE alone: no fixed limit
}

TEST(Capabilities, UnparseableSizeIsNotALimit) {
    EXPECT_FALSE(parse_capabilities(reply(250, {"x", "SIZE ten"})).size_limit());
    EXPECT_FALSE(
        parse_capabilities(reply(250, {"x", "SIZE 99999999999999999999999"})).size_limit());
    EXPECT_EQ(parse_capabilities(reply(250, {"x", "SIZE 1"})).size_limit(),
              std::optional<std::uint64_t>(1));
}

TEST(Capabilities, LegacyAuthEqualsFormIsKeptApart) {
    const auto caps = parse_capabilities(reply(250, {"x", "AUTH=PLAIN LOGIN"}));
    EXPECT_TRUE(caps.has("AUTH="));
    EXPECT_FALSE(caps.has("AUTH"));
    EXPECT_TRUE(caps.auth_mechanisms().empty());
    EXPECT_EQ(*caps.params("AUTH="), (std::vector<std::string>{"PLAIN", "LOGIN"}));
    EXPECT_TRUE(caps.malformed.empty());
}

TEST(Capabilities, MalformedLinesAreCollected) {
    const auto caps = parse_capabilities(
        reply(250, {"x", "", "-DASH", "GOOD", "BAD_KEYWORD", "P a\x01b", "AUTH="}));
    EXPECT_EQ(caps.malformed.size(), 5u);
    EXPECT_EQ(caps.extensions.size(), 1u);
    EXPECT_TRUE(caps.has("GOOD"));
}

TEST(Capabilities, OnlyA250ReplyHasCapabilities) {
    EXPECT_TRUE(parse_capabilities(reply(502, {"5.5.1 EHLO not supported", "STARTTLS"}))
                    .extensions.empty());
    EXPECT_TRUE(parse_capabilities(reply(250, {"mx.example.org"})).extensions.empty());
    EXPECT_EQ(parse_capabilities(reply(250, {"mx.example.org greets you"})).domain,
              "mx.example.org");
}

}  // namespace
}  // namespace coitest::smtp
