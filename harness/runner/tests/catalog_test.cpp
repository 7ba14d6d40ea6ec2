#include "runner/catalog.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace coitest {
namespace {

constexpr const char* kValid = R"(
spec = "RFC 3501"
side = "server"

[[requirement]]
id = "rfc3501.capability.imap4rev1"
section = "7.2.1"
level = "MUST"
summary = "CAPABILITY lists IMAP4rev1."

[[requirement]]
id = "coi-server.capability.after-login"
spec = "coi/coi-server-spec.md"
section = "2"
line = 42
level = "SHOULD NOT"
summary = "Ünïcode inside strings is fine."
)";

TEST(Catalog, ParsesEntriesWithFileDefaults) {
    auto c = Catalog::parse(kValid, "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->all().size(), 2u);
    const auto* r = c->find("rfc3501.capability.imap4rev1");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->spec, "RFC 3501");
    EXPECT_EQ(r->side, "server");
    EXPECT_EQ(r->level, Level::must);
    const auto* s = c->find("coi-server.capability.after-login");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->spec, "coi/coi-server-spec.md");
    EXPECT_EQ(s->line, 42);
    EXPECT_EQ(s->level, Level::should_not);
    EXPECT_EQ(c->find("nope"), nullptr);
}

struct BadCatalog {
    const char* text;
    const char* expect_in_message;
};

TEST(Catalog, RejectsMistakesWithFileAndLine) {
    const BadCatalog cases[] = {
        {"[[requirement]]\nid = \"a.b\"\nspec=\"x\"\nlevel = \"MUST\"\nsummary = \"s\"\nsumary = "
         "\"t\"\n",
         "t.toml:6: unknown key 'sumary'"},
        {"[[requirement]]\nid = \"a.b\"\nspec=\"x\"\nlevel = \"must\"\nsummary = \"s\"\n",
         "level 'must'"},
        {"[[requirement]]\nid = \"a.b\"\nspec=\"x\"\nlevel = \"MUST\"\nsummary = \"s\"\n"
         "[[requirement]]\nid = \"a.b\"\nspec=\"x\"\nlevel = \"MUST\"\nsummary = \"s\"\n",
         "defined twice"},
        {"[[requirement]]\nid = \"A B\"\nspec=\"x\"\nlevel = \"MUST\"\nsummary = \"s\"\n",
         "may hold only"},
        {"[[requirement]]\nid = \"a.b\"\nlevel = \"MUST\"\nsummary = \"s\"\n", "names no spec"},
        {"[[requirement]]\nid = \"a.b\"\nspec=\"x\"\nlevel = \"MUST\"\n", "has no summary"},
        {"spec = \"x\"\n\xff\xfe\n", "not valid UTF-8"},
        {"spec = \"x\" # caf\xc3\xa9\n", "only allowed inside quoted strings"},
        {"spec = \"x\x01\"\n", "control character"},
        {"spec = \n", "t.toml:1:"},
    };
    for (const auto& bad : cases) {
        auto c = Catalog::parse(bad.text, "t.toml");
        ASSERT_FALSE(c) << bad.text;
        EXPECT_NE(c.error().message.find(bad.expect_in_message), std::string::npos)
            << c.error().message;
    }
}

TEST(Catalog, TheShippedCatalogLoads) {
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    ASSERT_NE(root, nullptr);
    auto c = Catalog::load(std::string(root) + "/suites/requirements");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_GT(c->all().size(), 5u);
}

TEST(Catalog, MissingFolderIsAConfigError) {
    auto c = Catalog::load("/nonexistent/requirements");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::config);
}

}  // namespace
}  // namespace coitest
