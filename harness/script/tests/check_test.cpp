// check-scripts: the repository's scripts are valid, and a broken one is caught with file:line.
#include "script/check.hpp"
#include "script/loader.hpp"
#include "script/register.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace coitest::script {
namespace {

namespace fs = std::filesystem;

fs::path source_root() {
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    return root ? fs::path(root) : fs::current_path();
}

Catalog catalog() {
    return Catalog::load(source_root() / "suites/requirements").value();
}

std::string problems(const CheckReport& r) {
    std::string out;
    for (const auto& d : r.problems) out += d.str() + "\n";
    return out;
}

fs::path temp_dir(const std::string& name) {
    const fs::path dir = fs::path(::testing::TempDir()) / ("coitest-check-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir / "lib");
    return dir;
}

void write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

const std::string kGood =
    "test: imap-baseline.check.good\n"
    "title: A good script\n"
    "classname: rfc3501.7.2.1\n"
    "profile: imap-baseline\n"
    "requirement: rfc3501.capability.imap4rev1 MUST\n"
    "connect c1\n"
    "judge rfc3501.capability.imap4rev1\n"
    "include lib/capability.coi\n";

TEST(CheckScripts, TheRepositoryScriptsAreValid) {
    const auto cat = catalog();
    auto r = check_scripts(source_root() / "suites/server/scripts", &cat);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->problems.empty()) << problems(*r);
    EXPECT_GE(r->scripts, 10u);
    EXPECT_GE(r->snippets, 1u);
}

TEST(CheckScripts, CatchesCatalogMismatches) {
    const fs::path dir = temp_dir("catalog");
    write(dir / "lib/capability.coi",
          "C: . CAPABILITY\nS: * CAPABILITY ... IMAP4rev1 ...\nS: . OK\n");
    write(dir / "good.coi", kGood);
    std::string wrong_level = kGood;
    wrong_level.replace(wrong_level.find("check.good"), 10, "check.level");
    wrong_level.replace(wrong_level.find("imap4rev1 MUST"), 14, "imap4rev1 SHOULD");
    write(dir / "level.coi", wrong_level);
    std::string unknown = kGood;
    unknown.replace(unknown.find("check.good"), 10, "check.unknwn");
    unknown.replace(unknown.find("profile: imap-baseline"), 22, "profile: imap-basline");
    unknown.insert(unknown.find("connect"), "requirement: rfc3501.no-such-thing MUST\n");
    unknown += "judge rfc3501.no-such-thing\nrequirement: rfc3501.too.late MUST\n";
    write(dir / "unknown.coi", unknown);
    write(dir / "dup.coi", kGood);

    const auto cat = catalog();
    auto r = check_scripts(dir, &cat);
    ASSERT_TRUE(r) << r.error().message;
    const std::string all = problems(*r);
    EXPECT_EQ(r->scripts, 4u);
    EXPECT_EQ(r->snippets, 1u);
    EXPECT_NE(all.find("level.coi:5:14: requirement rfc3501.capability.imap4rev1 is MUST in the "
                       "catalog, not SHOULD"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("unknown profile 'imap-basline'"), std::string::npos) << all;
    EXPECT_NE(all.find("test ID imap-baseline.check.good is also used by"), std::string::npos)
        << all;
    EXPECT_NE(all.find("unknown.coi:6:14: requirement rfc3501.no-such-thing is not in the "
                       "catalog"),
              std::string::npos)
        << all;
    // A header line after the body started is itself a problem, at its line.
    EXPECT_NE(all.find("unknown.coi:11:1: header 'requirement:' after the first statement"),
              std::string::npos)
        << all;
}

TEST(CheckScripts, RunReportsFileLineAndExitCode) {
    const fs::path dir = temp_dir("run");
    write(dir / "lib/capability.coi",
          "C: . CAPABILITY\nS: * CAPABILITY ... IMAP4rev1 ...\nS: . OK\n");
    write(dir / "good.coi", kGood);
    std::ostringstream out, err;
    CheckScriptsOptions o;
    o.path = dir.string();
    o.catalog = (source_root() / "suites/requirements").string();
    EXPECT_EQ(run_check_scripts(o, out, err), 0) << out.str() << err.str();
    EXPECT_NE(err.str().find("1 script and 1 snippet checked, 0 problems"), std::string::npos)
        << err.str();

    write(dir / "broken.coi", kGood + "S: a MAYBE\n");
    std::ostringstream out2, err2;
    EXPECT_EQ(run_check_scripts(o, out2, err2), 1);
    EXPECT_NE(out2.str().find("broken.coi:9:6: error: 'MAYBE' is not a status"), std::string::npos)
        << out2.str();

    o.path = (dir / "nothing-here").string();
    std::ostringstream out3, err3;
    EXPECT_EQ(run_check_scripts(o, out3, err3), 2);
}

TEST(RegisterScripts, MalformedScriptsBecomeErrorTests) {
    const fs::path dir = temp_dir("register");
    write(dir / "lib/capability.coi",
          "C: . CAPABILITY\nS: * CAPABILITY ... IMAP4rev1 ...\nS: . OK\n");
    write(dir / "good.coi", kGood);
    write(dir / "broken.coi",
          "test: imap-baseline.check.broken\ntitle: broken\n"
          "classname: rfc3501.7.2.1\nprofile: imap-baseline\n"
          "requirement: rfc3501.capability.imap4rev1 MUST\n"
          "connect c1\njudge rfc3501.capability.imap4rev1\nC: a NOOP\n"
          "S: a MAYBE\n");
    write(dir / "hopeless.coi", "\x01\x02 nothing useful\n");
    Registry registry;
    std::vector<Error> errors;
    register_script_suites(registry, dir, errors);
    ASSERT_EQ(registry.all().size(), 2u);
    const TestCase& broken = registry.all()[0];
    EXPECT_EQ(broken.id, "imap-baseline.check.broken");
    EXPECT_NE(std::find(broken.tags.begin(), broken.tags.end(), "malformed-script"),
              broken.tags.end());
    EXPECT_EQ(registry.all()[1].id, "imap-baseline.check.good");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("hopeless.coi: not registered"), std::string::npos)
        << errors[0].message;
    EXPECT_TRUE(registry.validate(catalog())) << registry.validate(catalog()).error().message;
}

}  // namespace
}  // namespace coitest::script
