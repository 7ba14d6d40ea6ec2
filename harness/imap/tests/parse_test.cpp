// The response parser on responses as Dovecot 2.3 sends them, and on the grammar's corners.
#include "imap/body_structure.hpp"
#include "imap/parse_response.hpp"
#include "reader_helpers.hpp"

#include <gtest/gtest.h>

namespace coitest::imap {
namespace {

using testing::one;
using namespace std::string_literals;

TEST(ImapParse, DovecotGreetingWithCapabilityCode) {
    const std::string raw =
        "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
        "AUTH=PLAIN] Dovecot (Debian) ready.\r\n";
    Response r = one(raw);
    EXPECT_EQ(r.raw, raw);
    ASSERT_TRUE(r.is_untagged());
    const StatusResponse* s = r.status();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, Status::ok);
    EXPECT_EQ(s->text, "Dovecot (Debian) ready.");
    ASSERT_TRUE(s->code);
    EXPECT_EQ(s->code->kind, CodeKind::capability);
    EXPECT_EQ(s->code->name, "CAPABILITY");
    ASSERT_EQ(s->code->list.size(), 9u);
    EXPECT_EQ(s->code->list.front(), "IMAP4rev1");
    EXPECT_EQ(s->code->list.back(), "AUTH=PLAIN");
    EXPECT_EQ(s->code->arguments,
              "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN");
}

TEST(ImapParse, DovecotSelectOutput) {
    const std::string select =
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Chat)\r\n"
        "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Chat \\*)] Flags "
        "permitted.\r\n"
        "* 2 EXISTS\r\n"
        "* 0 RECENT\r\n"
        "* OK [UNSEEN 1] First unseen.\r\n"
        "* OK [UIDVALIDITY 1700000001] UIDs valid\r\n"
        "* OK [UIDNEXT 3] Predicted next UID\r\n"
        "* OK [HIGHESTMODSEQ 18446744] Highest\r\n"
        "a002 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n";
    auto all = testing::read_all(select);
    ASSERT_EQ(all.size(), 10u);
    std::vector<Response> rs;
    for (std::size_t i = 0; i + 1 < all.size(); ++i) rs.push_back(std::get<Response>(all[i]));

    ASSERT_NE(rs[0].get<Flags>(), nullptr);
    EXPECT_EQ(rs[0].get<Flags>()->flags.size(), 6u);
    EXPECT_EQ(rs[0].get<Flags>()->flags[5], "$Chat");
    ASSERT_NE(rs[1].code(), nullptr);
    EXPECT_EQ(rs[1].code()->kind, CodeKind::permanentflags);
    EXPECT_EQ(rs[1].code()->list.back(), "\\*");
    ASSERT_NE(rs[2].get<Exists>(), nullptr);
    EXPECT_EQ(rs[2].get<Exists>()->count, 2u);
    ASSERT_NE(rs[3].get<Recent>(), nullptr);
    EXPECT_EQ(rs[3].get<Recent>()->count, 0u);
    EXPECT_EQ(rs[4].code()->kind, CodeKind::unseen);
    EXPECT_EQ(rs[4].code()->number, 1u);
    EXPECT_EQ(rs[5].code()->kind, CodeKind::uidvalidity);
    EXPECT_EQ(rs[5].code()->number, 1700000001u);
    EXPECT_EQ(rs[6].code()->kind, CodeKind::uidnext);
    EXPECT_EQ(rs[6].code()->number, 3u);
    EXPECT_EQ(rs[7].code()->kind, CodeKind::highestmodseq);
    EXPECT_EQ(rs[7].code()->number, 18446744u);
    ASSERT_TRUE(rs[8].is_tagged());
    EXPECT_EQ(rs[8].get<Tagged>()->tag, "a002");
    EXPECT_EQ(rs[8].get<Tagged>()->result.status, Status::ok);
    EXPECT_EQ(rs[8].code()->kind, CodeKind::read_write);
}

TEST(ImapParse, FetchWithBodyLiteral) {
    const std::string message = "Subject: hi\r\nChat-Version: 1.0\r\n\r\nHello\r\n";
    const std::string raw = "* 1 FETCH (UID 7 RFC822.SIZE " + std::to_string(message.size()) +
                            " FLAGS (\\Seen $Chat) INTERNALDATE \"25-Nov-2024 09:09:00 +0000\" "
                            "MODSEQ (12) BODY[] {" +
                            std::to_string(message.size()) + "}\r\n" + message + ")\r\n";
    Response r = one(raw);
    const Fetch* f = r.get<Fetch>();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->seq, 1u);
    EXPECT_EQ(f->uid, 7u);
    EXPECT_EQ(f->rfc822_size, message.size());
    EXPECT_TRUE(f->has_flag("\\seen"));
    EXPECT_TRUE(f->has_flag("$chat"));
    EXPECT_FALSE(f->has_flag("\\Deleted"));
    EXPECT_EQ(f->internaldate, "25-Nov-2024 09:09:00 +0000");
    EXPECT_EQ(f->modseq, 12u);
    const BodySection* body = f->section("");
    ASSERT_NE(body, nullptr);
    ASSERT_TRUE(body->data);
    EXPECT_EQ(*body->data, message);
    EXPECT_EQ(r.raw, raw);
}

TEST(ImapParse, FetchSectionsOriginsAndNil) {
    Response r = one(
        "* 3 FETCH (BODY[HEADER.FIELDS (SUBJECT \"X-]\")] {4}\r\nab\r\n BODY[1.2]<10> NIL "
        "BINARY[2] ~{3}\r\na\0b BINARY.SIZE[2] 3 RFC822.HEADER \"H\" X-GM-LABELS (\\Inbox))\r\n"s);
    const Fetch* f = r.get<Fetch>();
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(f->sections.size(), 4u);
    EXPECT_EQ(f->sections[0].section, "HEADER.FIELDS (SUBJECT \"X-]\")");
    EXPECT_EQ(f->sections[0].data, "ab\r\n");
    EXPECT_EQ(f->sections[1].section, "1.2");
    EXPECT_EQ(f->sections[1].origin, 10u);
    EXPECT_FALSE(f->sections[1].data);
    ASSERT_NE(f->section("2", "BINARY"), nullptr);
    EXPECT_EQ(f->section("2", "BINARY")->data, std::string("a\0b", 3));
    ASSERT_NE(f->section("", "RFC822.HEADER"), nullptr);
    ASSERT_EQ(f->other.size(), 2u);
    EXPECT_EQ(f->other[0].first, "BINARY.SIZE[2]");
    EXPECT_EQ(f->other[0].second.number(), 3u);
    EXPECT_EQ(f->other[1].first, "X-GM-LABELS");
    EXPECT_EQ(f->other[1].second.items.at(0).text, "\\Inbox");
}

TEST(ImapParse, FetchEnvelope) {
    Response r = one(
        "* 2 FETCH (ENVELOPE (\"Mon, 25 Nov 2024 10:00:00 +0100\" \"Hi \\\"you\\\"\" "
        "((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) "
        "NIL ((NIL NIL \"bob\" \"example.org\")(NIL NIL \"carol\" \"example.org\")) NIL NIL "
        "NIL \"<chat$1@example.org>\"))\r\n");
    const Fetch* f = r.get<Fetch>();
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->envelope);
    const Envelope& e = *f->envelope;
    EXPECT_EQ(e.subject, "Hi \"you\"");
    ASSERT_EQ(e.from.size(), 1u);
    EXPECT_EQ(e.from[0].name, "Alice");
    EXPECT_FALSE(e.from[0].adl);
    EXPECT_EQ(e.from[0].host, "example.org");
    EXPECT_TRUE(e.reply_to.empty());
    ASSERT_EQ(e.to.size(), 2u);
    EXPECT_EQ(e.to[1].mailbox, "carol");
    EXPECT_FALSE(e.in_reply_to);
    EXPECT_EQ(e.message_id, "<chat$1@example.org>");
}

TEST(ImapParse, BodyStructureTreeAndAccessors) {
    Response r = one(
        "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 12 "
        "1 NIL NIL NIL NIL)(\"application\" \"pgp-keys\" (\"name\" \"k.asc\") NIL {4}\r\nkey!"
        " \"base64\" 100 NIL (\"attachment\" (\"filename\" \"k.asc\")) NIL NIL)(\"message\" "
        "\"rfc822\" NIL NIL NIL \"7bit\" 50 (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" "
        "\"html\" NIL NIL NIL \"8bit\" 9 2) 4) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n");
    const Fetch* f = r.get<Fetch>();
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->body_structure);
    EXPECT_TRUE(f->body_structure_extended);
    BodyPart root(*f->body_structure);
    EXPECT_TRUE(root.is_multipart());
    EXPECT_EQ(root.media_type(), "MULTIPART");
    EXPECT_EQ(root.subtype(), "MIXED");
    EXPECT_EQ(root.param("BOUNDARY"), "b1");
    ASSERT_EQ(root.children().size(), 3u);
    auto text = root.part("1");
    ASSERT_TRUE(text);
    EXPECT_EQ(text->media_type(), "TEXT");
    EXPECT_EQ(text->param("charset"), "utf-8");
    EXPECT_EQ(text->encoding(), "7BIT");
    EXPECT_EQ(text->size(), 12u);
    EXPECT_EQ(text->lines(), 1u);
    auto key = root.part("2");
    ASSERT_TRUE(key);
    EXPECT_EQ(key->subtype(), "PGP-KEYS");
    EXPECT_EQ(key->description(), "key!");
    EXPECT_EQ(key->disposition(), "ATTACHMENT");
    EXPECT_EQ(key->disposition_param("filename"), "k.asc");
    EXPECT_FALSE(key->lines());
    auto inner = root.part("3.1");
    ASSERT_TRUE(inner);
    EXPECT_EQ(inner->subtype(), "HTML");
    EXPECT_EQ(root.part("3")->lines(), 4u);
    EXPECT_FALSE(root.part("4"));
    EXPECT_FALSE(root.part("1.2"));
    EXPECT_FALSE(root.part("x"));
}

TEST(ImapParse, BodyWithoutExtensionData) {
    Response r = one("* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3 1))\r\n");
    const Fetch* f = r.get<Fetch>();
    ASSERT_TRUE(f && f->body_structure);
    EXPECT_FALSE(f->body_structure_extended);
    BodyPart p(*f->body_structure);
    EXPECT_FALSE(p.is_multipart());
    EXPECT_EQ(p.size(), 3u);
    EXPECT_FALSE(p.disposition());
    EXPECT_TRUE(p.params().empty());
    EXPECT_TRUE(p.part("1"));
}

TEST(ImapParse, ListWithSpecialUseAndChildInfo) {
    Response a = one("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n");
    const ListResponse* l = a.get<ListResponse>();
    ASSERT_NE(l, nullptr);
    EXPECT_FALSE(l->lsub);
    EXPECT_TRUE(l->has_attribute("\\hasnochildren"));
    EXPECT_TRUE(l->has_attribute("\\Sent"));
    EXPECT_FALSE(l->has_attribute("\\Trash"));
    EXPECT_EQ(l->delimiter, '/');
    EXPECT_EQ(l->mailbox, "Sent");

    Response b =
        one("* LIST (\\Subscribed \\NonExistent) \".\" \"Foo bar\" (\"CHILDINFO\" (\"SUBSCRIBED\") "
            "\"OLDNAME\" (\"Old\"))\r\n");
    l = b.get<ListResponse>();
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->mailbox, "Foo bar");
    EXPECT_EQ(l->childinfo(), std::vector<std::string>{"SUBSCRIBED"});
    ASSERT_NE(l->extended_item("oldname"), nullptr);
    EXPECT_EQ(l->extended_item("OLDNAME")->items.at(0).text, "Old");

    Response c = one("* LSUB () NIL {5}\r\nIN\"BX\r\n");
    l = c.get<ListResponse>();
    ASSERT_NE(l, nullptr);
    EXPECT_TRUE(l->lsub);
    EXPECT_FALSE(l->delimiter);
    EXPECT_EQ(l->mailbox, "IN\"BX");
    EXPECT_EQ(c.kind_name(), "LSUB");
}

TEST(ImapParse, MetadataWithLiteralQuotedAndNil) {
    Response r =
        one("* METADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled {3}\r\nyes "
            "/private/comment \"a \\\\ b\" /shared/x NIL /private/bin ~{2}\r\n\0\1)\r\n"s);
    const Metadata* m = r.get<Metadata>();
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->mailbox, "");
    EXPECT_TRUE(m->has_values);
    ASSERT_EQ(m->entries.size(), 4u);
    EXPECT_EQ(m->entries[0].name, "/private/vendor/vendor.dovecot/coi/config/enabled");
    EXPECT_EQ(m->entries[0].value, "yes");
    EXPECT_EQ(m->entries[1].value, "a \\ b");
    EXPECT_FALSE(m->entries[2].value);
    EXPECT_EQ(m->entries[3].value, std::string("\0\1", 2));
}

TEST(ImapParse, UnsolicitedMetadataEntryList) {
    Response r = one("* METADATA INBOX /shared/comment /private/comment\r\n");
    const Metadata* m = r.get<Metadata>();
    ASSERT_NE(m, nullptr);
    EXPECT_FALSE(m->has_values);
    ASSERT_EQ(m->entries.size(), 2u);
    EXPECT_EQ(m->entries[1].name, "/private/comment");
}

TEST(ImapParse, EnabledIdAndCapability) {
    Response e = one("* ENABLED CONDSTORE UTF8=ACCEPT\r\n");
    ASSERT_NE(e.get<Enabled>(), nullptr);
    EXPECT_EQ(e.get<Enabled>()->capabilities,
              (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT"}));
    Response empty = one("* ENABLED\r\n");
    ASSERT_NE(empty.get<Enabled>(), nullptr);
    EXPECT_TRUE(empty.get<Enabled>()->capabilities.empty());

    Response id = one("* ID (\"name\" \"Dovecot\" \"support-url\" NIL)\r\n");
    ASSERT_NE(id.get<Id>(), nullptr);
    ASSERT_TRUE(id.get<Id>()->params);
    ASSERT_EQ(id.get<Id>()->params->size(), 2u);
    EXPECT_EQ(id.get<Id>()->params->at(0).second, "Dovecot");
    EXPECT_FALSE(id.get<Id>()->params->at(1).second);
    Response nil = one("* ID NIL\r\n");
    ASSERT_NE(nil.get<Id>(), nullptr);
    EXPECT_FALSE(nil.get<Id>()->params);

    Response cap = one("* capability IMAP4rev1 METADATA COI\r\n");
    ASSERT_NE(cap.get<Capability>(), nullptr);
    EXPECT_EQ(cap.get<Capability>()->capabilities.back(), "COI");
}

TEST(ImapParse, SearchAndESearch) {
    Response s = one("* SEARCH 2 3 5 (MODSEQ 917)\r\n");
    ASSERT_NE(s.get<Search>(), nullptr);
    EXPECT_EQ(s.get<Search>()->numbers, (std::vector<std::uint32_t>{2, 3, 5}));
    EXPECT_EQ(s.get<Search>()->modseq, 917u);
    Response none = one("* SEARCH\r\n");
    ASSERT_NE(none.get<Search>(), nullptr);
    EXPECT_TRUE(none.get<Search>()->numbers.empty());

    Response e =
        one("* ESEARCH (TAG \"a005\") UID ALL 1:3,5 COUNT 4 MIN 1 MAX 5 MODSEQ 9 "
            "PARTIAL (1:5 NIL)\r\n");
    const ESearch* es = e.get<ESearch>();
    ASSERT_NE(es, nullptr);
    EXPECT_EQ(es->tag, "a005");
    EXPECT_TRUE(es->uid);
    ASSERT_TRUE(es->all);
    EXPECT_EQ(es->all->to_string(), "1:3,5");
    EXPECT_TRUE(es->all->contains(2));
    EXPECT_FALSE(es->all->contains(4));
    EXPECT_EQ(es->count, 4u);
    EXPECT_EQ(es->min, 1u);
    EXPECT_EQ(es->max, 5u);
    EXPECT_EQ(es->modseq, 9u);
    ASSERT_EQ(es->other.size(), 1u);
    EXPECT_EQ(es->other[0].first, "PARTIAL");

    Response bare = one("* ESEARCH COUNT 0\r\n");
    ASSERT_NE(bare.get<ESearch>(), nullptr);
    EXPECT_FALSE(bare.get<ESearch>()->uid);
    EXPECT_FALSE(bare.get<ESearch>()->tag);
    EXPECT_EQ(bare.get<ESearch>()->count, 0u);
}

TEST(ImapParse, StatusNamespaceQuotaVanished) {
    Response s = one("* STATUS \"Chats\" (MESSAGES 2 UIDNEXT 3 UNSEEN 0 HIGHESTMODSEQ 7)\r\n");
    ASSERT_NE(s.get<StatusData>(), nullptr);
    EXPECT_EQ(s.get<StatusData>()->mailbox, "Chats");
    EXPECT_EQ(s.get<StatusData>()->get("uidnext"), 3u);
    EXPECT_EQ(s.get<StatusData>()->get("HIGHESTMODSEQ"), 7u);
    EXPECT_FALSE(s.get<StatusData>()->get("RECENT"));

    Response n = one(
        "* NAMESPACE ((\"\" \"/\")(\"#mh/\" \"/\" \"X-PARAM\" (\"a\" \"b\"))) NIL ((\"Shared/\" "
        "\"/\"))\r\n");
    const Namespace* ns = n.get<Namespace>();
    ASSERT_NE(ns, nullptr);
    ASSERT_EQ(ns->personal.size(), 2u);
    EXPECT_EQ(ns->personal[0].delimiter, '/');
    ASSERT_EQ(ns->personal[1].extensions.size(), 1u);
    EXPECT_EQ(ns->personal[1].extensions[0].second.size(), 2u);
    EXPECT_TRUE(ns->other_users.empty());
    EXPECT_EQ(ns->shared.at(0).prefix, "Shared/");

    Response q = one("* QUOTA \"User quota\" (STORAGE 10 1024 MESSAGE 2 100)\r\n");
    ASSERT_NE(q.get<Quota>(), nullptr);
    ASSERT_EQ(q.get<Quota>()->resources.size(), 2u);
    EXPECT_EQ(q.get<Quota>()->resources[1].name, "MESSAGE");
    EXPECT_EQ(q.get<Quota>()->resources[1].limit, 100u);
    Response qr = one("* QUOTAROOT INBOX \"User quota\"\r\n");
    ASSERT_NE(qr.get<QuotaRoot>(), nullptr);
    EXPECT_EQ(qr.get<QuotaRoot>()->roots, std::vector<std::string>{"User quota"});

    Response v = one("* VANISHED (EARLIER) 300:310,405\r\n");
    ASSERT_NE(v.get<Vanished>(), nullptr);
    EXPECT_TRUE(v.get<Vanished>()->earlier);
    EXPECT_TRUE(v.get<Vanished>()->uids.contains(405));
    EXPECT_FALSE(v.get<Vanished>()->uids.contains(311));
    Response ex = one("* 4 EXPUNGE\r\n");
    ASSERT_NE(ex.get<Expunge>(), nullptr);
    EXPECT_EQ(ex.get<Expunge>()->seq, 4u);
}

TEST(ImapParse, UidplusCondstoreAndMetadataCodes) {
    Response a = one("a006 OK [APPENDUID 1700000001 4] Append completed.\r\n");
    ASSERT_NE(a.code(), nullptr);
    EXPECT_EQ(a.code()->kind, CodeKind::appenduid);
    EXPECT_EQ(a.code()->number, 1700000001u);
    EXPECT_EQ(a.code()->uids.to_string(), "4");

    Response c = one("a7 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
    EXPECT_EQ(c.code()->kind, CodeKind::copyuid);
    EXPECT_EQ(c.code()->source.to_string(), "304,319:320");
    EXPECT_EQ(c.code()->uids.to_string(), "3956:3958");

    Response m = one("a8 OK [MODIFIED 7,9] Conditional STORE failed\r\n");
    EXPECT_EQ(m.code()->kind, CodeKind::modified);
    EXPECT_TRUE(m.code()->uids.contains(9));

    Response le = one("a9 OK [METADATA LONGENTRIES 2199] GETMETADATA complete\r\n");
    EXPECT_EQ(le.code()->kind, CodeKind::metadata_longentries);
    EXPECT_EQ(le.code()->number, 2199u);
    Response ms = one("a9 NO [METADATA MAXSIZE 1024] too big\r\n");
    EXPECT_EQ(ms.code()->kind, CodeKind::metadata_maxsize);
    EXPECT_EQ(ms.code()->number, 1024u);
    EXPECT_EQ(one("a9 NO [METADATA TOOMANY] x\r\n").code()->kind, CodeKind::metadata_toomany);
    EXPECT_EQ(one("a9 NO [METADATA NOPRIVATE] x\r\n").code()->kind, CodeKind::metadata_noprivate);
    Response mo = one("a9 NO [METADATA SOMETHING 5] x\r\n");
    EXPECT_EQ(mo.code()->kind, CodeKind::other);
    EXPECT_EQ(mo.code()->arguments, "SOMETHING 5");

    for (auto [text, kind] : std::vector<std::pair<std::string, CodeKind>>{
             {"ALERT", CodeKind::alert},
             {"PARSE", CodeKind::parse},
             {"READ-ONLY", CodeKind::read_only},
             {"TRYCREATE", CodeKind::trycreate},
             {"UIDNOTSTICKY", CodeKind::uidnotsticky},
             {"NOMODSEQ", CodeKind::nomodseq},
             {"CLOSED", CodeKind::closed},
             {"BADCHARSET (UTF-8 \"US-ASCII\")", CodeKind::badcharset}}) {
        Response r = one("* NO [" + text + "] text\r\n");
        ASSERT_NE(r.code(), nullptr) << text;
        EXPECT_EQ(r.code()->kind, kind) << text;
    }
    EXPECT_EQ(one("* NO [BADCHARSET (UTF-8 \"US-ASCII\")] x\r\n").code()->list.back(), "US-ASCII");
}

TEST(ImapParse, GenericCodesAndResponsesAreKept) {
    Response r = one("* OK [X-SOMETHING arg (1 2)] Hello\r\n");
    ASSERT_NE(r.code(), nullptr);
    EXPECT_EQ(r.code()->kind, CodeKind::other);
    EXPECT_EQ(r.code()->name, "X-SOMETHING");
    EXPECT_EQ(r.code()->arguments, "arg (1 2)");
    EXPECT_EQ(r.status()->text, "Hello");

    Response g = one("* XLIST-ISH (\\Foo) {2}\r\nab\r\n");
    ASSERT_NE(g.get<Generic>(), nullptr);
    EXPECT_EQ(g.get<Generic>()->name, "XLIST-ISH");
    EXPECT_EQ(g.get<Generic>()->text, "(\\Foo) {2}\r\nab");
    Response gn = one("* 5 XFOO bar\r\n");
    ASSERT_NE(gn.get<Generic>(), nullptr);
    EXPECT_EQ(gn.get<Generic>()->number, 5u);
    EXPECT_EQ(gn.get<Generic>()->text, "bar");
}

TEST(ImapParse, StatusWordsAreCaseInsensitive) {
    Response r = one("A1 ok [read-only] fine\r\n");
    ASSERT_TRUE(r.is_tagged());
    EXPECT_EQ(r.status()->status, Status::ok);
    EXPECT_EQ(r.code()->kind, CodeKind::read_only);
    Response f = one("* 1 fetch (flags (\\Seen) uid 4)\r\n");
    ASSERT_NE(f.get<Fetch>(), nullptr);
    EXPECT_EQ(f.get<Fetch>()->uid, 4u);
    EXPECT_EQ(one("* 3 exists\r\n").get<Exists>()->count, 3u);
}

TEST(ImapParse, UntaggedStatusKinds) {
    EXPECT_EQ(one("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n").status()->status, Status::preauth);
    EXPECT_EQ(one("* BYE Logging out\r\n").status()->status, Status::bye);
    EXPECT_EQ(one("* BAD what\r\n").status()->status, Status::bad);
    EXPECT_EQ(one("a1 NO [TRYCREATE] no mailbox\r\n").status()->status, Status::no);
    Response nocode = one("a1 OK\r\n");
    EXPECT_EQ(nocode.status()->text, "");
    EXPECT_FALSE(nocode.code());
}

TEST(ImapParse, ContinuationRequests) {
    Response a = one("+ Ready for literal data\r\n");
    ASSERT_TRUE(a.is_continuation());
    EXPECT_EQ(a.get<Continuation>()->text, "Ready for literal data");
    Response b = one("+ \r\n");
    ASSERT_TRUE(b.is_continuation());
    EXPECT_EQ(b.get<Continuation>()->text, "");
    Response c = one("+\r\n");
    ASSERT_TRUE(c.is_continuation());
    // Text ending like a literal announcement is text here, not a literal to wait for.
    Response d = one("+ idling {5}\r\n");
    ASSERT_TRUE(d.is_continuation());
    EXPECT_EQ(d.get<Continuation>()->text, "idling {5}");
    EXPECT_EQ(one("a1 OK done {5}\r\n").status()->text, "done {5}");
    EXPECT_EQ(one("* OK hi {5}\r\n").status()->text, "hi {5}");
}

TEST(ImapParse, QuotedSpecialsAndEscapes) {
    Response r = one("* LIST () \"\\\\\" \"a\\\"b\\\\c(d)e{f}g%*\"\r\n");
    const ListResponse* l = r.get<ListResponse>();
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->delimiter, '\\');
    EXPECT_EQ(l->mailbox, "a\"b\\c(d)e{f}g%*");
}

TEST(ImapParse, EmptyLiteralAndLiteralsInsideLists) {
    Response r = one("* METADATA INBOX (/private/a {0}\r\n /private/b {2}\r\n())\r\n");
    const Metadata* m = r.get<Metadata>();
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->entries.size(), 2u);
    EXPECT_EQ(m->entries[0].value, "");
    EXPECT_EQ(m->entries[1].value, "()");

    Response s = one("* STATUS {3}\r\nA B (MESSAGES 1)\r\n");
    ASSERT_NE(s.get<StatusData>(), nullptr);
    EXPECT_EQ(s.get<StatusData>()->mailbox, "A B");
}

TEST(ImapParse, MalformedInputNamesWhatWasExpected) {
    struct Case {
        std::string raw;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"\r\n", "'*', '+' or a tag"},
        {"a1 MAYBE fine\r\n", "OK, NO or BAD after the tag"},
        {"a1 PREAUTH x\r\n", "OK, NO or BAD after the tag"},
        {"*OK\r\n", "a space"},
        {"* 3 FETCH (UID x)\r\n", "a number"},
        {"* 3 FETCH (UID 1\r\n", "')'"},
        {"* OK [UIDNEXT] x\r\n", "a space"},
        {"* OK [UIDNEXT 5 x\r\n", "']' closing the response code"},
        {"* LIST (\\A) \"ab\" INBOX\r\n", "one-character hierarchy delimiter"},
        {"* FLAGS (\\Seen \"x\")\r\n", "an atom"},
        {"* METADATA INBOX (/a \"unterminated)\r\n", "closing '\"'"},
        {"* METADATA INBOX (/a \"bad\\escape\")\r\n", "after a backslash"},
        {"* 1 FETCH (UID 4294967296)\r\n", "a 32-bit number"},
        {"* OK [HIGHESTMODSEQ 99999999999999999999] x\r\n", "below 2^63"},
        {"* 1 EXISTS trailing\r\n", "CRLF"},
        {"* 1 FETCH (BODY[1 {3}\r\nabc)\r\n", "']' closing the section"},
        {"* STATUS INBOX (MESSAGES 1\r\n", "')'"},
        {"* FLAGS\r\n", "a space"},  // known responses need their arguments
        {"* METADATA\r\n", "a space"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_response(c.raw);
        ASSERT_FALSE(parsed) << c.raw;
        EXPECT_EQ(parsed.error().kind, ErrorKind::protocol) << c.raw;
        EXPECT_NE(parsed.error().message.find(c.expected), std::string::npos)
            << c.raw << " -> " << parsed.error().message;
        EXPECT_NE(parsed.error().message.find("at byte"), std::string::npos);
    }
}

TEST(ImapParse, DeepNestingIsALimitNotACrash) {
    std::string deep = "* 1 FETCH (BODYSTRUCTURE ";
    for (int i = 0; i < 5000; ++i) deep += '(';
    deep += "\r\n";
    auto parsed = parse_response(deep, 64);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().kind, ErrorKind::limit);
    EXPECT_NE(parsed.error().message.find("nested deeper than 64"), std::string::npos);
    std::string ok = "* 1 FETCH (BODYSTRUCTURE " + std::string(60, '(') + "\"x\"" +
                     std::string(60, ')') + ")\r\n";
    EXPECT_TRUE(parse_response(ok, 64));
}

}  // namespace
}  // namespace coitest::imap
