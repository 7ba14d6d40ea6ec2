// Session tests against scripted fake IMAP servers on 127.0.0.1 (harness/testing/fake_peer.hpp),
// speaking as Dovecot 2.3 does.
#include "imap/session.hpp"
#include "net/tls.hpp"
#include "testing/coroutine.hpp"
#include "testing/fake_peer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace coitest::imap {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using coitest::testing::FakePeer;
using coitest::testing::loopback;
using coitest::testing::PeerSocket;
using coitest::testing::run_coroutine;

const char* kGreeting =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] "
    "Dovecot (Debian) ready.\r\n";
const char* kPlainGreeting = "* OK Dovecot ready.\r\n";  // no capabilities: literals synchronize

// ASSERT_* cannot return from a coroutine; these end the test body with co_return instead.

SessionOptions quick() {
    SessionOptions o;
    o.connect.step_timeout = 5s;
    return o;
}

std::string all_text(const net::Transcript& t) {
    std::string out;
    for (const auto& e : t.entries()) out += e.data;
    return out;
}

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

TEST(ImapSession, GreetingCapabilitiesAndSelect) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        got.push_back(co_await p.read_until());
        co_await p.send(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags "
            "permitted.\r\n"
            "* 2 EXISTS\r\n* 0 RECENT\r\n"
            "* OK [UIDVALIDITY 1700000001] UIDs valid\r\n"
            "* OK [UIDNEXT 3] Predicted next UID\r\n"
            "* OK [HIGHESTMODSEQ 5] Highest\r\n"
            "a001 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("a002 OK [READ-ONLY] Examine completed.\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        EXPECT_TRUE(s) << (s ? "" : s.error().message);
        if (!s) co_return;
        EXPECT_TRUE(s->capabilities_known());
        EXPECT_TRUE(s->has_capability("literal+"));
        EXPECT_FALSE(s->has_capability("METADATA"));
        EXPECT_FALSE(s->preauthenticated());
        auto sel = co_await s->select("INBOX", SelectOptions{.condstore = true});
        EXPECT_TRUE(sel) << (sel ? "" : sel.error().message);
        if (!sel) co_return;
        EXPECT_TRUE(sel->result.ok());
        EXPECT_EQ(sel->value.flags.size(), 5u);
        CO_ASSERT_TRUE(sel->value.permanent_flags);
        EXPECT_EQ(sel->value.permanent_flags->back(), "\\*");
        EXPECT_EQ(sel->value.exists, 2u);
        EXPECT_EQ(sel->value.recent, 0u);
        EXPECT_EQ(sel->value.uidvalidity, 1700000001u);
        EXPECT_EQ(sel->value.uidnext, 3u);
        EXPECT_EQ(sel->value.highestmodseq, 5u);
        EXPECT_FALSE(sel->value.unseen);
        EXPECT_EQ(sel->value.read_only, false);
        EXPECT_EQ(sel->result.untagged.size(), 7u);
        auto ex = co_await s->examine("Chats");
        EXPECT_TRUE(ex && ex->value.read_only == true);
    });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], "a001 SELECT INBOX (CONDSTORE)\r\n");
    EXPECT_EQ(got[1], "a002 EXAMINE Chats\r\n");
}

TEST(ImapSession, SynchronizingLiteralWaitsForContinuation) {
    asio::io_context io;
    std::vector<std::string> got;
    const std::string message = "Subject: hi\r\n\r\nHello\r\n";
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kPlainGreeting);
        got.push_back(co_await p.read_until());  // the APPEND line, up to the literal
        co_await p.send("+ OK\r\n");
        got.push_back(co_await p.read_until(message + "\r\n"));
        co_await p.send("a001 OK [APPENDUID 1700000001 7] Append completed.\r\n");
        // A refused literal: the client must not send it. If it did, the next line read here
        // would be the literal, not the NOOP.
        got.push_back(co_await p.read_until());
        co_await p.send("a002 NO [TRYCREATE] Mailbox doesn't exist: Nope\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("a003 OK NOOP completed.\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        EXPECT_FALSE(s->capabilities_known());
        // (Option structs are built before co_await: g++ 12 cannot hold initializer lists of
        // string literals across a suspension.)
        AppendOptions flagged;
        flagged.flags = {"\\Seen", "$Chat"};
        auto a = co_await s->append("INBOX", message, flagged);
        EXPECT_TRUE(a) << (a ? "" : a.error().message);
        if (!a) co_return;
        EXPECT_TRUE(a->result.ok());
        CO_ASSERT_TRUE(a->value);
        EXPECT_EQ(a->value->uidvalidity, 1700000001u);
        EXPECT_EQ(a->value->uids.to_string(), "7");
        auto refused = co_await s->append("Nope", message);
        EXPECT_TRUE(refused);
        if (!refused) co_return;
        EXPECT_EQ(refused->result.status(), Status::no);
        EXPECT_TRUE(refused->result.has_code(CodeKind::trycreate));
        EXPECT_FALSE(refused->value);
        auto n = co_await s->noop();
        EXPECT_TRUE(n && n->ok());
    });
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0], "a001 APPEND INBOX (\\Seen $Chat) {22}\r\n");
    EXPECT_EQ(got[1], message + "\r\n");
    EXPECT_EQ(got[2], "a002 APPEND Nope {22}\r\n");
    EXPECT_EQ(got[3], "a003 NOOP\r\n");
}

TEST(ImapSession, LiteralPlusAndMetadata) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        got.push_back(co_await p.read_until(")\r\n"));
        co_await p.send("a001 OK SETMETADATA completed.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send(
            "* METADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled {3}\r\nyes "
            "/private/vendor/vendor.dovecot/coi/config/mailbox-root \"COI\")\r\n"
            "a002 OK [METADATA LONGENTRIES 2199] GETMETADATA completed.\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        const std::vector<MetadataEntry> entries = {{"/private/comment", "two\r\nlines"},
                                                    {"/private/gone", std::nullopt}};
        auto set = co_await s->setmetadata("", entries);
        EXPECT_TRUE(set && set->ok());
        const std::vector<std::string> names = {"/private/vendor/vendor.dovecot/coi/config"};
        MetadataOptions options;
        options.depth = "infinity";
        options.maxsize = 1024;
        auto get = co_await s->getmetadata("", names, options);
        EXPECT_TRUE(get) << (get ? "" : get.error().message);
        if (!get) co_return;
        CO_ASSERT_EQ(get->value.size(), 2u);
        EXPECT_EQ(get->value[0].value, "yes");
        EXPECT_EQ(get->value[1].value, "COI");
        EXPECT_TRUE(get->result.has_code(CodeKind::metadata_longentries));
    });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(
        got[0],
        "a001 SETMETADATA \"\" (/private/comment {10+}\r\ntwo\r\nlines /private/gone NIL)\r\n");
    EXPECT_EQ(got[1],
              "a002 GETMETADATA (MAXSIZE 1024 DEPTH infinity) \"\" "
              "/private/vendor/vendor.dovecot/coi/config\r\n");
}

TEST(ImapSession, LoginIsRedactedAndRefreshesCapabilities) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        got.push_back(co_await p.read_until());
        co_await p.send("a001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("a002 OK [CAPABILITY IMAP4rev1 LITERAL+ METADATA IDLE] Logged in\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto bad = co_await s->login("alice@example.org", "wrong pass");
        EXPECT_TRUE(bad);  // NO is a result, not an Error
        if (!bad) co_return;
        EXPECT_EQ(bad->status(), Status::no);
        EXPECT_EQ(bad->code()->name, "AUTHENTICATIONFAILED");
        EXPECT_TRUE(s->has_capability("SASL-IR"));  // unchanged after a failed login
        auto ok = co_await s->login("alice@example.org", "s3cr3t-Pw");
        EXPECT_TRUE(ok && ok->ok());
        EXPECT_TRUE(s->has_capability("METADATA"));
        EXPECT_FALSE(s->has_capability("SASL-IR"));
    });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1], "a002 LOGIN alice@example.org s3cr3t-Pw\r\n");
    const std::string text = all_text(t);
    EXPECT_FALSE(contains(text, "s3cr3t-Pw"));
    EXPECT_FALSE(contains(text, "wrong pass"));
    EXPECT_TRUE(contains(text, "a002 LOGIN alice@example.org ***"));
}

TEST(ImapSession, CapabilitiesAreForgottenAfterLoginWithoutNewOnes) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("a001 OK Logged in\r\n");
        co_await p.read_until();
        co_await p.send("* CAPABILITY IMAP4rev1 METADATA COI\r\na002 OK done\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto ok = co_await s->login("bob", "pw");
        EXPECT_TRUE(ok && ok->ok());
        EXPECT_FALSE(s->capabilities_known());
        auto caps = co_await s->capability();
        EXPECT_TRUE(caps);
        if (!caps) co_return;
        EXPECT_EQ(caps->value, (std::vector<std::string>{"IMAP4rev1", "METADATA", "COI"}));
        EXPECT_TRUE(s->has_capability("COI"));
    });
}

TEST(ImapSession, AuthenticatePlainWithAndWithoutSaslIr) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer ir(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        got.push_back(co_await p.read_until());
        co_await p.send("a001 OK Logged in\r\n");
    });
    FakePeer classic(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("+ \r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("+ more?\r\n");  // a second challenge: the client cancels with "*"
        got.push_back(co_await p.read_until());
        co_await p.send("a001 BAD Authentication cancelled\r\n");
    });
    net::Transcript t1, t2;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(ir.port()), quick(), t1);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto r = co_await s->authenticate_plain("alice", "pw-123");
        EXPECT_TRUE(r && r->ok());
        auto c = co_await Session::connect(loopback(classic.port()), quick(), t2);
        if (!c) {
            ADD_FAILURE() << c.error().message;
            co_return;
        }
        auto r2 = co_await c->authenticate_plain("alice", "pw-123");
        EXPECT_TRUE(r2);
        if (r2) {
            EXPECT_EQ(r2->status(), Status::bad);
        }
    });
    // base64("\0alice\0pw-123") = AGFsaWNlAHB3LTEyMw==
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0], "a001 AUTHENTICATE PLAIN AGFsaWNlAHB3LTEyMw==\r\n");
    EXPECT_EQ(got[1], "a001 AUTHENTICATE PLAIN\r\n");
    EXPECT_EQ(got[2], "AGFsaWNlAHB3LTEyMw==\r\n");
    EXPECT_EQ(got[3], "*\r\n");
    for (const auto* t : {&t1, &t2}) {
        EXPECT_FALSE(contains(all_text(*t), "AGFsaWNlAHB3LTEyMw=="));
        EXPECT_FALSE(contains(all_text(*t), "pw-123"));
    }
}

TEST(ImapSession, FetchStoreSearchListEnableId) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        got.push_back(co_await p.read_until());
        co_await p.send(
            "* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {13}\r\nHi\r\n\r\nthere\r\n)\r\n"
            "* 2 EXISTS\r\n"
            "a001 OK Fetch completed (0.001 + 0.000 secs).\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("* 1 FETCH (UID 7 FLAGS (\\Seen $Chat))\r\na002 OK Store completed.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("* SEARCH 7 9\r\na003 OK Search completed.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send(
            "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
            "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
            "a004 OK List completed.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("* ENABLED CONDSTORE\r\na005 OK Enabled.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("* ID (\"name\" \"Dovecot\")\r\na006 OK ID completed.\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto f = co_await s->fetch("7", "(UID FLAGS BODY.PEEK[])", true);
        EXPECT_TRUE(f) << (f ? "" : f.error().message);
        if (!f) co_return;
        CO_ASSERT_EQ(f->value.size(), 1u);
        EXPECT_EQ(f->value[0].section("")->data, "Hi\r\n\r\nthere\r\n");
        EXPECT_EQ(f->result.untagged.size(), 2u);  // the EXISTS is kept too
        const std::vector<std::string> chat = {"$Chat"};
        auto st = co_await s->store("7", "+FLAGS", chat, true);
        EXPECT_TRUE(st && st->value.at(0).has_flag("$Chat"));
        auto se = co_await s->search("UNSEEN", true);
        EXPECT_TRUE(se && se->value == (std::vector<std::uint32_t>{7, 9}));
        ListOptions special_use;
        special_use.return_options = {"SPECIAL-USE"};
        auto l = co_await s->list("", "*", special_use);
        EXPECT_TRUE(l);
        if (!l) co_return;
        CO_ASSERT_EQ(l->value.size(), 2u);
        EXPECT_TRUE(l->value[1].has_attribute("\\Sent"));
        const std::vector<std::string> extensions = {"CONDSTORE", "QRESYNC"};
        auto en = co_await s->enable(extensions);
        EXPECT_TRUE(en && en->value == std::vector<std::string>{"CONDSTORE"});
        const IdParams mine = {{"name", "coitest"}, {"version", std::nullopt}};
        auto id = co_await s->id(mine);
        EXPECT_TRUE(id && id->value && id->value->at(0).second == "Dovecot");
    });
    ASSERT_EQ(got.size(), 6u);
    EXPECT_EQ(got[0], "a001 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\n");
    EXPECT_EQ(got[1], "a002 UID STORE 7 +FLAGS ($Chat)\r\n");
    EXPECT_EQ(got[2], "a003 UID SEARCH UNSEEN\r\n");
    EXPECT_EQ(got[3], "a004 LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n");
    EXPECT_EQ(got[4], "a005 ENABLE CONDSTORE QRESYNC\r\n");
    EXPECT_EQ(got[5], "a006 ID (\"name\" \"coitest\" \"version\" NIL)\r\n");
}

TEST(ImapSession, IdleWaitsForAMatchingResponse) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        got.push_back(co_await p.read_until());
        co_await p.send("+ idling\r\n");
        co_await p.send("* 1 RECENT\r\n");
        co_await p.sleep(50ms);
        co_await p.send("* 3 EXISTS\r\n* 4 EXISTS\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("a001 OK Idle completed (0.5 + 0.5 secs).\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("a002 OK NOOP completed.\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto start = co_await s->idle_start();
        EXPECT_TRUE(start && start->accepted);
        EXPECT_TRUE(s->idling());
        auto blocked = co_await s->noop();  // not while IDLE is active
        EXPECT_FALSE(blocked);
        if (!blocked) {
            EXPECT_EQ(blocked.error().kind, ErrorKind::usage);
        }
        auto seen = co_await s->wait_for(
            [](const Response& r) { return r.get<Exists>() != nullptr; }, net::Clock::now() + 5s);
        EXPECT_TRUE(seen && *seen);
        if (seen && *seen) {
            EXPECT_EQ((*seen)->get<Exists>()->count, 3u);
        }
        auto done = co_await s->idle_done();
        EXPECT_TRUE(done && done->ok());
        if (done) {
            // Everything seen during IDLE that did not match comes back with the completion.
            CO_ASSERT_EQ(done->untagged.size(), 2u);
            EXPECT_NE(done->untagged[0].get<Recent>(), nullptr);
            EXPECT_EQ(done->untagged[1].get<Exists>()->count, 4u);
        }
        auto n = co_await s->noop();
        EXPECT_TRUE(n && n->ok());
    });
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], "a001 IDLE\r\n");
    EXPECT_EQ(got[1], "DONE\r\n");
    EXPECT_EQ(got[2], "a002 NOOP\r\n");
}

TEST(ImapSession, WaitForReturnsNothingAtItsDeadline) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("+ idling\r\n* 1 RECENT\r\n");
        co_await p.read_until();  // holds the connection open until the client gives up
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto start = co_await s->idle_start();
        EXPECT_TRUE(start && start->accepted);
        auto seen =
            co_await s->wait_for([](const Response& r) { return r.get<Exists>() != nullptr; },
                                 net::Clock::now() + 300ms);
        EXPECT_TRUE(seen) << (seen ? "" : seen.error().message);
        if (seen) {
            EXPECT_FALSE(*seen);
        }
        auto kept = s->take_unsolicited();
        CO_ASSERT_EQ(kept.size(), 1u);
        EXPECT_NE(kept[0].get<Recent>(), nullptr);
    });
}

TEST(ImapSession, ByeDuringACommandIsAnErrorAndFinal) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("* BYE Server shutting down.\r\n");
        p.close();
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto r = co_await s->noop();
        EXPECT_FALSE(r);
        if (r) co_return;
        EXPECT_EQ(r.error().kind, ErrorKind::network);
        EXPECT_TRUE(contains(r.error().message, "BYE Server shutting down."));
        EXPECT_FALSE(s->usable());
        auto again = co_await s->noop();
        EXPECT_FALSE(again);
        if (!again) {
            EXPECT_EQ(again.error().message, r.error().message);
        }
    });
}

TEST(ImapSession, LogoutKeepsTheByeAndCloses) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("* BYE Logging out\r\na001 OK Logout completed (0.001 + 0.000 secs).\r\n");
        p.close();
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::connect(loopback(peer.port()), quick(), t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto r = co_await s->logout();
        EXPECT_TRUE(r && r->ok());
        if (r) {
            CO_ASSERT_EQ(r->untagged.size(), 1u);
            EXPECT_EQ(r->untagged[0].status()->status, Status::bye);
        }
        EXPECT_FALSE(s->usable());
    });
}

TEST(ImapSession, ClosedConnectionAndSilenceEndAsErrors) {
    asio::io_context io;
    FakePeer closer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("* 1 EXISTS\r\n");
        p.close();
    });
    FakePeer silent(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.read_until();  // never answers
    });
    net::Transcript t1, t2;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto a = co_await Session::connect(loopback(closer.port()), quick(), t1);
        if (!a) {
            ADD_FAILURE() << a.error().message;
            co_return;
        }
        auto r = co_await a->command("SELECT INBOX");
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::network);
            EXPECT_TRUE(contains(r.error().message, "a001 SELECT INBOX")) << r.error().message;
        }
        auto b = co_await Session::connect(loopback(silent.port()), quick(), t2);
        if (!b) {
            ADD_FAILURE() << b.error().message;
            co_return;
        }
        auto q = co_await b->noop(net::Clock::now() + 200ms);
        EXPECT_FALSE(q);
        if (!q) {
            EXPECT_EQ(q.error().kind, ErrorKind::timeout);
        }
    });
}

TEST(ImapSession, OutOfSequenceResponsesAreProtocolErrors) {
    asio::io_context io;
    FakePeer wrong_tag(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("zz9 OK what?\r\n");
        co_await p.read_until();
    });
    FakePeer stray_plus(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("+ send more\r\n");
        co_await p.read_until();
    });
    FakePeer garbage(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        co_await p.send("* 1 FETCH (UID x)\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        for (auto port : {wrong_tag.port(), stray_plus.port(), garbage.port()}) {
            auto s = co_await Session::connect(loopback(port), quick(), t);
            if (!s) {
                ADD_FAILURE() << s.error().message;
                co_return;
            }
            auto r = co_await s->noop();
            EXPECT_FALSE(r);
            if (!r) {
                EXPECT_EQ(r.error().kind, ErrorKind::protocol) << r.error().message;
            }
        }
    });
}

TEST(ImapSession, UntaggedFloodHitsTheLimit) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        for (int i = 0; i < 50; ++i) co_await p.send("* OK still here\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        SessionOptions o = quick();
        o.max_untagged = 10;
        auto s = co_await Session::connect(loopback(peer.port()), o, t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto r = co_await s->noop();
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::limit);
            EXPECT_TRUE(contains(r.error().message, "more than 10 untagged")) << r.error().message;
        }
    });
}

TEST(ImapSession, UntaggedBytesHitTheLimit) {
    asio::io_context io;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send(kGreeting);
        co_await p.read_until();
        for (int i = 0; i < 5; ++i) co_await p.send("* OK " + std::string(100, 'x') + "\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        SessionOptions o = quick();
        o.max_kept_bytes = 300;
        auto s = co_await Session::connect(loopback(peer.port()), o, t);
        if (!s) {
            ADD_FAILURE() << s.error().message;
            co_return;
        }
        auto r = co_await s->noop();
        EXPECT_FALSE(r);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::limit);
            EXPECT_TRUE(contains(r.error().message, "exceed 300 bytes")) << r.error().message;
        }
    });
}

TEST(ImapSession, GreetingMustBeOkOrPreauth) {
    asio::io_context io;
    FakePeer bye(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* BYE Too many connections\r\n");
        co_await p.read_until();
    });
    FakePeer junk(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("a1 OK hello\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        auto a = co_await Session::connect(loopback(bye.port()), quick(), t);
        EXPECT_FALSE(a);
        if (!a) {
            EXPECT_EQ(a.error().kind, ErrorKind::network);
            EXPECT_TRUE(contains(a.error().message, "Too many connections"));
        }
        auto b = co_await Session::connect(loopback(junk.port()), quick(), t);
        EXPECT_FALSE(b);
        if (!b) {
            EXPECT_EQ(b.error().kind, ErrorKind::protocol);
        }
    });
}

std::shared_ptr<asio::ssl::context> client_tls() {
    return net::make_client_tls_context({FakePeer::fixture_path("ca.pem"), false}).value();
}

TEST(ImapSession, StarttlsUpgradesAndForgetsPlainTextCapabilities) {
    asio::io_context io;
    std::vector<std::string> got;
    FakePeer peer(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK Dovecot ready.\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send(
            "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED PLAINTEXT-ONLY\r\na001 OK done\r\n");
        got.push_back(co_await p.read_until());
        co_await p.send("a002 OK Begin TLS negotiation now.\r\n");
        co_await p.handshake();
        got.push_back(co_await p.read_until());
        co_await p.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na003 OK done\r\n");
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        SessionOptions o = quick();
        o.connect.tls = client_tls();
        auto s = co_await Session::connect(
            loopback(peer.port(), net::Protocol::imap, net::Security::starttls), o, t);
        EXPECT_TRUE(s) << (s ? "" : s.error().message);
        if (!s) co_return;
        EXPECT_TRUE(s->is_tls());
        EXPECT_FALSE(s->capabilities_known());
        EXPECT_FALSE(s->has_capability("PLAINTEXT-ONLY"));
        auto caps = co_await s->capability();
        EXPECT_TRUE(caps && s->has_capability("AUTH=PLAIN"));
    });
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], "a001 CAPABILITY\r\n");
    EXPECT_EQ(got[1], "a002 STARTTLS\r\n");
    EXPECT_EQ(got[2], "a003 CAPABILITY\r\n");
}

TEST(ImapSession, StarttlsProblemsNeverFallBackToPlainText) {
    asio::io_context io;
    FakePeer missing(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
        co_await p.read_until();
    });
    FakePeer refused(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
        co_await p.read_until();
        co_await p.send("a001 NO not today\r\n");
        co_await p.read_until();
    });
    FakePeer injected(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
        co_await p.read_until();
        co_await p.send("a001 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 EVIL\r\n");
        co_await p.read_until();
    });
    FakePeer preauth(io, [&](PeerSocket& p) -> asio::awaitable<void> {
        co_await p.send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
        co_await p.read_until();
    });
    net::Transcript t;
    run_coroutine(io, [&]() -> asio::awaitable<void> {
        SessionOptions o = quick();
        o.connect.tls = client_tls();
        struct Case {
            std::uint16_t port;
            ErrorKind kind;
            std::string says;
        };
        for (const Case& c : {Case{missing.port(), ErrorKind::tls, "does not advertise"},
                              Case{refused.port(), ErrorKind::tls, "refused STARTTLS"},
                              Case{injected.port(), ErrorKind::protocol, "command injection"},
                              Case{preauth.port(), ErrorKind::tls, "PREAUTH"}}) {
            auto s = co_await Session::connect(
                loopback(c.port, net::Protocol::imap, net::Security::starttls), o, t);
            EXPECT_FALSE(s) << c.says;
            if (s) continue;
            EXPECT_EQ(s.error().kind, c.kind) << s.error().message;
            EXPECT_TRUE(contains(s.error().message, c.says)) << s.error().message;
        }
    });
}

}  // namespace
}  // namespace coitest::imap
