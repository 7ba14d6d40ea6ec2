// The strict header parsers: each accepts the valid form and rejects the broken one with words a
// client developer understands.
#include "message/header_syntax.hpp"
#include "message/autocrypt_header.hpp"
#include "message/text.hpp"

#include <gtest/gtest.h>

namespace coitest::message {
namespace {

TEST(HeaderSection, SplitsFieldsFoldsAndBody) {
    auto hs = parse_header_section("From: a@b.c\r\nSubject: one\r\n two\r\n\r\nbody\r\n");
    ASSERT_TRUE(hs);
    ASSERT_EQ(hs->fields.size(), 2u);
    EXPECT_EQ(hs->fields[1].name, "Subject");
    EXPECT_EQ(unfold(hs->fields[1].raw_value), "one two");
    EXPECT_EQ(hs->fields[1].line, 2u);
    EXPECT_TRUE(hs->has_separator);
    EXPECT_EQ(std::string_view("From: a@b.c\r\nSubject: one\r\n two\r\n\r\nbody\r\n")
                  .substr(hs->body_offset),
              "body\r\n");
    EXPECT_TRUE(hs->malformed.empty());
}

TEST(HeaderSection, ReportsMalformedLines) {
    auto hs = parse_header_section(
        " leading fold\nNoColonHere\nSubject : x\nBad\x01Name: y\nFrom: a@b.c\n\n");
    ASSERT_TRUE(hs);
    ASSERT_EQ(hs->malformed.size(), 4u);
    EXPECT_NE(hs->malformed[0].reason.find("continuation"), std::string::npos);
    EXPECT_NE(hs->malformed[1].reason.find("no colon"), std::string::npos);
    EXPECT_NE(hs->malformed[2].reason.find("white space before the colon"), std::string::npos);
    EXPECT_NE(hs->malformed[3].reason.find("printable"), std::string::npos);
    EXPECT_EQ(hs->fields.size(), 1u);
}

TEST(HeaderSection, EnforcesLimits) {
    std::string many;
    for (int i = 0; i < 50; ++i) many += "X-A: b\n";
    HeaderLimits limits;
    limits.max_fields = 10;
    auto hs = parse_header_section(many, limits);
    ASSERT_FALSE(hs);
    EXPECT_EQ(hs.error().kind, ErrorKind::limit);
}

TEST(Date, AcceptsRfc5322AndComputesWeekday) {
    auto d = parse_date("Tue, 22 Jan 2019 12:56:25 +0100");
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->weekday, 1);
    EXPECT_EQ(d->actual_weekday(), 1);
    EXPECT_EQ(d->zone_minutes, 60);
    auto no_dow = parse_date(" 4 Dec 2019 15:51 (comment) -0000 ");
    ASSERT_TRUE(no_dow) << no_dow.error().message;
    EXPECT_FALSE(no_dow->weekday);
}

TEST(Date, CoiSpecExampleHasTheWrongWeekday) {
    // coi-client-spec.md's examples say "Mon, 4 Dec 2019"; that day was a Wednesday.
    auto d = parse_date("Mon, 4 Dec 2019 15:51:37 +0100");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->actual_weekday(), 2);
    EXPECT_NE(*d->weekday, d->actual_weekday());
}

TEST(Date, RejectsBrokenForms) {
    for (const char* bad :
         {"Tue, 22 Jan 2019 12:56:25 CET", "22 Jan 19 12:56 +0100", "Tue 22 Jan 2019 12:56 +0100",
          "Tue, 31 Feb 2019 12:56 +0100", "Tue, 22 Foo 2019 12:56 +0100",
          "Tue, 22 Jan 2019 1:56 +0100", "Tue, 22 Jan 2019 12:56 +01",
          "Tue, 22 Jan 2019 12:56 +0100 trailing", "", "(unclosed"}) {
        auto d = parse_date(bad);
        EXPECT_FALSE(d) << bad;
        if (!d) {
            EXPECT_FALSE(d.error().message.empty()) << bad;
        }
    }
    EXPECT_NE(parse_date("Tue, 22 Jan 2019 12:56 CET").error().message.find("obsolete"),
              std::string::npos);
}

TEST(MsgId, ParsesSingleAndLists) {
    auto id = parse_msg_id(" <chat$S2571BC.2878&8@sample.com> ");
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_EQ(*id, "chat$S2571BC.2878&8@sample.com");
    auto ids = parse_msg_id_list("<a@b>\r\n <c.d@[1.2.3.4]> (x)");
    ASSERT_TRUE(ids);
    EXPECT_EQ(ids->size(), 2u);
    EXPECT_FALSE(parse_msg_id("Gr.12345uvwxyZ.0001@domain"));
    EXPECT_FALSE(parse_msg_id("<chat$S2571BC.287888@sample.com"));  // coi-client-spec.md:446
    EXPECT_FALSE(parse_msg_id("<a b@c>"));
    EXPECT_FALSE(parse_msg_id("<a@b> <c@d>"));
    auto loose = parse_msg_id_loose("00001@domain");
    ASSERT_TRUE(loose);
    EXPECT_FALSE(loose->bracketed);
    EXPECT_EQ(loose->id, "00001@domain");
}

TEST(Addresses, ParsesMailboxesGroupsAndRejectsSemicolons) {
    auto list = parse_address_list(
        "Alice <alice@example.org>, \"Bob, B.\" <bob@example.org>, carol@example.org");
    ASSERT_TRUE(list) << list.error().message;
    ASSERT_EQ(list->mailboxes.size(), 3u);
    EXPECT_EQ(list->mailboxes[1].display_name, "Bob, B.");
    EXPECT_EQ(list->mailboxes[2].address(), "carol@example.org");
    auto hidden = parse_address_list("\"hidden-recipients\": ;");
    ASSERT_TRUE(hidden) << hidden.error().message;
    EXPECT_TRUE(hidden->mailboxes.empty());
    ASSERT_EQ(hidden->groups.size(), 1u);
    EXPECT_EQ(hidden->groups[0].name, "hidden-recipients");
    auto semi = parse_address_list("alice@example.com; bob@example.com");  // coi-client-spec.md:825
    ASSERT_FALSE(semi);
    EXPECT_NE(semi.error().message.find("\";\""), std::string::npos);
    EXPECT_FALSE(parse_address_list("Alice <alice>"));
    EXPECT_FALSE(parse_address_list("a@b,"));
    EXPECT_FALSE(parse_mailbox_list("g: a@b;"));
    EXPECT_TRUE(parse_addr_spec("x.y@z.example"));
    EXPECT_FALSE(parse_addr_spec("x y@z"));
}

TEST(Parameters, ParsesQuotedTokensRfc2231AndReportsProblems) {
    auto p = parse_parameterized("text/plain; charset=UTF-8; format=\"flowed\"");
    EXPECT_EQ(p.value, "text/plain");
    ASSERT_TRUE(p.param("format"));
    EXPECT_EQ(p.param("format")->value, "flowed");
    EXPECT_TRUE(p.problems.empty());
    auto ext = parse_parameterized("attachment; filename*0*=utf-8''%C3%A4; filename*1=b.txt");
    ASSERT_TRUE(ext.param("filename"));
    EXPECT_EQ(ext.param("filename")->value,
              "\xC3\xA4"
              "b.txt");
    auto pinned = parse_parameterized(
        "pinned;\n timeout=Tue, 5 Dec 2019 0:00:00 +0100");  // coi-client-spec.md:1239
    EXPECT_FALSE(pinned.problems.empty());
    EXPECT_TRUE(parse_parameterized("deleterequest;").trailing_semicolon);
    EXPECT_FALSE(parse_parameterized("a; b=\"open").problems.empty());
    EXPECT_TRUE(parse_media_type("Multipart/Mixed").valid);
    EXPECT_EQ(parse_media_type("Multipart/Mixed").type, "multipart");
    EXPECT_FALSE(parse_media_type("text").valid);
}

TEST(EncodedWords, DecodesAndFlagsBadWords) {
    auto d = decode_encoded_words("=?utf-8?q?Caf=C3=A9?= =?UTF-8?B?w6k=?= ok");
    EXPECT_EQ(d.text, "Caf\xC3\xA9\xC3\xA9 ok");
    EXPECT_TRUE(d.problems.empty());
    EXPECT_FALSE(decode_encoded_words("=?utf-8?b?!!!?=").problems.empty());
    EXPECT_FALSE(decode_encoded_words("=?utf-8?q?=FF?=").problems.empty());  // not UTF-8
}

TEST(Autocrypt, ParsesAttributesInOrder) {
    auto h = parse_autocrypt_attributes(
        " addr=a@b.example; prefer-encrypt=mutual; _x=1; keydata=\n mDME\n XEc=");
    EXPECT_TRUE(h.problems.empty());
    ASSERT_EQ(h.attributes.size(), 4u);
    EXPECT_EQ(h.attributes.back().name, "keydata");
    EXPECT_EQ(h.find("keydata")->value, "mDMEXEc=");
    EXPECT_TRUE(h.unknown_critical({"addr", "prefer-encrypt", "keydata"}).empty());
    auto bad = parse_autocrypt_attributes("addr=a@b; future=1; broken; keydata=x");
    EXPECT_EQ(bad.unknown_critical({"addr", "prefer-encrypt", "keydata"}),
              std::vector<std::string>{"future"});
    EXPECT_EQ(bad.problems.size(), 1u);
}

TEST(Text, Base64AndUtf8) {
    EXPECT_EQ(base64_decode("aGVs\nbG8="), std::optional<std::string>("hello"));
    EXPECT_FALSE(base64_decode("aGVsbG8"));   // missing padding
    EXPECT_FALSE(base64_decode("aGV*bG8="));  // outside the alphabet
    EXPECT_FALSE(base64_decode("aG=sbG8="));  // data after padding
    EXPECT_TRUE(
        is_valid_utf8("h\xC3\xA9"
                      "\xE2\x9C\x8F"));
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
    EXPECT_FALSE(is_valid_utf8("\xE2\x9C"));      // truncated
    EXPECT_EQ(show("a\nb\x01"), "\"a\\nb\\x01\"");
}

}  // namespace
}  // namespace coitest::message
