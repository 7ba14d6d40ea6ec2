// The interpreter on the runner, against a scripted fake server: verdicts, findings (where =
// file:line, expected = the pattern, seen = what arrived), waits that keep the connection,
// literals both ways, cleanup after failure, delivery, not-applicable, malformed scripts.
#include "reports/junit.hpp"
#include "runner/scheduler.hpp"
#include "script/register.hpp"
#include "script/tests/fake_imap_server.hpp"
#include "script/tests/memory_loader.hpp"
#include "testing/fake_peer.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <mutex>
#include <thread>

namespace coitest::script {
namespace {

namespace asio = boost::asio;
using coitest::testing::FakePeer;
using testing::all_errors;
using testing::Handler;
using testing::imap_peer;
using testing::MemoryLoader;
using testing::PeerLog;
using testing::PeerOptions;
using testing::polite;

struct Run {
    TestResult result;
    std::shared_ptr<PeerLog> log = std::make_shared<PeerLog>();
    std::vector<std::string> delivered;
};

const Catalog& shipped_catalog() {
    static const Catalog c = [] {
        const char* root = std::getenv("COITEST_SOURCE_DIR");
        return Catalog::load(std::string(root ? root : ".") + "/suites/requirements").value();
    }();
    return c;
}

// The standard header: the test judges these three (MUST, SHOULD, MUST).
const std::string kHeader =
    "test: imap-baseline.script.sample\n"
    "title: A sample\n"
    "classname: rfc3501.6.1.1\n"
    "profile: imap-baseline\n"
    "requirement: rfc3501.capability.imap4rev1 MUST\n"
    "requirement: rfc2177.idle.capability SHOULD\n"
    "requirement: rfc3501.command.unknown-bad MUST\n"
    "accounts: alice\n";  // the body starts on line 9

Run run_script_text(const std::string& body, Handler handler = polite, PeerOptions options = {},
                    MemoryLoader loader = {}) {
    Run run;
    asio::io_context peer_io;
    FakePeer peer(peer_io, imap_peer(std::move(handler), run.log, options));
    std::thread peer_thread([&] { peer_io.run(); });

    auto parsed = parse_script(SourceFile{"t.coi", "t.coi", kHeader + body}, loader);
    ScriptHooks hooks;
    auto* delivered = &run.delivered;
    hooks.deliver = [delivered](TestContext&, const std::string& bytes, const std::string&,
                                std::size_t) -> asio::awaitable<void> {
        delivered->push_back(bytes);
        co_return;
    };
    Registry registry;
    registry.add(script_test_case(parsed, std::make_shared<const ScriptHooks>(hooks)));
    Target target;
    target.name = "fake";
    target.profiles = {"imap-baseline"};
    target.imap =
        net::Endpoint{net::Protocol::imap, net::Security::plain, "127.0.0.1", peer.port()};
    target.accounts = {{"alice@example.org", "alice@example.org", "hunter2"}};
    RunOptions ro;
    ro.handle_signals = false;
    ro.test_timeout = std::chrono::seconds(8);
    ro.step_timeout = std::chrono::seconds(2);
    Scheduler scheduler(target, shipped_catalog(), ro, nullptr);
    RunObserver quiet;
    bool interrupted = false;
    auto suite = scheduler.run(registry.select({}), quiet, interrupted);
    peer_io.stop();
    peer_thread.join();
    EXPECT_EQ(suite.tests.size(), 1u);
    if (!suite.tests.empty()) run.result = suite.tests.front();
    return run;
}

const Finding* finding(const TestResult& r, std::string_view requirement) {
    for (const auto& f : r.findings)
        if (f.requirement == requirement) return &f;
    return nullptr;
}

std::string transcript(const TestResult& r) {
    std::string all;
    for (const auto& e : r.transcript) all += e.data;
    return all;
}

std::string describe(const TestResult& r) {
    std::string s = std::string(to_string(r.verdict)) + ": " + r.reason + "\n";
    for (const auto& f : r.findings)
        s += fmt::format("  {} {} at {}: expected {} / seen {}\n", f.requirement,
                         to_string(f.verdict), f.where, f.expected, f.seen);
    return s;
}

const std::string kCapability =
    "connect c1 as alice\n"                 // 9
    "judge rfc3501.capability.imap4rev1\n"  // 10
    "C: a CAPABILITY\n"                     // 11
    "S: * CAPABILITY ... IMAP4rev1 ...\n"   // 12
    "S: a OK\n"                             // 13
    "judge rfc2177.idle.capability\n"       // 14
    "assert capability IDLE\n"              // 15
    "judge rfc3501.command.unknown-bad\n"   // 16
    "C: b XNOSUCHCOMMAND\n"                 // 17
    "S: b BAD\n";                           // 18

Handler with_unknown_bad(Handler h) {
    return [h](const std::string& tag, const std::string& command) {
        if (command.rfind("XNOSUCH", 0) == 0) return tag + " BAD unknown\r\n";
        return h(tag, command);
    };
}

TEST(Interpreter, PassingScriptMeetsEachJudgedRequirement) {
    auto run = run_script_text(kCapability, with_unknown_bad(polite));
    EXPECT_EQ(run.result.verdict, Verdict::pass) << describe(run.result);
    ASSERT_EQ(run.result.findings.size(), 3u) << describe(run.result);
    EXPECT_EQ(finding(run.result, "rfc3501.capability.imap4rev1")->where, "t.coi:10");
    // The password went to the server but never into the transcript.
    EXPECT_TRUE(run.log->saw("LOGIN alice@example.org hunter2"));
    EXPECT_EQ(transcript(run.result).find("hunter2"), std::string::npos);
}

TEST(Interpreter, FailedExpectationNamesFileLineExpectedAndSeen) {
    auto run = run_script_text(kCapability, [](const std::string& tag, const std::string& cmd) {
        if (cmd.rfind("CAPABILITY", 0) == 0)
            return "* CAPABILITY IMAP4 AUTH=PLAIN\r\n" + tag + " OK done\r\n";
        return polite(tag, cmd);
    });
    EXPECT_EQ(run.result.verdict, Verdict::fail) << describe(run.result);
    const Finding* f = finding(run.result, "rfc3501.capability.imap4rev1");
    ASSERT_NE(f, nullptr) << describe(run.result);
    EXPECT_EQ(f->verdict, Verdict::fail);
    EXPECT_EQ(f->where, "t.coi:12");
    EXPECT_EQ(f->expected, "S: * CAPABILITY ... IMAP4rev1 ...");
    EXPECT_EQ(f->seen, "* CAPABILITY IMAP4 AUTH=PLAIN | a OK done");
    // A MUST failure stops the script: the later sections are not judged.
    EXPECT_EQ(finding(run.result, "rfc3501.command.unknown-bad"), nullptr);
    EXPECT_FALSE(run.log->saw("XNOSUCHCOMMAND"));
    // JUnit carries the place and expected/seen.
    RunResult all;
    all.suites.push_back({"server", {run.result}});
    const std::string junit = reports::render_junit(all);
    EXPECT_NE(junit.find("at t.coi:12"), std::string::npos) << junit;
    EXPECT_NE(junit.find("expected S: * CAPABILITY ... IMAP4rev1 ... / seen * CAPABILITY IMAP4 "
                         "AUTH=PLAIN | a OK done"),
              std::string::npos)
        << junit;
}

TEST(Interpreter, ShouldFailureWarnsAndTheScriptGoesOn) {
    auto run = run_script_text(kCapability,
                               with_unknown_bad([](const std::string& tag, const std::string& c) {
                                   if (c.rfind("CAPABILITY", 0) == 0)
                                       return "* CAPABILITY IMAP4rev1\r\n" + tag + " OK\r\n";
                                   if (c.rfind("LOGIN", 0) == 0) return tag + " OK hi\r\n";
                                   return polite(tag, c);
                               }));
    EXPECT_EQ(run.result.verdict, Verdict::warn) << describe(run.result);
    EXPECT_EQ(finding(run.result, "rfc2177.idle.capability")->verdict, Verdict::warn);
    EXPECT_EQ(finding(run.result, "rfc2177.idle.capability")->where, "t.coi:15");
    EXPECT_EQ(finding(run.result, "rfc3501.command.unknown-bad")->verdict, Verdict::pass);
    // The script's own CAPABILITY taught the capabilities: no extra CAPABILITY was needed.
    EXPECT_FALSE(run.log->saw("x002 CAPABILITY"));
}

TEST(Interpreter, KeepGoingAfterAMustFailure) {
    std::string body = kCapability;
    body.replace(body.find("judge rfc3501.capability.imap4rev1\n"), 35,
                 "judge rfc3501.capability.imap4rev1 keep-going\n");
    auto run =
        run_script_text(body, with_unknown_bad([](const std::string& tag, const std::string& cmd) {
                            if (cmd.rfind("CAPABILITY", 0) == 0)
                                return "* CAPABILITY IMAP4 IDLE\r\n" + tag + " OK\r\n";
                            return polite(tag, cmd);
                        }));
    EXPECT_EQ(run.result.verdict, Verdict::fail) << describe(run.result);
    EXPECT_EQ(finding(run.result, "rfc3501.command.unknown-bad")->verdict, Verdict::pass)
        << describe(run.result);
}

TEST(Interpreter, SetupFailureIsAnErrorNamingTheLine) {
    auto run = run_script_text(
        "connect c1 as alice\n"  // 9
        "C: s SELECT INBOX\n"    // 10
        "S: s OK\n"              // 11
        "judge rfc3501.capability.imap4rev1\nassert capability IMAP4rev1\n"
        "judge rfc2177.idle.capability\nassert capability IDLE\n"
        "judge rfc3501.command.unknown-bad\nassert capability IDLE\n",
        [](const std::string& tag, const std::string& cmd) {
            if (cmd.rfind("SELECT", 0) == 0) return tag + " NO [NONEXISTENT] gone\r\n";
            return polite(tag, cmd);
        });
    EXPECT_EQ(run.result.verdict, Verdict::error) << describe(run.result);
    EXPECT_NE(run.result.reason.find("t.coi:11: a set-up step failed: expected S: s OK / seen s "
                                     "NO [NONEXISTENT] gone"),
              std::string::npos)
        << run.result.reason;
}

TEST(Interpreter, RefusedLoginIsAnError) {
    auto run = run_script_text(kCapability, [](const std::string& tag, const std::string& cmd) {
        if (cmd.rfind("LOGIN", 0) == 0) return tag + " NO [AUTHENTICATIONFAILED] no\r\n";
        return polite(tag, cmd);
    });
    EXPECT_EQ(run.result.verdict, Verdict::error);
    EXPECT_NE(run.result.reason.find("t.coi:9: the target refused LOGIN for alice@example.org"),
              std::string::npos)
        << run.result.reason;
}

const std::string kIdle =
    "connect c1 as alice\n"                 // 9
    "judge rfc3501.capability.imap4rev1\n"  // 10
    "C: i IDLE\n"                           // 11
    "S: +\n"                                // 12
    "judge rfc2177.idle.capability\n"       // 13
    "S!: * ... EXPUNGE during 400ms\n"      // 14
    "judge rfc3501.command.unknown-bad\n"   // 15
    "S: * ${=n} EXISTS within 1s\n"         // 16
    "C: DONE\n"                             // 17
    "S: i OK\n"                             // 18
    "assert ${n} equals 4\n";               // 19

TEST(Interpreter, IdleWaitSilenceAndDone) {
    PeerOptions o;
    o.idle_push = "* 4 EXISTS\r\n";
    auto run = run_script_text(kIdle + "cleanup\nC: z NOOP\nS: z OK\n", polite, o);
    EXPECT_EQ(run.result.verdict, Verdict::pass) << describe(run.result);
    EXPECT_TRUE(run.log->saw("DONE"));
    // DONE went as IDLE's continuation data (not as a command tagged "DONE"), so nothing was
    // left half-done and the cleanup used the same connection.
    EXPECT_EQ(transcript(run.result).find("reconnect"), std::string::npos);
    EXPECT_EQ(run.log->count("LOGIN"), 1);
    EXPECT_TRUE(run.log->saw("z NOOP"));
}

TEST(Interpreter, CleanupReconnectsAConnectionLeftInIdle) {
    // The wait fails (MUST, the script stops) while c1 is still in IDLE: cleanup lines must not
    // go out as IDLE's continuation data, so cleanup opens c1 again.
    auto run = run_script_text(
        "connect c1 as alice\n"
        "judge rfc3501.capability.imap4rev1\n"
        "C: i IDLE\n"
        "S: +\n"
        "set splits-the-block here\n"
        "S: * ${=n} EXISTS within 300ms\n"
        "judge rfc2177.idle.capability\nassert capability IDLE\n"
        "judge rfc3501.command.unknown-bad\nassert capability IDLE\n"
        "cleanup\n"
        "C: z NOOP\n"
        "S: z OK\n");
    EXPECT_EQ(run.result.verdict, Verdict::fail) << describe(run.result);
    EXPECT_NE(transcript(run.result).find("c1 is in the middle of a command"), std::string::npos);
    EXPECT_EQ(run.log->count("LOGIN"), 2);
    EXPECT_TRUE(run.log->saw("z NOOP"));
    EXPECT_FALSE(run.log->saw("DONE"));
}

TEST(Interpreter, ForbiddenResponseDuringSilenceFails) {
    PeerOptions o;
    o.idle_push = "* 2 EXPUNGE\r\n* 4 EXISTS\r\n";
    auto run = run_script_text(kIdle, polite, o);
    const Finding* f = finding(run.result, "rfc2177.idle.capability");
    ASSERT_NE(f, nullptr) << describe(run.result);
    EXPECT_EQ(f->verdict, Verdict::warn);
    EXPECT_EQ(f->where, "t.coi:14");
    EXPECT_EQ(f->expected, "no response like S!: * ... EXPUNGE during 400ms");
    EXPECT_EQ(f->seen, "* 2 EXPUNGE");
}

TEST(Interpreter, AWaitThatTimesOutKeepsTheConnection) {
    // No EXISTS ever comes: the wait fails after 1 s, and DONE still works afterwards because a
    // wait never closes the connection (cleanup uses it).
    std::string body = kIdle;
    body.replace(body.find("judge rfc3501.command.unknown-bad\n"), 34,
                 "judge rfc3501.command.unknown-bad keep-going\n");
    body += "cleanup\nC: z LOGOUT\n";
    auto run = run_script_text(body, polite, {});
    const Finding* f = finding(run.result, "rfc3501.command.unknown-bad");
    ASSERT_NE(f, nullptr) << describe(run.result);
    EXPECT_EQ(f->verdict, Verdict::fail);
    EXPECT_EQ(f->where, "t.coi:16");
    // (Lines 12 to 16 form one block: judge lines do not split it.)
    EXPECT_EQ(f->seen, "+ idling (nothing more within 1000 ms)");
    EXPECT_TRUE(run.log->saw("DONE"));
    EXPECT_TRUE(run.log->saw("z LOGOUT"));
    // The later assert on ${n} could not run: the variable was never bound, which is an error
    // of the run at that line (the wait's failure is what the report shows first).
    EXPECT_EQ(run.result.verdict, Verdict::error) << describe(run.result);
    EXPECT_NE(run.result.reason.find("t.coi:19"), std::string::npos) << run.result.reason;
}

TEST(Interpreter, CleanupRunsAfterAFailure) {
    auto run = run_script_text(kCapability + "cleanup\nC: z DELETE scratch\nS: z OK\n",
                               [](const std::string& tag, const std::string& cmd) {
                                   if (cmd.rfind("CAPABILITY", 0) == 0)
                                       return "* CAPABILITY IMAP4\r\n" + tag + " OK\r\n";
                                   return polite(tag, cmd);
                               });
    EXPECT_EQ(run.result.verdict, Verdict::fail);
    EXPECT_TRUE(run.log->saw("z DELETE scratch"));
}

TEST(Interpreter, LiteralsBothWays) {
    std::string stored;
    auto run = run_script_text(
        "connect c1 as alice\n"
        "set value <<EOT\n"
        "line one\n"
        "line two\n"
        "EOT\n"
        "judge rfc3501.capability.imap4rev1\n"
        "C: a SETMETADATA \"\" (/private/x ${value:literal})\n"
        "S: a OK\n"
        "C: b GETMETADATA \"\" /private/x\n"
        "S: * METADATA \"\" (/private/x ${=back})\n"
        "S: b OK\n"
        "assert metadata \"\" /private/x equals ${value}\n"
        "assert ${back} equals ${value}\n"
        "judge rfc2177.idle.capability\n"
        "C: c APPEND INBOX {5}\n"
        "C: hello\n"
        "S: c OK\n"
        "judge rfc3501.command.unknown-bad\n"
        "C: d SETMETADATA \"\" (/private/y ${value:literal+})\n"
        "S: d OK\n",
        [&stored](const std::string& tag, const std::string& cmd) {
            if (cmd.rfind("SETMETADATA \"\" (/private/x", 0) == 0) {
                stored = cmd.substr(cmd.find("\r\n") + 2);
                stored.pop_back();  // ")"
            }
            if (cmd.rfind("GETMETADATA", 0) == 0)
                return fmt::format("* METADATA \"\" (/private/x {{{}}}\r\n{})\r\n{} OK\r\n",
                                   stored.size(), stored, tag);
            return polite(tag, cmd);
        });
    EXPECT_EQ(run.result.verdict, Verdict::pass) << describe(run.result);
    EXPECT_EQ(stored, "line one\r\nline two");
    EXPECT_TRUE(run.log->saw("c APPEND INBOX {5}\r\nhello"));
    EXPECT_TRUE(run.log->saw("d SETMETADATA \"\" (/private/y {18+}\r\nline one"));
}

TEST(Interpreter, RefusedLiteralCompletesTheCommand) {
    PeerOptions o;
    o.refuse_literal = true;
    auto run = run_script_text(
        "connect c1 as alice\n"
        "judge rfc3501.capability.imap4rev1\n"
        "C: a APPEND INBOX {5}\n"
        "C: hello\n"
        "S: a NO [TOOBIG]\n"
        "judge rfc2177.idle.capability\nassert capability IDLE\n"
        "judge rfc3501.command.unknown-bad\nassert capability IDLE\n",
        polite, o);
    EXPECT_EQ(run.result.verdict, Verdict::pass) << describe(run.result);
    EXPECT_FALSE(run.log->saw("hello"));
}

TEST(Interpreter, RequireMakesTheTestNotApplicable) {
    auto run = run_script_text(
        "connect c1 as alice\n"
        "require capability METADATA | METADATA-SERVER\n" +
        kCapability.substr(kCapability.find("judge")));
    EXPECT_EQ(run.result.verdict, Verdict::not_applicable) << describe(run.result);
    EXPECT_NE(run.result.reason.find("capability METADATA or METADATA-SERVER is required"),
              std::string::npos)
        << run.result.reason;
    EXPECT_NE(run.result.reason.find("precondition at t.coi:10"), std::string::npos);
}

TEST(Interpreter, IfElseOnCapabilitiesAndSeen) {
    auto run = run_script_text(
        "connect c1 as alice\n"
        "C: s SELECT INBOX\n"
        "S: s OK\n"
        "judge rfc3501.capability.imap4rev1\n"
        "if seen * OK [PERMANENTFLAGS (... \\* ...)]\n"
        "  C: a STORE 1 +FLAGS ($Chat)\n"
        "  S: a OK\n"
        "else\n"
        "  C: a NOOP\n"
        "  S: a OK\n"
        "end\n"
        "judge rfc2177.idle.capability\n"
        "if not capability UIDPLUS\n"
        "  repeat 3\n"
        "    C: . NOOP\n"
        "    S: . OK\n"
        "  end\n"
        "end\n"
        "judge rfc3501.command.unknown-bad\nassert capability IDLE\n",
        [](const std::string& tag, const std::string& cmd) {
            if (cmd.rfind("SELECT", 0) == 0)
                return "* OK [PERMANENTFLAGS (\\Seen \\*)] ok\r\n" + tag + " OK [READ-WRITE]\r\n";
            return polite(tag, cmd);
        });
    EXPECT_EQ(run.result.verdict, Verdict::pass) << describe(run.result);
    EXPECT_TRUE(run.log->saw("a STORE 1 +FLAGS ($Chat)"));
    EXPECT_TRUE(run.log->saw("x004 NOOP"));  // x001 LOGIN, x002 CAPABILITY, then the loop
    EXPECT_FALSE(run.log->saw("a NOOP"));
}

// A server whose GETMETADATA of /private/x answers `value` (or NIL when it is empty).
Handler metadata_server(std::string value) {
    return [value](const std::string& tag, const std::string& cmd) {
        if (cmd.rfind("GETMETADATA", 0) == 0)
            return "* METADATA \"\" (/private/x " + (value.empty() ? "NIL" : '"' + value + '"') +
                   ")\r\n" + tag + " OK done\r\n";
        return polite(tag, cmd);
    };
}

const std::string kMetadataBranches =
    "connect c1 as alice\n"                                              // 9
    "C: a GETMETADATA \"\" (/private/x)\n"                               // 10
    "S?: * METADATA \"\" (/private/x ${=state})\n"                       // 11
    "S: a OK\n"                                                          // 12
    "require metadata \"\" /private/x present because \"x is unset\"\n"  // 13
    "judge rfc3501.capability.imap4rev1\n"                               // 14
    "if ${state} equals yes\n"                                           // 15
    "  C: b NOOP\n"                                                      // 16
    "  S: b OK\n"                                                        // 17
    "  set was_yes 1\n"                                                  // 18
    "else\n"                                                             // 19
    "  C: c XNOSUCH\n"                                                   // 20
    "  S: c BAD\n"                                                       // 21
    "end\n"                                                              // 22
    "judge rfc2177.idle.capability\n"                                    // 23
    "if not defined was_yes\n"                                           // 24
    "  C: d GETMETADATA \"\" (/private/x)\n"                             // 25
    "  S: d OK\n"                                                        // 26
    "  assert metadata \"\" /private/x present\n"                        // 27
    "end\n"                                                              // 28
    "judge rfc3501.command.unknown-bad\n"                                // 29
    "assert ${state} differs NIL\n"                                      // 30
    "cleanup\n"                                                          // 31
    "if defined state\n"                                                 // 32
    "  C: z NOOP\n"                                                      // 33
    "  S: z OK\n"                                                        // 34
    "end\n"                                                              // 35
    "if defined was_yes\n"                                               // 36
    "  C: y NOOP\n"                                                      // 37
    "  S: y OK\n"                                                        // 38
    "end\n";                                                             // 39

TEST(Interpreter, AssertionConditionsChooseTheBranch) {
    auto yes = run_script_text(kMetadataBranches, with_unknown_bad(metadata_server("yes")));
    EXPECT_EQ(yes.result.verdict, Verdict::pass) << describe(yes.result);
    EXPECT_TRUE(yes.log->saw("b NOOP"));
    EXPECT_FALSE(yes.log->saw("c XNOSUCH"));
    EXPECT_FALSE(yes.log->saw("d GETMETADATA"));
    // `defined` in cleanup: both variables have values.
    EXPECT_TRUE(yes.log->saw("z NOOP"));
    EXPECT_TRUE(yes.log->saw("y NOOP"));

    auto other = run_script_text(kMetadataBranches, with_unknown_bad(metadata_server("no")));
    EXPECT_EQ(other.result.verdict, Verdict::pass) << describe(other.result);
    EXPECT_FALSE(other.log->saw("b NOOP"));
    EXPECT_TRUE(other.log->saw("c XNOSUCH"));
    EXPECT_TRUE(other.log->saw("d GETMETADATA"));
    EXPECT_TRUE(other.log->saw("z NOOP"));
    EXPECT_FALSE(other.log->saw("y NOOP"));  // was_yes was never set
}

TEST(Interpreter, RequireOnAnAssertionSaysWhatItSaw) {
    auto run = run_script_text(kMetadataBranches, with_unknown_bad(metadata_server("")));
    EXPECT_EQ(run.result.verdict, Verdict::not_applicable) << describe(run.result);
    const std::string& why = run.result.reason;
    EXPECT_NE(why.find("x is unset (precondition at t.coi:13; expected a value (not NIL) for "
                       "/private/x on \"\" / seen NIL)"),
              std::string::npos)
        << why;
    EXPECT_FALSE(run.log->saw("b NOOP"));
    EXPECT_TRUE(run.log->saw("z NOOP"));  // cleanup still runs
}

TEST(Interpreter, MetadataPresentFailsOnNil) {
    auto run = run_script_text(
        "connect c1 as alice\n"
        "C: a GETMETADATA \"\" (/private/x)\n"
        "S: a OK\n"
        "judge rfc3501.capability.imap4rev1 keep-going\n"
        "assert metadata \"\" /private/x present\n"
        "judge rfc2177.idle.capability\n"
        "if not metadata \"\" /private/x present\n"
        "  C: b NOOP\n"
        "  S: b OK\n"
        "end\n"
        "judge rfc3501.command.unknown-bad\n"
        "require not metadata \"\" /private/y present\n",
        metadata_server(""));
    EXPECT_EQ(run.result.verdict, Verdict::fail) << describe(run.result);
    const Finding* f = finding(run.result, "rfc3501.capability.imap4rev1");
    ASSERT_NE(f, nullptr) << describe(run.result);
    EXPECT_EQ(f->verdict, Verdict::fail);
    EXPECT_EQ(f->seen, "NIL");
    EXPECT_NE(f->expected.find("a value (not NIL) for /private/x"), std::string::npos);
    EXPECT_EQ(f->where, "t.coi:13");
    EXPECT_TRUE(run.log->saw("b NOOP"));
}

TEST(Interpreter, DeliverFillsTheFixtureTemplate) {
    MemoryLoader loader;
    loader.files["chat.eml"] =
        "From: <${from}>\nTo: <${to}>\nMessage-ID: <chat$${message_id}>\nSubject: ${subject}\n\n"
        "hi\n";
    auto run = run_script_text(
        "connect c1 as alice\n"
        "set subject unique s\n"
        "deliver chat.eml to alice as mid\n"
        "judge rfc3501.capability.imap4rev1\nassert ${mid} matches "
        "re\"coitest-[0-9a-f]+-\\d+@example\\.org\"\n"
        "judge rfc2177.idle.capability\nassert capability IDLE\n"
        "judge rfc3501.command.unknown-bad\nassert capability IDLE\n",
        polite, {}, loader);
    EXPECT_EQ(run.result.verdict, Verdict::pass) << describe(run.result);
    ASSERT_EQ(run.delivered.size(), 1u);
    const std::string& m = run.delivered[0];
    EXPECT_EQ(m.rfind("From: <alice@example.org>\r\nTo: <alice@example.org>\r\nMessage-ID: "
                      "<chat$coitest-",
                      0),
              0u)
        << m;
    EXPECT_NE(m.find("\r\nSubject: s-"), std::string::npos) << m;
    EXPECT_EQ(m.substr(m.size() - 6), "\r\nhi\r\n") << m;
}

TEST(Interpreter, MalformedScriptIsAnErrorNamingLineAndColumn) {
    auto run = run_script_text(
        "connect c1 as alice\njudge rfc3501.capability.imap4rev1\n"
        "C: a NOOP\nS: a MAYBE\n");
    EXPECT_EQ(run.result.verdict, Verdict::error);
    EXPECT_NE(run.result.reason.find("malformed script"), std::string::npos) << run.result.reason;
    EXPECT_NE(run.result.reason.find("t.coi:12:6: 'MAYBE' is not a status"), std::string::npos)
        << run.result.reason;
}

}  // namespace
}  // namespace coitest::script
