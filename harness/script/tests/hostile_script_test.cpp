// Hostile scripts: each one must give a diagnostic at the right place, quickly and in bounded
// memory, never a crash or a hang.
#include "script/tests/memory_loader.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace coitest::script {
namespace {

using testing::all_errors;
using testing::header;
using testing::MemoryLoader;
using testing::parse_text;

const std::string kPrelude = header() +
                             "connect c1 as alice\n"
                             "judge rfc3501.capability.imap4rev1\n"
                             "judge rfc2177.idle.capability\n";  // the body starts on line 11

bool mentions(const ParseResult& r, std::string_view where, std::string_view what) {
    for (const auto& d : r.errors)
        if (d.str().rfind(where, 0) == 0 && d.message.find(what) != std::string::npos) return true;
    return false;
}

TEST(HostileScript, UnterminatedLiteral) {
    auto r = parse_text(kPrelude + "C: a APPEND INBOX {100}\nC: 12 bytes only\nS: a OK\n");
    EXPECT_TRUE(mentions(r, "t.coi:11:19:", "unterminated literal")) << all_errors(r);
    EXPECT_TRUE(mentions(r, "t.coi:11:19:", "announces 100 bytes")) << all_errors(r);
}

TEST(HostileScript, AbsurdLiteralSizes) {
    for (const std::string size : {"2000000", "18446744073709551615", "99999999999999999999999"}) {
        auto r = parse_text(kPrelude + "C: a APPEND INBOX {" + size + "}\nC: x\n");
        EXPECT_TRUE(mentions(r, "t.coi:11:19:", "more than 1048576 bytes")) << all_errors(r);
    }
    // A literal that ends between CR and LF.
    auto split = parse_text(kPrelude + "C: a APPEND INBOX {4}\nC: abc\nC: d\n");
    EXPECT_TRUE(mentions(split, "t.coi:12:", "between CR and LF")) << all_errors(split);
}

TEST(HostileScript, CatastrophicRegularExpression) {
    // Accepted (it is a valid pattern) and harmless: the engine is linear.
    auto ok = parse_text(kPrelude + "C: a NOOP\nS: a re\"(a+)+$\"\n");
    EXPECT_TRUE(ok.ok()) << all_errors(ok);
    // Too large once expanded: refused at parse time, at its column.
    auto bomb = parse_text(kPrelude + "C: a NOOP\nS: a re\"((a{50}){50}){50}\"\n");
    EXPECT_TRUE(mentions(bomb, "t.coi:12:6:", "instructions")) << all_errors(bomb);
    auto longer = parse_text(kPrelude + "C: a NOOP\nS: a re\"" + std::string(400, 'x') + "\"\n");
    EXPECT_TRUE(mentions(longer, "t.coi:12:6:", "bytes long")) << all_errors(longer);
}

TEST(HostileScript, IncludeCycles) {
    MemoryLoader loader;
    loader.files["lib/a.coi"] = "include lib/b.coi\n";
    loader.files["lib/b.coi"] = "include lib/a.coi\n";
    loader.files["lib/self.coi"] = "C: . NOOP\ninclude lib/self.coi\n";
    auto r = parse_text(kPrelude + "include lib/a.coi\n", loader);
    EXPECT_TRUE(mentions(r, "lib/b.coi:1:9:", "include cycle")) << all_errors(r);
    auto self = parse_text(kPrelude + "include lib/self.coi\n", loader);
    EXPECT_TRUE(mentions(self, "lib/self.coi:2:9:", "include cycle")) << all_errors(self);
}

TEST(HostileScript, DeepIncludesStop) {
    MemoryLoader loader;
    for (int i = 0; i < 20; ++i)
        loader.files["lib/" + std::to_string(i) + ".coi"] =
            "include lib/" + std::to_string(i + 1) + ".coi\n";
    auto r = parse_text(kPrelude + "include lib/0.coi\n", loader);
    EXPECT_TRUE(mentions(r, "lib/7.coi:1:9:", "nest deeper than 8")) << all_errors(r);
}

TEST(HostileScript, TenMegabyteLine) {
    const std::string line(10 * 1024 * 1024, 'x');
    const auto start = std::chrono::steady_clock::now();
    auto r = parse_text(kPrelude + "C: a " + line + "\nS: a OK\n");
    EXPECT_TRUE(mentions(r, "t.coi:11:16385:", "the limit is 16384"))
        << all_errors(r).substr(0, 500);
    // The file is also too large as a whole.
    EXPECT_TRUE(mentions(r, "t.coi:1:1:", "the limit is 1048576")) << all_errors(r).substr(0, 500);
    RecordProperty(
        "seconds",
        std::to_string(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
}

TEST(HostileScript, ManyErrorsStopAtTheCap) {
    std::string many = kPrelude;
    for (int i = 0; i < 10000; ++i) many += "bogus\n";
    auto r = parse_text(many);
    EXPECT_EQ(r.errors.size(), 51u);  // 50 and "stopping here"
    EXPECT_NE(r.errors.back().message.find("stopping here"), std::string::npos);
}

TEST(HostileScript, DeepNestingAndBigRepeats) {
    std::string deep = kPrelude;
    for (int i = 0; i < 100; ++i) deep += "if tls\n";
    auto r = parse_text(deep);
    EXPECT_TRUE(mentions(r, "t.coi:27:1:", "nest deeper than 16")) << all_errors(r).substr(0, 800);
    auto big = parse_text(kPrelude + "repeat 100000000\nend\n");
    EXPECT_TRUE(mentions(big, "t.coi:11:8:", "from 1 to 100000")) << all_errors(big);
    std::string parens = kPrelude + "C: a NOOP\nS: * LIST " + std::string(5000, '(') + "\n";
    auto p = parse_text(parens);
    EXPECT_TRUE(mentions(p, "t.coi:12:", "nest deeper than 32")) << all_errors(p).substr(0, 800);
}

TEST(HostileScript, BrokenBlocksNestedInBrokenBlocks) {
    // Found by the fuzzer: statements under a broken `if`/`repeat` line, around a valid `if`
    // whose `else` comes after them, once reused freed memory.
    std::string text = kPrelude + "if nonsense\n  if tls\n    repeat -1\n";
    for (int i = 0; i < 64; ++i) text += "      C: a NOOP\n";
    text += "    end\n  else\n    C: b NOOP\n  end\nend\n";
    auto r = parse_text(text);
    ASSERT_EQ(r.errors.size(), 2u) << all_errors(r);
    EXPECT_TRUE(mentions(r, "t.coi:11:4:", "expected a condition")) << all_errors(r);
    EXPECT_TRUE(mentions(r, "t.coi:13:12:", "'repeat' needs a count")) << all_errors(r);
}

TEST(HostileScript, BinaryGarbage) {
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) % 256);
    auto r = parse_text(junk);
    EXPECT_FALSE(r.ok());
    ASSERT_NE(r.script, nullptr);
}

}  // namespace
}  // namespace coitest::script
