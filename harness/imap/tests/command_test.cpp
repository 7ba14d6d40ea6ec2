// Command encoding: tags, atom/quoted/literal choice, LITERAL+/LITERAL-, parts and redaction.
#include "imap/command.hpp"

#include <gtest/gtest.h>

namespace coitest::imap {
namespace {

TEST(ImapCommand, TagsCountUp) {
    TagGenerator tags;
    EXPECT_EQ(tags.next(), "a001");
    EXPECT_EQ(tags.next(), "a002");
    for (int i = 0; i < 997; ++i) tags.next();
    EXPECT_EQ(tags.next(), "a1000");
    TagGenerator other("x");
    EXPECT_EQ(other.next(), "x001");
}

TEST(ImapCommand, StringFormChoice) {
    EXPECT_EQ(astring_form("INBOX"), StringForm::atom);
    EXPECT_EQ(astring_form("a]b"), StringForm::atom);  // "]" is an ASTRING-CHAR
    EXPECT_EQ(astring_form(""), StringForm::quoted);
    EXPECT_EQ(astring_form("two words"), StringForm::quoted);
    EXPECT_EQ(astring_form("a\"b"), StringForm::quoted);
    EXPECT_EQ(astring_form("a\\b"), StringForm::quoted);
    EXPECT_EQ(astring_form("a(b"), StringForm::quoted);
    EXPECT_EQ(astring_form("a{b"), StringForm::quoted);
    EXPECT_EQ(astring_form("50%"), StringForm::quoted);
    EXPECT_EQ(astring_form("*"), StringForm::quoted);
    EXPECT_EQ(astring_form("line\r\nbreak"), StringForm::literal);
    EXPECT_EQ(astring_form(std::string("nul\0", 4)), StringForm::literal);
    EXPECT_EQ(astring_form("Gr\xc3\xbc\xc3\x9f"), StringForm::literal);          // 8-bit
    EXPECT_EQ(astring_form(std::string(1024, 'a') + " "), StringForm::literal);  // long
    EXPECT_EQ(string_form("INBOX"), StringForm::quoted);
    EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(ImapCommand, RendersArgumentsWithSpacesAndParentheses) {
    Command cmd("SETMETADATA");
    cmd.astring("INBOX")
        .open()
        .astring("/private/comment")
        .nstring("my \"note\"")
        .astring("/shared/x")
        .nstring(std::nullopt)
        .close();
    EXPECT_EQ(cmd.to_string("a001"),
              "a001 SETMETADATA INBOX (/private/comment \"my \\\"note\\\"\" /shared/x NIL)\r\n");
    Command empty("LIST");
    empty.string("").string("*");
    EXPECT_EQ(empty.to_string("a2"), "a2 LIST \"\" \"*\"\r\n");
    Command nested("X");
    nested.open().open().raw("a").close().close();
    EXPECT_EQ(nested.to_string("t"), "t X ((a))\r\n");
}

TEST(ImapCommand, SynchronizingLiteralSplitsTheCommand) {
    Command cmd("APPEND");
    cmd.astring("INBOX").raw("(\\Seen)").literal("Subject: x\r\n\r\nhi\r\n");
    auto parts = cmd.render("a003", LiteralMode::synchronizing);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].wire, "a003 APPEND INBOX (\\Seen) {18}\r\n");
    EXPECT_TRUE(parts[0].wait_continuation);
    EXPECT_EQ(parts[1].wire, "Subject: x\r\n\r\nhi\r\n\r\n");
    EXPECT_FALSE(parts[1].wait_continuation);
}

TEST(ImapCommand, LiteralPlusSendsInOnePart) {
    Command cmd("LOGIN");
    cmd.astring("bob").astring("p\r\nw");
    auto parts = cmd.render("a1", LiteralMode::plus);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].wire, "a1 LOGIN bob {4+}\r\np\r\nw\r\n");
    EXPECT_FALSE(parts[0].wait_continuation);
}

TEST(ImapCommand, LiteralMinusOnlyUpTo4096Bytes) {
    Command small("APPEND");
    small.astring("INBOX").literal(std::string(4096, 'x'));
    EXPECT_EQ(small.render("a", LiteralMode::minus).size(), 1u);
    Command big("APPEND");
    big.astring("INBOX").literal(std::string(4097, 'x'));
    auto parts = big.render("a", LiteralMode::minus);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].wire, "a APPEND INBOX {4097}\r\n");
}

TEST(ImapCommand, LiteralModeFromCapabilities) {
    EXPECT_EQ(literal_mode_for({"IMAP4rev1", "literal+"}), LiteralMode::plus);
    EXPECT_EQ(literal_mode_for({"IMAP4rev1", "LITERAL-"}), LiteralMode::minus);
    EXPECT_EQ(literal_mode_for({"LITERAL-", "LITERAL+"}), LiteralMode::plus);
    EXPECT_EQ(literal_mode_for({"IMAP4rev1"}), LiteralMode::synchronizing);
}

TEST(ImapCommand, SecretsAreHiddenInTheShownRendering) {
    Command cmd("LOGIN");
    cmd.astring("alice").astring("s3cret", true);
    auto parts = cmd.render("a1", LiteralMode::plus);
    EXPECT_EQ(parts[0].wire, "a1 LOGIN alice s3cret\r\n");
    EXPECT_EQ(parts[0].shown, "a1 LOGIN alice ***\r\n");
    Command quoted("LOGIN");
    quoted.astring("alice").astring("pass word", true);
    EXPECT_EQ(quoted.render("a1", LiteralMode::plus)[0].shown, "a1 LOGIN alice \"***\"\r\n");
    Command literal("LOGIN");
    literal.astring("alice").astring("pass\r\nword", true);
    auto lparts = literal.render("a1", LiteralMode::synchronizing);
    ASSERT_EQ(lparts.size(), 2u);
    EXPECT_EQ(lparts[1].wire, "pass\r\nword\r\n");
    EXPECT_EQ(lparts[1].shown, "***\r\n");
    EXPECT_EQ(lparts[0].shown.find("pass"), std::string::npos);
}

}  // namespace
}  // namespace coitest::imap
