#include "reports/junit.hpp"

#include "reports/rollup.hpp"
#include "reports/text.hpp"

#include <fmt/format.h>

namespace coitest::reports {

namespace {

using text::xml_attribute;
using text::xml_text;

// A failure message is an attribute that consumers show on one line; the body has everything.
constexpr std::size_t kMaxMessageBytes = 1000;

struct Counts {
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    double seconds = 0;
};

Counts count(const SuiteResult& suite, bool strict) {
    Counts c;
    for (const auto& t : suite.tests) {
        ++c.tests;
        if (counts_as_failure(t, strict)) ++c.failures;
        if (t.verdict == Verdict::error) ++c.errors;
        if (t.verdict == Verdict::not_applicable) ++c.skipped;
        if (t.seconds > 0) c.seconds += t.seconds;
    }
    return c;
}

void property(std::string& out, std::string_view name, std::string_view value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml_attribute(name),
                       xml_attribute(value));
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

std::string requirement_line(const RequirementRef& r) {
    std::string line = r.id + " " + std::string(to_string(r.level));
    if (!r.spec.empty() || !r.section.empty()) {
        line += " (" + r.spec;
        if (!r.spec.empty() && !r.section.empty()) line += " ";
        line += r.section + ")";
    }
    return line;
}

std::string finding_line(const Finding& f) {
    std::string line = std::string(to_string(f.verdict)) + " " + text::finding_type(f);
    if (!f.where.empty()) line += " at " + text::printable(f.where);
    return line + ": " + text::expected_seen(f);
}

// The body of <failure>/<error>: the reason and every finding, one per line.
std::string verdict_body(const TestResult& t) {
    std::string body;
    if (!t.reason.empty()) body += t.reason + "\n";
    for (const auto& f : t.findings) body += finding_line(f) + "\n";
    return body;
}

std::string verdict_note(const TestResult& t, bool strict) {
    switch (t.verdict) {
        case Verdict::warn:
            return strict ? "warn (a SHOULD not met; a failure because the run is --strict)"
                          : "warn (a SHOULD not met; passes in JUnit unless the run is --strict)";
        case Verdict::info:
            return "info (records which MAY behaviour was chosen; never fails)";
        case Verdict::not_applicable:
            return "not-applicable (reported as skipped)";
        default:
            return std::string(to_string(t.verdict));
    }
}

std::string system_out(const TestResult& t, bool strict) {
    std::string s = "test: " + t.id;
    if (!t.title.empty()) s += " — " + t.title;
    s += "\nverdict: " + verdict_note(t, strict) + "\n";
    if (!t.profile.empty()) s += "profile: " + t.profile + "\n";
    if (!t.tags.empty()) s += "tags: " + join(t.tags, ", ") + "\n";
    if (!t.requirements.empty()) {
        s += "requirements:\n";
        for (const auto& r : t.requirements) s += "  " + requirement_line(r) + "\n";
    }
    if (!t.reason.empty()) s += "reason: " + t.reason + "\n";
    if (!t.findings.empty()) {
        s += "findings:\n";
        for (const auto& f : t.findings) s += "  " + finding_line(f) + "\n";
    }
    if (!t.transcript.empty()) {
        s += "transcript:\n";
        for (const auto& line : text::transcript_lines(t.transcript)) s += line + "\n";
    }
    return s;
}

void testcase(std::string& out, const TestResult& t, const std::string& suite_name, bool strict) {
    const std::string& classname = t.classname.empty() ? suite_name : t.classname;
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n",
                       xml_attribute(t.id.empty() ? "(unnamed test)" : t.id),
                       xml_attribute(classname), text::seconds(t.seconds));
    if (counts_as_failure(t, strict)) {
        const Finding* f = headline_finding(t);
        std::string message, type;
        if (f) {
            message = text::expected_seen(*f);
            type = text::finding_type(*f);
        } else {
            message = t.reason.empty() ? std::string(to_string(t.verdict)) : t.reason;
            type = t.requirements.empty()
                       ? std::string(to_string(t.verdict))
                       : t.requirements.front().id + " " +
                             std::string(to_string(t.requirements.front().level));
        }
        out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                           xml_attribute(text::truncate(message, kMaxMessageBytes)),
                           xml_attribute(type), xml_text(verdict_body(t)));
    } else if (t.verdict == Verdict::error) {
        const std::string reason = t.reason.empty() ? "error" : t.reason;
        out += fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n",
                           xml_attribute(text::truncate(reason, kMaxMessageBytes)),
                           xml_text(verdict_body(t)));
    } else if (t.verdict == Verdict::not_applicable) {
        out += fmt::format("      <skipped message=\"{}\"/>\n",
                           xml_attribute(text::truncate(t.reason, kMaxMessageBytes)));
    }
    out += "      <system-out>" + xml_text(system_out(t, strict)) + "</system-out>\n";
    out += "    </testcase>\n";
}

void run_properties(std::string& out, const RunResult& run) {
    property(out, "coitest.version", run.tool_version);
    property(out, "coitest.started_at", run.started_at);
    property(out, "coitest.target", run.target);
    property(out, "coitest.profiles", join(run.profiles, ","));
    property(out, "coitest.strict", run.strict ? "true" : "false");
    property(out, "coitest.interrupted", run.interrupted ? "true" : "false");
}

void test_properties(std::string& out, const TestResult& t) {
    property(out, t.id + ".verdict", to_string(t.verdict));
    for (const auto& r : t.requirements)
        property(out, t.id + ".requirement", r.id + " " + std::string(to_string(r.level)));
    if (!t.profile.empty()) property(out, t.id + ".profile", t.profile);
    for (const auto& tag : t.tags) property(out, t.id + ".tag", tag);
}

void testsuite(std::string& out, const RunResult& run, const SuiteResult& suite) {
    const std::string name = suite.name.empty() ? "coitest" : suite.name;
    const Counts c = count(suite, run.strict);
    out += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{}\" timestamp=\"{}\">\n",
        xml_attribute(name), c.tests, c.failures, c.errors, c.skipped, text::seconds(c.seconds),
        xml_attribute(run.started_at));
    out += "    <properties>\n";
    run_properties(out, run);
    for (const auto& t : suite.tests) test_properties(out, t);
    out += "    </properties>\n";
    for (const auto& t : suite.tests) testcase(out, t, name, run.strict);
    if (run.interrupted)
        out +=
            "    <system-out>The run was interrupted: tests that had not run yet are absent "
            "from this report.</system-out>\n";
    out += "  </testsuite>\n";
}

}  // namespace

std::string render_junit(const RunResult& run) {
    Counts total;
    for (const auto& suite : run.suites) {
        const Counts c = count(suite, run.strict);
        total.tests += c.tests;
        total.failures += c.failures;
        total.errors += c.errors;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format(
        "<testsuites name=\"coitest\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n",
        total.tests, total.failures, total.errors, text::seconds(run.seconds));
    if (run.suites.empty()) {
        testsuite(out, run, SuiteResult{"coitest", {}});
    } else {
        for (const auto& suite : run.suites) testsuite(out, run, suite);
    }
    out += "</testsuites>\n";
    return out;
}

}  // namespace coitest::reports
