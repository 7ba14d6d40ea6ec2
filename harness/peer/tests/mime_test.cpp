// The peer's message model: header fields, MIME tree, ENVELOPE, BODYSTRUCTURE, sections, dates.
#include "peer/mime.hpp"

#include <gtest/gtest.h>

namespace coitest::peer::mime {
namespace {

const std::string kMultipart =
    "From: \"Alice A.\" <alice@example.org>\r\n"
    "To: bob@example.org, Friends: carol@example.org, <dave@example.org>;\r\n"
    "Subject: =?utf-8?q?hi?=\r\n"
    "Message-ID: <m1@example.org>\r\n"
    "Date: Tue, 5 Nov 2024 09:09:00 +0100\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n boundary=\"XX\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--XX\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "hello\r\nworld\r\n"
    "--XX\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Disposition: attachment; filename=\"m.eml\"\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "\r\n"
    "inner body\r\n"
    "--XX--\r\n"
    "epilogue\r\n";

imap::Section sec(std::vector<std::uint32_t> part,
                  imap::Section::Text text = imap::Section::Text::none) {
    imap::Section s;
    s.part = std::move(part);
    s.text = text;
    return s;
}

TEST(Header, FieldsFoldingAndBody) {
    std::size_t body = 0;
    const auto fields = parse_header("A: 1\r\nB: two\r\n  lines\r\nbogus line\r\n\r\nbody", &body);
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields[1].name, "B");
    EXPECT_EQ(unfold(fields[1].raw), "two  lines");
    EXPECT_EQ(header_value(fields, "b"), "two  lines");
    EXPECT_FALSE(header_value(fields, "C"));
    EXPECT_EQ(body, std::string("A: 1\r\nB: two\r\n  lines\r\nbogus line\r\n\r\n").size());
}

TEST(Header, NoEmptyLineMeansNoBody) {
    std::size_t body = 0;
    parse_header("A: 1\r\nB: 2", &body);
    EXPECT_EQ(body, 10u);  // the whole input
}

TEST(ContentTypeParse, ParamsQuotedAndComments) {
    const auto ct = parse_content_type("Multipart/Mixed (c); boundary=\"a;b\"; X=y");
    EXPECT_EQ(ct.type, "multipart");
    EXPECT_EQ(ct.subtype, "mixed");
    EXPECT_EQ(ct.param("boundary"), "a;b");
    EXPECT_EQ(ct.param("x"), "y");
    const auto bad = parse_content_type("garbage");
    EXPECT_EQ(bad.type, "text");
}

TEST(Tree, MultipartWithEncapsulatedMessage) {
    const auto root = parse_message(kMultipart);
    ASSERT_TRUE(root.multipart());
    ASSERT_EQ(root.children.size(), 2u);
    EXPECT_EQ(root.children[0].type.subtype, "plain");
    ASSERT_TRUE(root.children[1].rfc822());
    ASSERT_TRUE(root.children[1].embedded);
}

TEST(Sections, PartsHeadersAndText) {
    const auto root = parse_message(kMultipart);
    EXPECT_EQ(section_bytes(kMultipart, root, sec({})), kMultipart);
    EXPECT_EQ(section_bytes(kMultipart, root, sec({1})), "hello\r\nworld");
    EXPECT_EQ(section_bytes(kMultipart, root, sec({1}, imap::Section::Text::mime)),
              "Content-Type: text/plain; charset=utf-8\r\n\r\n");
    EXPECT_EQ(section_bytes(kMultipart, root, sec({2}, imap::Section::Text::header)),
              "Subject: inner\r\n\r\n");
    EXPECT_EQ(section_bytes(kMultipart, root, sec({2}, imap::Section::Text::text)), "inner body");
    EXPECT_EQ(section_bytes(kMultipart, root, sec({2, 1})), "inner body");
    EXPECT_FALSE(section_bytes(kMultipart, root, sec({3})));
    EXPECT_FALSE(section_bytes(kMultipart, root, sec({1}, imap::Section::Text::header)));
    auto fields = sec({}, imap::Section::Text::header_fields);
    fields.fields = {"subject", "MESSAGE-ID"};
    EXPECT_EQ(section_bytes(kMultipart, root, fields),
              "Subject: =?utf-8?q?hi?=\r\nMessage-ID: <m1@example.org>\r\n\r\n");
    fields.text = imap::Section::Text::header_fields_not;
    fields.fields = {"Content-Type", "MIME-Version", "Date", "Message-ID", "Subject", "To"};
    EXPECT_EQ(section_bytes(kMultipart, root, fields),
              "From: \"Alice A.\" <alice@example.org>\r\n\r\n");
}

TEST(Sections, SinglePartMessage) {
    const std::string m = "Subject: x\r\n\r\nbody\r\n";
    const auto root = parse_message(m);
    EXPECT_EQ(section_bytes(m, root, sec({1})), "body\r\n");
    EXPECT_EQ(section_bytes(m, root, sec({}, imap::Section::Text::text)), "body\r\n");
    EXPECT_FALSE(section_bytes(m, root, sec({2})));
}

TEST(Envelope, AddressesGroupsAndDefaults) {
    const std::string e = envelope(kMultipart);
    EXPECT_EQ(e,
              "(\"Tue, 5 Nov 2024 09:09:00 +0100\" \"=?utf-8?q?hi?=\" "
              "((\"Alice A.\" NIL \"alice\" \"example.org\")) "
              "((\"Alice A.\" NIL \"alice\" \"example.org\")) "
              "((\"Alice A.\" NIL \"alice\" \"example.org\")) "
              "((NIL NIL \"bob\" \"example.org\")(NIL NIL \"Friends\" NIL)"
              "(NIL NIL \"carol\" \"example.org\")(NIL NIL \"dave\" \"example.org\")"
              "(NIL NIL NIL NIL)) NIL NIL NIL \"<m1@example.org>\")");
}

TEST(Envelope, EmptyHeader) {
    EXPECT_EQ(envelope("\r\nbody"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(BodyStructure, MultipartExtended) {
    const auto root = parse_message(kMultipart);
    const std::string bs = body_structure(kMultipart, root, true);
    EXPECT_EQ(
        bs.rfind(
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 12 1 NIL NIL NIL NIL)",
            0),
        0u);
    EXPECT_NE(bs.find("(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 28 (NIL \"inner\""),
              std::string::npos);
    EXPECT_NE(bs.find("(\"ATTACHMENT\" (\"FILENAME\" \"m.eml\"))"), std::string::npos);
    EXPECT_NE(bs.find(" \"MIXED\" (\"BOUNDARY\" \"XX\") NIL NIL NIL)"), std::string::npos);
    const std::string b = body_structure(kMultipart, root, false);
    EXPECT_EQ(b.substr(b.size() - 9), " \"MIXED\")");
}

TEST(BodyStructure, NonAsciiHeaderValueBecomesLiteral) {
    const std::string m = "Content-Type: text/plain; name=\"caf\xc3\xa9\"\r\n\r\nx";
    const auto bs = body_structure(m, parse_message(m), false);
    EXPECT_NE(bs.find("{5}\r\ncaf\xc3\xa9"), std::string::npos);
}

TEST(Tree, DepthAndPartLimitsHold) {
    std::string m;
    for (int i = 0; i < 100; ++i)
        m += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
             std::to_string(i) + "\r\n";
    Limits l;
    const auto root = parse_message(m, l);
    std::size_t depth = 0;
    for (const Entity* e = &root; !e->children.empty(); e = &e->children[0]) ++depth;
    EXPECT_LE(depth, l.max_depth);
}

TEST(Dates, Rfc5322AndInternal) {
    EXPECT_EQ(parse_rfc5322_date("Thu, 01 Jan 1970 01:00:00 +0100"), 0);
    EXPECT_EQ(parse_rfc5322_date("1 Jan 1970 00:01 GMT"), 60);
    EXPECT_EQ(parse_rfc5322_date("Thu, 1 Jan 1970 00:00:00 EST"), 5 * 3600);
    EXPECT_FALSE(parse_rfc5322_date("yesterday"));
    EXPECT_EQ(format_internal_date(1730794140), "05-Nov-2024 08:09:00 +0000");
}

TEST(Strings, QuotedOrLiteral) {
    EXPECT_EQ(imap_string("a\"b"), "\"a\\\"b\"");
    EXPECT_EQ(imap_string("a\r\nb"), "{4}\r\na\r\nb");
    EXPECT_EQ(imap_nstring(std::nullopt), "NIL");
    EXPECT_TRUE(icontains("Hello World", "o w"));
    EXPECT_FALSE(icontains("Hello", "xyz"));
}

}  // namespace
}  // namespace coitest::peer::mime
