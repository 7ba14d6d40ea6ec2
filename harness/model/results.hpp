#pragma once
// What a run produced. Report writers read these types and nothing else.
#include "model/verdict.hpp"

#include <string>
#include <vector>

namespace coitest {

enum class Direction { client, server, note };

// One chunk on the wire (or a harness note) of one connection. `data` is already redacted.
struct TranscriptEntry {
    std::string connection;  // "c1", "smtp"
    Direction direction = Direction::note;
    double offset_seconds = 0;  // since the test started
    std::string data;
};

// A requirement a test judges, with its level, as reports show it.
struct RequirementRef {
    std::string id;
    Level level = Level::must;
    std::string spec;
    std::string section;
};

// The outcome for one requirement inside one test.
struct Finding {
    std::string requirement;
    Level level = Level::must;
    Verdict verdict = Verdict::pass;
    std::string where;     // header name, MIME part path, or script file:line
    std::string expected;  // what the requirement asks
    std::string seen;      // what the implementation did
};

struct TestResult {
    std::string id;  // stable test ID, the JUnit testcase name
    std::string title;
    std::string classname;  // spec.section the test belongs to, e.g. "rfc3501.6.1.1"
    std::string profile;
    std::vector<std::string> tags;
    std::vector<RequirementRef> requirements;
    Verdict verdict = Verdict::error;
    std::string reason;  // for error and not-applicable: why; for fail/warn: a one-line summary
    std::vector<Finding> findings;
    double seconds = 0;
    std::vector<TranscriptEntry> transcript;
};

struct SuiteResult {
    std::string name;  // "server", "lint", ...
    std::vector<TestResult> tests;
};

struct RunSummary {
    int total = 0, pass = 0, fail = 0, warn = 0, info = 0, not_applicable = 0, error = 0;
};

struct RunResult {
    static constexpr int kSchemaVersion = 1;
    std::string tool_version;
    std::string started_at;  // RFC 3339, UTC
    double seconds = 0;
    std::string target;  // a description without secrets: "imap+starttls://127.0.0.1:14143"
    std::vector<std::string> profiles;
    bool strict = false;
    bool interrupted = false;  // SIGINT/SIGTERM arrived; tests not run are absent
    std::vector<SuiteResult> suites;

    RunSummary summary() const;
};

// DESIGN §3 exit codes.
enum class ExitCode { ok = 0, failed = 1, usage = 2, environment = 3 };

// 1 when a MUST failed (or a SHOULD with strict); else 3 when any test was an error; else 0.
ExitCode exit_code_for(const RunResult& run);

}  // namespace coitest
