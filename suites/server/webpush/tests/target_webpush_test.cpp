// The [webpush] section of a target file (docs/target.md): parsed, relative paths resolved
// against the file, mistakes named.
#include "runner/target.hpp"

#include <gmock/gmock.h>

namespace coitest {
namespace {

using ::testing::HasSubstr;

TEST(TargetWebPush, SectionIsParsedWithPathsRelativeToTheFile) {
    auto t = parse_target(R"(
[webpush]
ca_cert = "push-ca.pem"
ca_key = "/abs/push-ca.key"
listen = "0.0.0.0"
host = "coitest.example.net"
)",
                          "/etc/coitest/target.toml");
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_TRUE(t->webpush);
    EXPECT_EQ(t->webpush->ca_cert_file, "/etc/coitest/push-ca.pem");
    EXPECT_EQ(t->webpush->ca_key_file, "/abs/push-ca.key");
    EXPECT_EQ(t->webpush->listen, "0.0.0.0");
    EXPECT_EQ(t->webpush->host, "coitest.example.net");

    auto defaults = parse_target("[webpush]\nca_cert = \"a.pem\"\nca_key = \"a.key\"\n", "t.toml");
    ASSERT_TRUE(defaults) << defaults.error().message;
    EXPECT_EQ(defaults->webpush->listen, "127.0.0.1");
    EXPECT_EQ(defaults->webpush->host, "");

    auto none = parse_target("name = \"x\"\n", "t.toml");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->webpush);
}

TEST(TargetWebPush, MistakesAreNamed) {
    auto missing_key = parse_target("[webpush]\nca_cert = \"a.pem\"\n", "t.toml");
    ASSERT_FALSE(missing_key);
    EXPECT_THAT(missing_key.error().message, HasSubstr("[webpush] needs ca_cert"));

    auto typo =
        parse_target("[webpush]\nca_cert = \"a\"\nca_key = \"b\"\ncakey = \"c\"\n", "t.toml");
    ASSERT_FALSE(typo);
    EXPECT_THAT(typo.error().message, HasSubstr("cakey"));

    auto not_table = parse_target("webpush = 1\n", "t.toml");
    ASSERT_FALSE(not_table);
    EXPECT_THAT(not_table.error().message, HasSubstr("[webpush] must be a table"));
}

}  // namespace
}  // namespace coitest
