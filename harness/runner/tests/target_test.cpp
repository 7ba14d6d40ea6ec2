#include "runner/target.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace coitest {
namespace {

namespace fs = std::filesystem;

class TargetFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("coitest-target-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        write("alice.pass", "s3cret\n");
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
        return dir_ / name;
    }
    Result<Target> load(const std::string& text, const TargetFlags& flags = {}) {
        return load_target(write("target.toml", text), flags);
    }
    fs::path dir_;
};

constexpr const char* kTarget = R"(
name = "private dovecot"
profiles = ["imap-baseline"]
[imap]
url = "imap+starttls://127.0.0.1:14143"
[deliver]
url = "lmtp://127.0.0.1:14024"
[tls]
ca_file = "ca.pem"
[[account]]
address = "alice@example.org"
password_file = "alice.pass"
)";

TEST_F(TargetFile, LoadsEndpointsAccountsAndRelativePaths) {
    auto t = load(kTarget);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->name, "private dovecot");
    ASSERT_TRUE(t->imap);
    EXPECT_EQ(t->imap->security, net::Security::starttls);
    EXPECT_EQ(t->delivery.kind, DeliveryKind::lmtp);
    EXPECT_EQ(t->tls.ca_file, (dir_ / "ca.pem").string());
    ASSERT_EQ(t->accounts.size(), 1u);
    EXPECT_EQ(t->accounts[0].login, "alice@example.org");
    EXPECT_EQ(t->accounts[0].password, "s3cret");
    EXPECT_TRUE(t->claims("imap-baseline"));
    EXPECT_EQ(t->describe().find("s3cret"), std::string::npos);
}

TEST_F(TargetFile, FlagsOverrideTheFile) {
    TargetFlags f;
    f.imap = "imaps://127.0.0.1:14993";
    f.profiles = {"coi-server"};
    f.insecure = true;
    auto t = load(kTarget, f);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->imap->security, net::Security::tls);
    EXPECT_TRUE(t->claims("coi-server"));
    EXPECT_FALSE(t->claims("imap-baseline"));
    EXPECT_TRUE(t->tls.insecure);
}

TEST_F(TargetFile, PasswordFromTheEnvironment) {
    ::setenv("COITEST_TEST_PW", "from-env", 1);
    auto t = load(
        "[imap]\nurl = \"imap://h\"\n[[account]]\naddress = \"a@b\"\npassword_env = "
        "\"COITEST_TEST_PW\"\n");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->accounts[0].password, "from-env");
}

TEST_F(TargetFile, BadInputGetsOneClearSentence) {
    const std::pair<std::string, std::string> cases[] = {
        {"[imap]\nurl = \"imap://h\"\nport = 3\n", "unknown key 'port'"},
        {"[imap]\nurl = \"pop3://h\"\n", "unknown scheme 'pop3'"},
        {"[imap]\nurl = \"smtp://h\"\n", "is not an imap URL"},
        {"[imap]\nurl = \"imap://h\"\n[[account]]\naddress = \"a@b\"\npassword_file = "
         "\"nope.pass\"\n",
         "does not exist"},
        {"[imap]\nurl = \"imap://h\"\n[[account]]\naddress = \"a@b\"\npassword = \"x\"\n",
         "never go inline"},
        {"[imap]\nurl = \"imap://h\"\n[[account]]\naddress = \"a@b\"\npassword_env = "
         "\"COITEST_UNSET_VAR\"\n",
         "COITEST_UNSET_VAR"},
        {"\x7f"
         "ELF\x02\x01\x01\0\0\0",
         "binary"},
        {"name = \"\xc3\x28\"\n", "not valid UTF-8"},
        {"name = \"x\"\n", "no IMAP endpoint"},
        {"[imap\nurl = 1", "target.toml:1:"},
    };
    for (const auto& [text, expected] : cases) {
        auto t = load(text);
        ASSERT_FALSE(t) << text;
        EXPECT_NE(t.error().message.find(expected), std::string::npos) << t.error().message;
        EXPECT_EQ(t.error().message.find('\n'), std::string::npos)
            << "one line: " << t.error().message;
    }
}

TEST_F(TargetFile, MissingFileAndBadFlags) {
    auto missing = load_target(dir_ / "none.toml", {});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);

    TargetFlags f;
    f.imap = "imap://127.0.0.1:143";
    f.accounts = {"alice@example.org"};
    auto bad_account = load_target(std::nullopt, f);
    ASSERT_FALSE(bad_account);
    EXPECT_NE(bad_account.error().message.find("ADDRESS:PASSWORD_FILE"), std::string::npos);

    f.accounts = {"alice@example.org:" + (dir_ / "alice.pass").string()};
    auto ok = load_target(std::nullopt, f);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->accounts[0].password, "s3cret");
    EXPECT_EQ(ok->profiles, std::vector<std::string>{"imap-baseline"});
}

}  // namespace
}  // namespace coitest
