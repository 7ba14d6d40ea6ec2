#include "reports/write.hpp"

#include "reports/html.hpp"
#include "reports/json.hpp"
#include "reports/junit.hpp"
#include "reports/markdown.hpp"
#include "sample_run.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <fstream>
#include <sstream>

namespace coitest::reports {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class WriteReports : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("coitest-reports-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::vector<std::string> names(const fs::path& d) const {
        std::vector<std::string> out;
        for (const auto& e : fs::recursive_directory_iterator(d))
            out.push_back(fs::relative(e.path(), dir_).string());
        std::sort(out.begin(), out.end());
        return out;
    }

    fs::path dir_;
};

TEST_F(WriteReports, WritesEachWantedReportAndCreatesFolders) {
    const RunResult run = testing::full_run();
    const ReportPaths paths{dir_ / "a/b/junit.xml", dir_ / "results.json", dir_ / "c/report.html",
                            dir_ / "summary.md"};
    const auto r = write_reports(run, paths);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(slurp(paths.junit), render_junit(run));
    EXPECT_EQ(slurp(paths.json), render_json(run));
    EXPECT_EQ(slurp(paths.html), render_html(run));
    EXPECT_EQ(slurp(paths.markdown), render_markdown(run));
    // No temporary file is left behind.
    const std::vector<std::string> expected = {
        "a", "a/b", "a/b/junit.xml", "c", "c/report.html", "results.json", "summary.md"};
    EXPECT_EQ(names(dir_), expected);
}

TEST_F(WriteReports, EmptyPathsAreNotWritten) {
    ASSERT_TRUE(write_reports(testing::full_run(), {{}, dir_ / "only.json", {}, {}}));
    EXPECT_EQ(names(dir_), std::vector<std::string>{"only.json"});
    EXPECT_TRUE(write_reports(testing::full_run(), {}));
}

TEST_F(WriteReports, ReplacesAnExistingFile) {
    const fs::path p = dir_ / "junit.xml";
    std::ofstream(p) << "old contents that are longer than nothing";
    ASSERT_TRUE(write_reports(testing::empty_run(), {p, {}, {}, {}}));
    EXPECT_EQ(slurp(p), render_junit(testing::empty_run()));
}

TEST_F(WriteReports, OneFailureDoesNotStopTheOthers) {
    std::ofstream(dir_ / "file") << "x";  // a file where a folder is needed
    const ReportPaths paths{dir_ / "file/junit.xml", dir_ / "results.json", {}, dir_ / "sub"};
    fs::create_directories(dir_ / "sub");  // a folder where a file is wanted
    const auto r = write_reports(testing::full_run(), paths);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::io);
    EXPECT_NE(r.error().message.find("JUnit report not written: cannot create the folder"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("Markdown report not written"), std::string::npos);
    EXPECT_EQ(r.error().message.find("JSON report"), std::string::npos);
    EXPECT_EQ(slurp(paths.json), render_json(testing::full_run()));
    // The failed rename left neither a temporary file nor anything inside the folder.
    EXPECT_EQ(names(dir_), (std::vector<std::string>{"file", "results.json", "sub"}));
}

TEST_F(WriteReports, FolderPathIsAnError) {
    const auto r = write_file_atomically(dir_ / "", "x");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("names a folder"), std::string::npos);
}

TEST_F(WriteReports, UnwritableFolderIsAnError) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
    fs::create_directories(dir_ / "ro");
    fs::permissions(dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    const auto r = write_file_atomically(dir_ / "ro/x.xml", "x");
    fs::permissions(dir_ / "ro", fs::perms::owner_all);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cannot create a file in"), std::string::npos);
}

}  // namespace
}  // namespace coitest::reports
