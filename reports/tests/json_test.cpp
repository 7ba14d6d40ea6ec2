#include "reports/json.hpp"

#include "sample_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace coitest::reports {
namespace {

using nlohmann::json;

// Field-by-field equality, so a round trip that drops or changes anything fails here.
void expect_same(const RunResult& a, const RunResult& b) {
    EXPECT_EQ(a.tool_version, b.tool_version);
    EXPECT_EQ(a.started_at, b.started_at);
    EXPECT_DOUBLE_EQ(a.seconds, b.seconds);
    EXPECT_EQ(a.target, b.target);
    EXPECT_EQ(a.profiles, b.profiles);
    EXPECT_EQ(a.strict, b.strict);
    EXPECT_EQ(a.interrupted, b.interrupted);
    ASSERT_EQ(a.suites.size(), b.suites.size());
    for (std::size_t s = 0; s < a.suites.size(); ++s) {
        EXPECT_EQ(a.suites[s].name, b.suites[s].name);
        ASSERT_EQ(a.suites[s].tests.size(), b.suites[s].tests.size());
        for (std::size_t i = 0; i < a.suites[s].tests.size(); ++i) {
            const TestResult& x = a.suites[s].tests[i];
            const TestResult& y = b.suites[s].tests[i];
            SCOPED_TRACE(x.id);
            EXPECT_EQ(x.id, y.id);
            EXPECT_EQ(x.title, y.title);
            EXPECT_EQ(x.classname, y.classname);
            EXPECT_EQ(x.profile, y.profile);
            EXPECT_EQ(x.tags, y.tags);
            EXPECT_EQ(x.verdict, y.verdict);
            EXPECT_EQ(x.reason, y.reason);
            EXPECT_DOUBLE_EQ(x.seconds, y.seconds);
            ASSERT_EQ(x.requirements.size(), y.requirements.size());
            for (std::size_t k = 0; k < x.requirements.size(); ++k) {
                EXPECT_EQ(x.requirements[k].id, y.requirements[k].id);
                EXPECT_EQ(x.requirements[k].level, y.requirements[k].level);
                EXPECT_EQ(x.requirements[k].spec, y.requirements[k].spec);
                EXPECT_EQ(x.requirements[k].section, y.requirements[k].section);
            }
            ASSERT_EQ(x.findings.size(), y.findings.size());
            for (std::size_t k = 0; k < x.findings.size(); ++k) {
                EXPECT_EQ(x.findings[k].requirement, y.findings[k].requirement);
                EXPECT_EQ(x.findings[k].level, y.findings[k].level);
                EXPECT_EQ(x.findings[k].verdict, y.findings[k].verdict);
                EXPECT_EQ(x.findings[k].where, y.findings[k].where);
                EXPECT_EQ(x.findings[k].expected, y.findings[k].expected);
                EXPECT_EQ(x.findings[k].seen, y.findings[k].seen);
            }
            ASSERT_EQ(x.transcript.size(), y.transcript.size());
            for (std::size_t k = 0; k < x.transcript.size(); ++k) {
                EXPECT_EQ(x.transcript[k].connection, y.transcript[k].connection);
                EXPECT_EQ(x.transcript[k].direction, y.transcript[k].direction);
                EXPECT_DOUBLE_EQ(x.transcript[k].offset_seconds, y.transcript[k].offset_seconds);
                EXPECT_EQ(x.transcript[k].data, y.transcript[k].data);
            }
        }
    }
}

TEST(Json, RoundTripsEveryVariant) {
    for (const RunResult& run : {testing::full_run(false), testing::full_run(true),
                                 testing::empty_run(), testing::interrupted_run()}) {
        const auto parsed = parse_json(render_json(run));
        ASSERT_TRUE(parsed) << parsed.error().message;
        expect_same(run, *parsed);
        EXPECT_EQ(render_json(*parsed), render_json(run));
    }
}

TEST(Json, RoundTripCatchesADifference) {
    // expect_same must be able to fail: a changed transcript byte is reported.
    RunResult changed = testing::full_run();
    changed.suites[0].tests[1].transcript[1].data.back() = 'X';
    EXPECT_NE(render_json(changed), render_json(testing::full_run()));
}

TEST(Json, InvalidUtf8TranscriptIsBase64AndExact) {
    const RunResult run = testing::full_run();
    const json doc = json::parse(render_json(run));
    const json& entry = doc["suites"][0]["tests"][1]["transcript"][1];
    EXPECT_FALSE(entry.contains("data"));
    ASSERT_TRUE(entry.contains("data_base64"));
    const auto parsed = parse_json(render_json(run));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->suites[0].tests[1].transcript[1].data,
              std::string(testing::kHostile) + "\r\n");
    // Valid UTF-8 (control bytes included) stays readable text.
    EXPECT_EQ(doc["suites"][0]["tests"][1]["transcript"][0]["data"], "a001 LOGIN alice ***\r\n");
}

TEST(Json, DocumentShape) {
    const json doc = json::parse(render_json(testing::full_run(true)));
    EXPECT_EQ(doc["schema_version"], RunResult::kSchemaVersion);
    EXPECT_EQ(doc["tool"], "coitest");
    EXPECT_EQ(doc["strict"], true);
    EXPECT_EQ(doc["summary"]["total"], 7);
    EXPECT_EQ(doc["summary"]["pass"], 2);
    EXPECT_EQ(doc["summary"]["not_applicable"], 1);
    EXPECT_EQ(doc["exit_code"], 1);
    const json& fail = doc["suites"][0]["tests"][1];
    EXPECT_EQ(fail["verdict"], "fail");
    EXPECT_EQ(fail["findings"][0]["level"], "MUST");
    EXPECT_EQ(fail["requirements"][1]["level"], "MUST NOT");
    EXPECT_EQ(doc["suites"][0]["tests"][4]["verdict"], "not-applicable");
}

TEST(Json, NonFiniteAndNegativeDurationsBecomeZero) {
    RunResult run = testing::interrupted_run();
    run.seconds = std::numeric_limits<double>::quiet_NaN();
    run.suites[0].tests[0].seconds = -1;
    const json doc = json::parse(render_json(run));
    EXPECT_EQ(doc["seconds"], 0.0);
    EXPECT_EQ(doc["suites"][0]["tests"][0]["seconds"], 0.0);
}

TEST(Json, UnknownFieldsIgnoredOptionalFieldsDefault) {
    const auto r = parse_json(R"({"schema_version":1,"future":{"x":[1,2]},
        "suites":[{"name":"s","extra":1,"tests":[{"id":"t","verdict":"warn","new":"x"}]}]})");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->suites.at(0).tests.size(), 1u);
    EXPECT_EQ(r->suites[0].tests[0].verdict, Verdict::warn);
    EXPECT_TRUE(r->suites[0].tests[0].transcript.empty());
    EXPECT_FALSE(r->strict);
}

// Each broken document gives an error whose message contains `needle`.
struct Broken {
    std::string text;
    std::string needle;
};

class JsonErrors : public ::testing::TestWithParam<Broken> {};

TEST_P(JsonErrors, NameTheProblem) {
    const auto r = parse_json(GetParam().text);
    ASSERT_FALSE(r) << GetParam().text;
    EXPECT_EQ(r.error().kind, ErrorKind::config);
    EXPECT_NE(r.error().message.find(GetParam().needle), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Documents, JsonErrors,
    ::testing::Values(
        Broken{"", "not valid JSON"},
        Broken{"{\"schema_version\":1,\"suites\":[", "not valid JSON"},
        Broken{"{\"schema_version\":1,\"suites\":[],\"target\":\"\xff\"}", "not valid JSON"},
        Broken{"[]", "document: expected an object, got array"},
        Broken{"{\"suites\":[]}", "schema_version: missing"},
        Broken{"{\"schema_version\":\"1\",\"suites\":[]}", "schema_version: expected an integer"},
        Broken{"{\"schema_version\":2,\"suites\":[]}", "a newer coitest wrote this file"},
        Broken{"{\"schema_version\":0,\"suites\":[]}", "schema_version 0 is not supported"},
        Broken{"{\"schema_version\":1}", "suites: missing"},
        Broken{"{\"schema_version\":1,\"suites\":{}}", "suites: expected an array, got object"},
        Broken{"{\"schema_version\":1,\"suites\":[{\"tests\":[]}]}", "suites[0].name: missing"},
        Broken{
            R"({"schema_version":1,"suites":[{"name":"s","tests":[{"id":"a","verdict":"pass"},{"id":"b","verdict":"passed"}]}]})",
            "suites[0].tests[1].verdict: unknown verdict \"passed\""},
        Broken{R"({"schema_version":1,"suites":[{"name":"s","tests":[{"verdict":"pass"}]}]})",
               "suites[0].tests[0].id: missing"},
        Broken{
            R"({"schema_version":1,"suites":[{"name":"s","tests":[{"id":"a","verdict":"pass","seconds":"1"}]}]})",
            "suites[0].tests[0].seconds: expected a number, got string"},
        Broken{R"({"schema_version":1,"strict":"yes","suites":[]})",
               "strict: expected true or false"},
        Broken{
            R"({"schema_version":1,"suites":[{"name":"s","tests":[{"id":"a","verdict":"pass","requirements":[{"id":"r","level":"must"}]}]}]})",
            "suites[0].tests[0].requirements[0].level: unknown level \"must\""},
        Broken{
            R"({"schema_version":1,"suites":[{"name":"s","tests":[{"id":"a","verdict":"pass","transcript":[{"direction":"up"}]}]}]})",
            "transcript[0].direction: unknown direction \"up\""},
        Broken{
            R"({"schema_version":1,"suites":[{"name":"s","tests":[{"id":"a","verdict":"pass","transcript":[{"data_base64":"%%%"}]}]}]})",
            "transcript[0].data_base64: not valid base64"},
        Broken{
            R"({"schema_version":1,"suites":[{"name":"s","tests":[{"id":"a","verdict":"pass","tags":[1]}]}]})",
            "suites[0].tests[0].tags[0]: expected a string, got number"},
        Broken{std::string(40, '[') + std::string(40, ']'), "nested deeper than"}),
    [](const ::testing::TestParamInfo<Broken>& info) {
        return "case" + std::to_string(info.index);
    });

TEST(Json, DeepNestingInsideAValidDocumentIsRejected) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const auto r = parse_json("{\"schema_version\":1,\"suites\":[],\"x\":" + deep + "}");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nested deeper"), std::string::npos);
}

TEST(Json, ExactlyAtTheDepthLimitIsAccepted) {
    // The limit must not reject what the format itself needs, nor a little more.
    std::string nested = "0";
    for (std::size_t i = 0; i < kMaxJsonDepth - 1; ++i) nested = "[" + nested + "]";
    EXPECT_TRUE(parse_json("{\"schema_version\":1,\"suites\":[],\"x\":" + nested + "}"));
}

TEST(Json, DocumentedExampleParses) {
    // docs/results-json.md must show a document this reader accepts.
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    ASSERT_NE(root, nullptr) << "ctest sets COITEST_SOURCE_DIR";
    std::ifstream in(std::string(root) + "/docs/results-json.md");
    ASSERT_TRUE(in) << "cannot open docs/results-json.md";
    std::stringstream doc;
    doc << in.rdbuf();
    const std::string md = doc.str();
    const auto start = md.find("```json\n");
    ASSERT_NE(start, std::string::npos);
    const auto end = md.find("```\n", start + 8);
    ASSERT_NE(end, std::string::npos);
    const auto r = parse_json(md.substr(start + 8, end - start - 8));
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->suites.size(), 1u);
    ASSERT_EQ(r->suites[0].tests.size(), 1u);
    EXPECT_EQ(r->suites[0].tests[0].verdict, Verdict::fail);
    EXPECT_EQ(r->suites[0].tests[0].transcript.at(1).direction, Direction::server);
}

}  // namespace
}  // namespace coitest::reports
