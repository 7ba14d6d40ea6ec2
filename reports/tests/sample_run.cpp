#include "sample_run.hpp"

#include <string>

namespace coitest::reports::testing {

namespace {

RunResult base() {
    RunResult run;
    run.tool_version = "0.1.0-test";
    run.started_at = "2024-05-01T12:00:00Z";
    run.seconds = 3.25;
    run.target = "imap+starttls://127.0.0.1:14143";
    run.profiles = {"imap-baseline", "coi-server"};
    return run;
}

TestResult pass_test() {
    TestResult t;
    t.id = "rfc3501.capability.imap4rev1";
    t.title = "CAPABILITY lists IMAP4rev1";
    t.classname = "rfc3501.7.2.1";
    t.profile = "imap-baseline";
    t.tags = {"capability", "smoke"};
    t.requirements = {{"rfc3501.capability.imap4rev1", Level::must, "RFC 3501", "7.2.1"}};
    t.verdict = Verdict::pass;
    t.seconds = 0.012;
    t.transcript = {
        {"c1", Direction::note, 0.0, "connected to 127.0.0.1:14143"},
        {"c1", Direction::server, 0.001, "* OK ready\r\n"},
        {"c1", Direction::client, 0.002, "a001 CAPABILITY\r\n"},
        {"c1", Direction::server, 0.004, "* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK done\r\n"},
    };
    return t;
}

TestResult fail_test() {
    TestResult t;
    t.id = "coi-server.capability.coi-after-login";
    t.title = "COI is announced after LOGIN";
    t.classname = "";  // empty on purpose: JUnit must fall back to the suite name
    t.profile = "coi-server";
    t.requirements = {
        {"coi-server.capability.coi-after-login", Level::must, "coi/coi-server-spec.md", "3.1"},
        {"coi-server.capability.once", Level::must_not, "coi/coi-server-spec.md", "3.1"}};
    t.verdict = Verdict::fail;
    t.reason = "COI missing from CAPABILITY after LOGIN";
    t.findings = {{"coi-server.capability.coi-after-login", Level::must, Verdict::fail,
                   "CAPABILITY response", "* CAPABILITY ... COI",
                   "* CAPABILITY IMAP4rev1 <no COI> & \"more\""}};
    t.seconds = 0.5;
    t.transcript = {
        {"c1", Direction::client, 0.012, "a001 LOGIN alice ***\r\n"},
        {"c1", Direction::server, 0.020, std::string(kHostile) + "\r\n"},
        {"c1", Direction::server, 0.021, "a001 OK <done> & \"ok\"\r\n"},
    };
    return t;
}

TestResult warn_test() {
    TestResult t;
    t.id = "coi-server.metadata.should-validate";
    t.title = "SETMETADATA rejects a bad value";
    t.classname = "coi-server.4.2";
    t.profile = "coi-server";
    t.requirements = {
        {"coi-server.metadata.should-validate", Level::should, "coi/coi-server-spec.md", "4.2"}};
    t.verdict = Verdict::warn;
    t.reason = "bad value accepted";
    t.findings = {{"coi-server.metadata.should-validate", Level::should, Verdict::warn,
                   "SETMETADATA", "NO [BADVALUE]", "OK"}};
    t.seconds = 0.03;
    return t;
}

TestResult info_test() {
    TestResult t;
    t.id = "coi-server.filter.default";
    t.title = "Default filter mode";
    t.classname = "coi-server.5";
    t.requirements = {{"coi-server.filter.default", Level::may, "coi/coi-server-spec.md", "5"}};
    t.verdict = Verdict::info;
    t.reason = "server chose filter=active";
    t.findings = {
        {"coi-server.filter.default", Level::may, Verdict::info, "", "none|active|seen", "active"}};
    t.seconds = 0.02;
    return t;
}

TestResult not_applicable_test() {
    TestResult t;
    t.id = "webpush.capability.announced";
    t.title = "WEBPUSH capability";
    t.classname = "webpush.2";
    t.profile = "webpush-server";
    t.requirements = {{"webpush.capability.announced", Level::must, "coi/webpush-spec.md", "2"}};
    t.verdict = Verdict::not_applicable;
    t.reason = "target does not claim profile webpush-server";
    return t;
}

TestResult error_test() {
    TestResult t;
    t.id = "rfc3501.idle.notify";
    t.title = "IDLE reports a new message";
    t.classname = "rfc2177.3";
    t.requirements = {{"rfc2177.idle.exists", Level::must, "RFC 2177", "3"}};
    t.verdict = Verdict::error;
    t.reason = "connection refused by 127.0.0.1:14143";
    t.seconds = 0.001;
    t.transcript = {{"c1", Direction::note, 0.0, "connect failed: connection refused"}};
    return t;
}

}  // namespace

RunResult full_run(bool strict) {
    RunResult run = base();
    run.strict = strict;
    run.suites = {
        {"server",
         {pass_test(), fail_test(), warn_test(), info_test(), not_applicable_test(), error_test()}},
        {"lint", {pass_test()}}};
    run.suites[1].tests[0].id = "rfc5322.header.date";
    run.suites[1].tests[0].classname = "rfc5322.3.6.1";
    return run;
}

RunResult empty_run() {
    RunResult run = base();
    run.seconds = 0;
    return run;
}

RunResult interrupted_run() {
    RunResult run = base();
    run.interrupted = true;
    run.suites = {{"server", {pass_test(), fail_test()}}};
    return run;
}

}  // namespace coitest::reports::testing
