// Inputs: mbox splitting, Maildir, stdin and every kind of bad input as one clear line.
#include "message/sources.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace coitest::message {
namespace {

namespace fs = std::filesystem;

struct Collected {
    std::vector<InputMessage> messages;
    std::vector<InputError> errors;
};

Collected read(std::string_view arg, std::istream& in, InputLimits limits = {}) {
    Collected c;
    read_input(
        arg, limits, [&](InputMessage&& m) { c.messages.push_back(std::move(m)); },
        [&](InputError&& e) { c.errors.push_back(std::move(e)); }, in);
    return c;
}

class TempDir {
  public:
    TempDir()
        : path_(fs::temp_directory_path() /
                ("coitest-src-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }
    void write(const std::string& name, const std::string& data) const {
        fs::create_directories((path_ / name).parent_path());
        std::ofstream(path_ / name, std::ios::binary) << data;
    }

  private:
    static inline int counter_ = 0;
    fs::path path_;
};

TEST(Mbox, SplitsAndUnquotes) {
    std::string mbox =
        "From a@b Mon Jan 1 00:00:00 2024\nSubject: 1\n\n>From here\n\nFrom c@d Mon Jan 1 00:00:00 "
        "2024\n"
        "Subject: 2\n\nbody\n";
    auto parts = split_mbox(mbox);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(unquote_mbox_from(parts[0]), "Subject: 1\n\nFrom here\n");
    EXPECT_EQ(parts[1], "Subject: 2\n\nbody\n");
    EXPECT_EQ(split_mbox("Subject: x\n\ny").size(), 1u);
}

TEST(Sources, ReadsFilesMboxAndMaildir) {
    TempDir dir;
    dir.write("a.eml", "Subject: a\n\nx\n");
    dir.write("box.mbox",
              "From x Mon Jan 1 00:00:00 2024\nSubject: 1\n\n\nFrom y Mon Jan 1 00:00:00 "
              "2024\nSubject: 2\n\n");
    dir.write("md/cur/2.eml:2,S", "Subject: c\n\n");
    dir.write("md/new/1.eml", "Subject: n\n\n");
    fs::create_directories(dir.path() / "md/tmp");
    std::istringstream none;
    auto a = read((dir.path() / "a.eml").string(), none);
    ASSERT_EQ(a.messages.size(), 1u);
    auto box = read((dir.path() / "box.mbox").string(), none);
    ASSERT_EQ(box.messages.size(), 2u);
    EXPECT_NE(box.messages[1].label.find("#2"), std::string::npos);
    auto md = read((dir.path() / "md").string(), none);
    ASSERT_EQ(md.messages.size(), 2u);
    EXPECT_TRUE(md.errors.empty());
    EXPECT_NE(md.messages[0].label.find("/cur/"), std::string::npos);
}

TEST(Sources, BadInputsAreOneLineErrors) {
    TempDir dir;
    dir.write("empty.eml", "");
    dir.write("plain/readme.txt", "x");
    dir.write("big.eml", std::string(3000, 'a'));
    std::istringstream empty_stdin;
    InputLimits small;
    small.max_message_bytes = 1000;
    struct Case {
        std::string arg;
        std::string words;
    };
    for (const auto& c : {Case{(dir.path() / "missing.eml").string(), "no such file"},
                          Case{(dir.path() / "empty.eml").string(), "empty"},
                          Case{(dir.path() / "plain").string(), "not a Maildir"},
                          Case{(dir.path() / "big.eml").string(), "above the lint limit"},
                          Case{"-", "standard input is empty"}}) {
        std::istringstream in;
        auto r = read(c.arg, in, small);
        EXPECT_TRUE(r.messages.empty()) << c.arg;
        ASSERT_EQ(r.errors.size(), 1u) << c.arg;
        EXPECT_NE(r.errors[0].message.find(c.words), std::string::npos) << r.errors[0].message;
        EXPECT_EQ(r.errors[0].message.find('\n'), std::string::npos) << "one line";
    }
}

TEST(Sources, StdinMessage) {
    std::istringstream in("Subject: s\n\nbody\n");
    auto r = read("-", in);
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].label, "<stdin>");
}

}  // namespace
}  // namespace coitest::message
