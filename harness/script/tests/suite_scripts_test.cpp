// The suite's own imap-baseline scripts (suites/server/scripts) against a small stateful fake
// server: each passes on a correct server, and fails (or is not-applicable) on one that breaks
// exactly the rule it judges. This is what proves the checks can fail; the live tests prove they
// pass on a real server.
#include "runner/scheduler.hpp"
#include "script/register.hpp"
#include "script/template.hpp"
#include "script/tests/fake_imap_server.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <map>
#include <thread>

namespace coitest::script {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using coitest::testing::FakePeer;
using testing::imap_peer;
using testing::PeerLog;
using testing::PeerOptions;

fs::path source_root() {
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    return root ? fs::path(root) : fs::current_path();
}

// What a server gets wrong (each flag breaks one rule).
struct Quirks {
    std::string capabilities = "IMAP4rev1 IDLE AUTH=PLAIN METADATA UIDPLUS";
    bool accept_any_password = false;
    bool unknown_command_ok = false;
    bool extra_root_list = false;
    bool uidvalidity_changes = false;
    bool no_new_keywords = false;
    bool keywords_not_stored = false;
    bool strip_trailing_spaces = false;
    bool no_appenduid = false;
    bool nil_does_not_delete = false;
    bool wrong_size = false;
};

// A one-mailbox IMAP server that keeps messages, flags and metadata across connections.
class MailServer {
  public:
    explicit MailServer(Quirks q) : q_(std::move(q)) {}

    std::string operator()(const std::string& tag, const std::string& cmd) {
        auto starts = [&](std::string_view p) { return cmd.rfind(p, 0) == 0; };
        const std::string ok = tag + " OK done\r\n";
        if (starts("CAPABILITY")) return "* CAPABILITY " + q_.capabilities + "\r\n" + ok;
        if (starts("LOGIN ")) {
            if (cmd.find(" hunter2") == std::string::npos && !q_.accept_any_password)
                return tag + " NO [AUTHENTICATIONFAILED] wrong\r\n";
            authenticated_ = true;
            return tag + " OK [CAPABILITY " + q_.capabilities + "] hi\r\n";
        }
        if (starts("AUTHENTICATE PLAIN ")) {
            const std::string plain("\0alice@example.org\0hunter2", 26);
            if (cmd.substr(19) != base64_encode(plain)) return tag + " NO bad credentials\r\n";
            authenticated_ = true;
            return ok;
        }
        if (starts("LIST \"\" \"\"")) {
            if (!authenticated_) return tag + " BAD log in first\r\n";
            std::string r = "* LIST (\\Noselect) \"/\" \"\"\r\n";
            if (q_.extra_root_list) r += "* LIST (\\Noselect) \"/\" \"\"\r\n";
            return r + ok;
        }
        if (starts("LIST \"\" \"%\"")) return "* LIST (\\HasNoChildren) \"/\" INBOX\r\n" + ok;
        if (starts("SELECT INBOX")) {
            const int validity = q_.uidvalidity_changes ? 1000 + ++selects_ : 1000;
            return fmt::format(
                "* FLAGS (\\Seen \\Deleted $Chat)\r\n* OK [PERMANENTFLAGS (\\Seen \\Deleted{})] "
                "ok\r\n* {} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY {}] ok\r\n{} OK "
                "[READ-WRITE] selected\r\n",
                q_.no_new_keywords ? "" : " \\*", messages_.size(), validity, tag);
        }
        if (starts("APPEND INBOX ")) {
            std::string bytes = cmd.substr(cmd.find("\r\n") + 2);
            if (q_.strip_trailing_spaces) {
                std::string out;
                std::size_t start = 0;
                while (start < bytes.size()) {
                    std::size_t end = bytes.find("\r\n", start);
                    if (end == std::string::npos) end = bytes.size();
                    std::string line = bytes.substr(start, end - start);
                    while (!line.empty() && line.back() == ' ') line.pop_back();
                    out += line;
                    if (end < bytes.size()) out += "\r\n";
                    start = end + 2;
                }
                bytes = out;
            }
            messages_.push_back({++next_uid_, bytes, {}});
            if (q_.no_appenduid) return ok;
            return fmt::format("{} OK [APPENDUID 1000 {}] appended\r\n", tag, next_uid_);
        }
        if (starts("UID SEARCH HEADER Message-ID ")) {
            std::string id = cmd.substr(29);
            if (!id.empty() && id.front() == '"') id = id.substr(1, id.size() - 2);
            std::string r = "* SEARCH";
            for (const auto& m : messages_)
                if (m.bytes.find("Message-ID: <" + id + ">") != std::string::npos)
                    r += " " + std::to_string(m.uid);
            return r + "\r\n" + ok;
        }
        if (starts("UID FETCH ")) {
            const unsigned uid = static_cast<unsigned>(std::stoul(cmd.substr(10)));
            for (std::size_t i = 0; i < messages_.size(); ++i) {
                const Message& m = messages_[i];
                if (m.uid != uid) continue;
                if (cmd.find("BODY.PEEK[]") != std::string::npos)
                    return fmt::format(
                        "* {} FETCH (UID {} RFC822.SIZE {} BODY[] {{{}}}\r\n{})\r\n{}", i + 1, uid,
                        m.bytes.size() + (q_.wrong_size ? 1 : 0), m.bytes.size(), m.bytes, ok);
                return fmt::format("* {} FETCH (UID {} FLAGS ({}))\r\n{}", i + 1, uid,
                                   fmt::join(m.flags, " "), ok);
            }
            return ok;
        }
        if (starts("UID STORE ")) {
            const unsigned uid = static_cast<unsigned>(std::stoul(cmd.substr(10)));
            const bool add = cmd.find(" +FLAGS") != std::string::npos;
            const std::string flag =
                cmd.substr(cmd.find('(') + 1, cmd.find(')') - cmd.find('(') - 1);
            for (auto& m : messages_) {
                if (m.uid != uid) continue;
                if (flag == "$Chat" && q_.keywords_not_stored) continue;
                auto it = std::find(m.flags.begin(), m.flags.end(), flag);
                if (add && it == m.flags.end()) m.flags.push_back(flag);
                if (!add && it != m.flags.end()) m.flags.erase(it);
            }
            return ok;
        }
        if (starts("EXPUNGE")) {
            std::erase_if(messages_, [](const Message& m) {
                return std::find(m.flags.begin(), m.flags.end(), "\\Deleted") != m.flags.end();
            });
            return ok;
        }
        if (starts("SETMETADATA \"\" (")) {
            std::string rest = cmd.substr(16);
            rest.pop_back();  // ")"
            const std::size_t sp = rest.find(' ');
            const std::string entry = rest.substr(0, sp);
            std::string value = rest.substr(sp + 1);
            if (value == "NIL") {
                if (!q_.nil_does_not_delete) metadata_.erase(entry);
                return ok;
            }
            if (value.front() == '{') value = value.substr(value.find("\r\n") + 2);
            metadata_[entry] = value;
            return ok;
        }
        if (starts("GETMETADATA \"\" ")) {
            const std::string entry = cmd.substr(15);
            const auto it = metadata_.find(entry);
            if (it == metadata_.end()) return ok;
            return fmt::format("* METADATA \"\" ({} {{{}}}\r\n{})\r\n{}", entry, it->second.size(),
                               it->second, ok);
        }
        if (starts("NOOP")) return ok;
        if (starts("LOGOUT")) return "* BYE bye\r\n" + ok;
        return q_.unknown_command_ok ? ok : tag + " BAD unknown command\r\n";
    }

    std::size_t message_count() const { return messages_.size(); }

  private:
    struct Message {
        unsigned uid;
        std::string bytes;
        std::vector<std::string> flags;
    };
    Quirks q_;
    bool authenticated_ = false;
    int selects_ = 0;
    unsigned next_uid_ = 0;
    std::vector<Message> messages_;
    std::map<std::string, std::string> metadata_;
};

struct Outcome {
    TestResult result;
    std::size_t left_behind = 0;  // messages the test did not clean up
};

Outcome run_suite_script(const std::string& id, Quirks quirks, PeerOptions options = {}) {
    auto server = std::make_shared<MailServer>(std::move(quirks));
    auto log = std::make_shared<PeerLog>();
    asio::io_context peer_io;
    FakePeer peer(peer_io, imap_peer([server](const std::string& t,
                                              const std::string& c) { return (*server)(t, c); },
                                     log, options));
    std::thread peer_thread([&] { peer_io.run(); });

    Registry registry;
    std::vector<Error> errors;
    ScriptHooks hooks;
    hooks.deliver = [](TestContext&, const std::string&, const std::string&,
                       std::size_t) -> asio::awaitable<void> { co_return; };
    register_script_suites(registry, source_root() / "suites/server/scripts", errors, hooks);
    EXPECT_TRUE(errors.empty());
    const Catalog catalog = Catalog::load(source_root() / "suites/requirements").value();
    Target target;
    target.profiles = {"imap-baseline"};
    target.imap =
        net::Endpoint{net::Protocol::imap, net::Security::plain, "127.0.0.1", peer.port()};
    target.accounts = {{"alice@example.org", "alice@example.org", "hunter2"}};
    RunOptions ro;
    ro.handle_signals = false;
    ro.test_timeout = std::chrono::seconds(20);
    ro.step_timeout = std::chrono::seconds(2);
    Scheduler scheduler(target, catalog, ro, nullptr);
    RunObserver quiet;
    bool interrupted = false;
    Selection only{{id}, {}, {}, {}};
    auto suite = scheduler.run(registry.select(only), quiet, interrupted);
    peer_io.stop();
    peer_thread.join();
    EXPECT_EQ(suite.tests.size(), 1u) << id;
    Outcome out;
    if (!suite.tests.empty()) out.result = suite.tests.front();
    out.left_behind = server->message_count();
    return out;
}

std::string describe(const TestResult& r) {
    std::string s = fmt::format("{} {}: {}\n", r.id, to_string(r.verdict), r.reason);
    for (const auto& f : r.findings)
        s += fmt::format("  {} {} at {}: expected {} / seen {}\n", f.requirement,
                         to_string(f.verdict), f.where, f.expected, f.seen);
    return s;
}

Verdict verdict_of(const TestResult& r, std::string_view requirement) {
    Verdict v = Verdict::not_applicable;
    for (const auto& f : r.findings)
        if (f.requirement == requirement) v = worst(v, f.verdict);
    return v;
}

TEST(SuiteScripts, CapabilityImap4rev1) {
    auto good = run_suite_script("imap-baseline.capability.imap4rev1", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks q;
    q.capabilities = "IMAP4 AUTH=PLAIN";
    auto bad = run_suite_script("imap-baseline.capability.imap4rev1", q);
    EXPECT_EQ(bad.result.verdict, Verdict::fail) << describe(bad.result);
    EXPECT_NE(bad.result.reason.find("seen * CAPABILITY IMAP4 AUTH=PLAIN"), std::string::npos);
}

TEST(SuiteScripts, AuthPlainNotApplicableWithoutTls) {
    auto good = run_suite_script("imap-baseline.capability.auth-plain", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks q;
    q.capabilities = "IMAP4rev1 LOGINDISABLED";
    auto na = run_suite_script("imap-baseline.capability.auth-plain", q);
    EXPECT_EQ(na.result.verdict, Verdict::not_applicable) << describe(na.result);
    EXPECT_NE(na.result.reason.find("not TLS-protected"), std::string::npos);
}

TEST(SuiteScripts, LoginValidAndAuthenticatePlain) {
    auto login = run_suite_script("imap-baseline.login.valid", {});
    EXPECT_EQ(login.result.verdict, Verdict::pass) << describe(login.result);
    auto plain = run_suite_script("imap-baseline.authenticate.plain", {});
    EXPECT_EQ(plain.result.verdict, Verdict::pass) << describe(plain.result);
    std::string all;
    for (const auto& e : plain.result.transcript) all += e.data;
    EXPECT_EQ(all.find("AGFsaWNl"), std::string::npos) << "the PLAIN answer leaked";
}

TEST(SuiteScripts, LoginInvalid) {
    auto good = run_suite_script("imap-baseline.login.invalid", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks q;
    q.accept_any_password = true;
    auto bad = run_suite_script("imap-baseline.login.invalid", q);
    EXPECT_EQ(bad.result.verdict, Verdict::fail) << describe(bad.result);
}

TEST(SuiteScripts, UnknownCommandBad) {
    auto good = run_suite_script("imap-baseline.command.unknown-bad", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks q;
    q.unknown_command_ok = true;
    auto bad = run_suite_script("imap-baseline.command.unknown-bad", q);
    EXPECT_EQ(bad.result.verdict, Verdict::fail) << describe(bad.result);
    EXPECT_NE(bad.result.reason.find("expected S: a BAD / seen a OK done"), std::string::npos)
        << bad.result.reason;
}

TEST(SuiteScripts, ListDelimiterExactlyOneResponse) {
    auto good = run_suite_script("imap-baseline.list.delimiter", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks q;
    q.extra_root_list = true;
    auto bad = run_suite_script("imap-baseline.list.delimiter", q);
    EXPECT_EQ(verdict_of(bad.result, "rfc3501.list.delimiter"), Verdict::fail)
        << describe(bad.result);
    // keep-going: INBOX is still judged.
    EXPECT_EQ(verdict_of(bad.result, "rfc3501.list.inbox"), Verdict::pass) << describe(bad.result);
}

TEST(SuiteScripts, SelectUidvalidityStable) {
    auto good = run_suite_script("imap-baseline.select.uidvalidity", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks q;
    q.uidvalidity_changes = true;
    auto bad = run_suite_script("imap-baseline.select.uidvalidity", q);
    EXPECT_EQ(verdict_of(bad.result, "rfc3501.select.uidvalidity-stable"), Verdict::fail)
        << describe(bad.result);
    EXPECT_EQ(verdict_of(bad.result, "rfc3501.select.uidvalidity"), Verdict::pass);
}

TEST(SuiteScripts, AppendFetchExact) {
    auto good = run_suite_script("imap-baseline.append.fetch-exact", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    EXPECT_EQ(good.left_behind, 0u) << "cleanup did not delete the message";
    Quirks strip;
    strip.strip_trailing_spaces = true;
    auto bad = run_suite_script("imap-baseline.append.fetch-exact", strip);
    EXPECT_EQ(verdict_of(bad.result, "rfc3501.append.stored-exactly"), Verdict::fail)
        << describe(bad.result);
    // The size is still consistent with what the server returns: that requirement holds.
    EXPECT_EQ(verdict_of(bad.result, "rfc3501.fetch.rfc822-size"), Verdict::pass)
        << describe(bad.result);
    EXPECT_EQ(bad.left_behind, 0u) << "cleanup must run after a failure";
    Quirks size;
    size.wrong_size = true;
    auto lying = run_suite_script("imap-baseline.append.fetch-exact", size);
    EXPECT_EQ(verdict_of(lying.result, "rfc3501.fetch.rfc822-size"), Verdict::fail)
        << describe(lying.result);
    EXPECT_EQ(verdict_of(lying.result, "rfc3501.append.stored-exactly"), Verdict::pass);
    Quirks no_uid;
    no_uid.no_appenduid = true;
    auto missing = run_suite_script("imap-baseline.append.fetch-exact", no_uid);
    EXPECT_EQ(verdict_of(missing.result, "rfc4315.append.appenduid"), Verdict::fail)
        << describe(missing.result);
}

TEST(SuiteScripts, StoreChatKeyword) {
    auto good = run_suite_script("imap-baseline.store.chat-keyword", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks lost;
    lost.keywords_not_stored = true;
    auto bad = run_suite_script("imap-baseline.store.chat-keyword", lost);
    EXPECT_EQ(verdict_of(bad.result, "rfc3501.store.keyword"), Verdict::fail)
        << describe(bad.result);
    Quirks closed;
    closed.no_new_keywords = true;
    auto na = run_suite_script("imap-baseline.store.chat-keyword", closed);
    EXPECT_EQ(na.result.verdict, Verdict::not_applicable) << describe(na.result);
    EXPECT_EQ(na.left_behind, 0u) << "cleanup must run after not-applicable too";
}

TEST(SuiteScripts, MetadataServerPrivate) {
    auto good = run_suite_script("imap-baseline.metadata.server-private", {});
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    Quirks keep;
    keep.nil_does_not_delete = true;
    auto bad = run_suite_script("imap-baseline.metadata.server-private", keep);
    EXPECT_EQ(verdict_of(bad.result, "rfc5464.setmetadata.nil-deletes"), Verdict::fail)
        << describe(bad.result);
    Quirks none;
    none.capabilities = "IMAP4rev1 IDLE";
    auto na = run_suite_script("imap-baseline.metadata.server-private", none);
    EXPECT_EQ(na.result.verdict, Verdict::not_applicable) << describe(na.result);
}

TEST(SuiteScripts, IdleExistsOnDelivery) {
    PeerOptions push;
    push.idle_push = "* 1 EXISTS\r\n";
    auto good = run_suite_script("imap-baseline.idle.exists-on-delivery", {}, push);
    EXPECT_EQ(good.result.verdict, Verdict::pass) << describe(good.result);
    // Without IDLE: a warning (SHOULD), and nothing more is judged.
    Quirks q;
    q.capabilities = "IMAP4rev1 AUTH=PLAIN";
    auto warn = run_suite_script("imap-baseline.idle.exists-on-delivery", q, push);
    EXPECT_EQ(warn.result.verdict, Verdict::warn) << describe(warn.result);
    EXPECT_EQ(warn.result.findings.size(), 1u) << describe(warn.result);
}

}  // namespace
}  // namespace coitest::script
