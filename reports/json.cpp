#include "reports/json.hpp"

#include "reports/text.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

namespace coitest::reports {

namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

std::string_view direction_name(Direction d) {
    switch (d) {
        case Direction::client:
            return "client";
        case Direction::server:
            return "server";
        case Direction::note:
            return "note";
    }
    return "note";
}

std::optional<Direction> parse_direction(std::string_view s) {
    if (s == "client") return Direction::client;
    if (s == "server") return Direction::server;
    if (s == "note") return Direction::note;
    return std::nullopt;
}

// Durations are never negative and JSON has no NaN or infinity: such values are written as 0.
double duration(double s) {
    return std::isfinite(s) && s > 0 ? s : 0;
}

std::string base64_encode(std::string_view in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
    if (in.size() % 4 != 0) return std::nullopt;
    for (char c : in)  // EVP_DecodeBlock skips white space; a results file has none
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return std::nullopt;
    std::string out(in.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
    if (n < 0) return std::nullopt;
    // EVP_DecodeBlock counts the zero bytes that the padding stands for.
    std::size_t pad = 0;
    if (in.ends_with("=="))
        pad = 2;
    else if (in.ends_with('='))
        pad = 1;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

ojson write_test(const TestResult& t) {
    ojson j;
    j["id"] = t.id;
    j["title"] = t.title;
    j["classname"] = t.classname;
    j["profile"] = t.profile;
    j["tags"] = t.tags;
    j["verdict"] = to_string(t.verdict);
    j["reason"] = t.reason;
    j["seconds"] = duration(t.seconds);
    ojson reqs = ojson::array();
    for (const auto& r : t.requirements)
        reqs.push_back({{"id", r.id},
                        {"level", to_string(r.level)},
                        {"spec", r.spec},
                        {"section", r.section}});
    j["requirements"] = std::move(reqs);
    ojson findings = ojson::array();
    for (const auto& f : t.findings)
        findings.push_back({{"requirement", f.requirement},
                            {"level", to_string(f.level)},
                            {"verdict", to_string(f.verdict)},
                            {"where", f.where},
                            {"expected", f.expected},
                            {"seen", f.seen}});
    j["findings"] = std::move(findings);
    ojson transcript = ojson::array();
    for (const auto& e : t.transcript) {
        ojson entry;
        entry["connection"] = e.connection;
        entry["direction"] = direction_name(e.direction);
        entry["offset_seconds"] = duration(e.offset_seconds);
        if (text::valid_utf8(e.data))
            entry["data"] = e.data;
        else
            entry["data_base64"] = base64_encode(e.data);
        transcript.push_back(std::move(entry));
    }
    j["transcript"] = std::move(transcript);
    return j;
}

// Reads fields with their place in the document, keeping the first error. Optional fields that
// are absent (or null) keep their defaults; present fields must have the documented type.
class Reader {
  public:
    std::optional<Error> error;

    void fail(const std::string& where, const std::string& what) {
        if (!error)
            error = make_error(ErrorKind::config, fmt::format("results JSON: {}: {}", where, what));
    }

    const json* field(const json& obj, const char* key, const std::string& where, bool required) {
        const auto it = obj.find(key);
        if (it == obj.end() || it->is_null()) {
            if (required) fail(path(where, key), "missing (a required field)");
            return nullptr;
        }
        return &*it;
    }

    void string(const json& obj, const char* key, const std::string& where, std::string& out,
                bool required = false) {
        const json* v = field(obj, key, where, required);
        if (!v) return;
        if (!v->is_string()) return fail(path(where, key), "expected a string, got " + type(*v));
        out = v->get<std::string>();
    }

    void number(const json& obj, const char* key, const std::string& where, double& out) {
        const json* v = field(obj, key, where, false);
        if (!v) return;
        if (!v->is_number()) return fail(path(where, key), "expected a number, got " + type(*v));
        out = v->get<double>();
    }

    void boolean(const json& obj, const char* key, const std::string& where, bool& out) {
        const json* v = field(obj, key, where, false);
        if (!v) return;
        if (!v->is_boolean())
            return fail(path(where, key), "expected true or false, got " + type(*v));
        out = v->get<bool>();
    }

    void level(const json& obj, const char* key, const std::string& where, Level& out) {
        std::string s;
        string(obj, key, where, s);
        if (s.empty()) return;
        if (auto l = parse_level(s))
            out = *l;
        else
            fail(path(where, key),
                 fmt::format(
                     "unknown level \"{}\" (expected MUST, MUST NOT, SHOULD, SHOULD NOT or MAY)",
                     text::printable(s)));
    }

    void verdict(const json& obj, const char* key, const std::string& where, Verdict& out,
                 bool required) {
        std::string s;
        string(obj, key, where, s, required);
        if (error || (s.empty() && !required)) return;
        if (auto v = parse_verdict(s))
            out = *v;
        else
            fail(path(where, key), fmt::format("unknown verdict \"{}\" (expected pass, fail, warn, "
                                               "info, not-applicable or error)",
                                               text::printable(s)));
    }

    // Calls each(element, "where.key[i]") for every element of an array field.
    template <class F>
    void array(const json& obj, const char* key, const std::string& where, bool required, F each) {
        const json* v = field(obj, key, where, required);
        if (!v) return;
        const std::string at = path(where, key);
        if (!v->is_array()) return fail(at, "expected an array, got " + type(*v));
        for (std::size_t i = 0; i < v->size() && !error; ++i)
            each((*v)[i], fmt::format("{}[{}]", at, i));
    }

    bool object(const json& v, const std::string& where) {
        if (!v.is_object()) fail(where, "expected an object, got " + type(v));
        return !error;
    }

    void strings(const json& obj, const char* key, const std::string& where,
                 std::vector<std::string>& out) {
        array(obj, key, where, false, [&](const json& v, const std::string& at) {
            if (!v.is_string()) return fail(at, "expected a string, got " + type(v));
            out.push_back(v.get<std::string>());
        });
    }

  private:
    static std::string path(const std::string& where, const char* key) {
        return where.empty() ? std::string(key) : where + "." + key;
    }
    static std::string type(const json& v) { return v.type_name(); }
};

TestResult read_test(Reader& r, const json& j, const std::string& at) {
    TestResult t;
    if (!r.object(j, at)) return t;
    r.string(j, "id", at, t.id, true);
    r.string(j, "title", at, t.title);
    r.string(j, "classname", at, t.classname);
    r.string(j, "profile", at, t.profile);
    r.strings(j, "tags", at, t.tags);
    r.verdict(j, "verdict", at, t.verdict, true);
    r.string(j, "reason", at, t.reason);
    r.number(j, "seconds", at, t.seconds);
    r.array(j, "requirements", at, false, [&](const json& v, const std::string& w) {
        RequirementRef ref;
        if (!r.object(v, w)) return;
        r.string(v, "id", w, ref.id, true);
        r.level(v, "level", w, ref.level);
        r.string(v, "spec", w, ref.spec);
        r.string(v, "section", w, ref.section);
        t.requirements.push_back(std::move(ref));
    });
    r.array(j, "findings", at, false, [&](const json& v, const std::string& w) {
        Finding f;
        if (!r.object(v, w)) return;
        r.string(v, "requirement", w, f.requirement, true);
        r.level(v, "level", w, f.level);
        r.verdict(v, "verdict", w, f.verdict, true);
        r.string(v, "where", w, f.where);
        r.string(v, "expected", w, f.expected);
        r.string(v, "seen", w, f.seen);
        t.findings.push_back(std::move(f));
    });
    r.array(j, "transcript", at, false, [&](const json& v, const std::string& w) {
        TranscriptEntry e;
        if (!r.object(v, w)) return;
        r.string(v, "connection", w, e.connection);
        std::string dir;
        r.string(v, "direction", w, dir);
        if (!dir.empty()) {
            if (auto d = parse_direction(dir))
                e.direction = *d;
            else
                r.fail(w + ".direction",
                       fmt::format("unknown direction \"{}\" (expected client, server or note)",
                                   text::printable(dir)));
        }
        r.number(v, "offset_seconds", w, e.offset_seconds);
        if (v.contains("data_base64")) {
            std::string encoded;
            r.string(v, "data_base64", w, encoded);
            if (auto decoded = base64_decode(encoded))
                e.data = std::move(*decoded);
            else
                r.fail(w + ".data_base64", "not valid base64");
        } else {
            r.string(v, "data", w, e.data);
        }
        t.transcript.push_back(std::move(e));
    });
    return t;
}

}  // namespace

void write_json(const RunResult& run, const std::function<void(std::string_view)>& out) {
    ojson j;
    j["schema_version"] = RunResult::kSchemaVersion;
    j["tool"] = "coitest";
    j["tool_version"] = run.tool_version;
    j["started_at"] = run.started_at;
    j["seconds"] = duration(run.seconds);
    j["target"] = run.target;
    j["profiles"] = run.profiles;
    j["strict"] = run.strict;
    j["interrupted"] = run.interrupted;
    const RunSummary s = run.summary();
    j["summary"] = {{"total", s.total}, {"pass", s.pass}, {"fail", s.fail},
                    {"warn", s.warn},   {"info", s.info}, {"not_applicable", s.not_applicable},
                    {"error", s.error}};
    j["exit_code"] = static_cast<int>(exit_code_for(run));
    j["suites"] = ojson::array();
    const auto dump = [](const ojson& v) {
        return v.dump(2, ' ', false, ojson::error_handler_t::replace);
    };
    // The document as one dump would print it, but each test is built, dumped and handed on
    // alone: a 10,000-message lint run never holds the whole tree or the whole text. Dumped JSON
    // has no raw newline inside strings, so re-indenting a nested dump line by line is exact.
    const auto indented = [](std::string text, std::size_t depth) {
        const std::string pad(depth * 2, ' ');
        std::string result;
        result.reserve(text.size() + text.size() / 16);
        for (char c : text) {
            result += c;
            if (c == '\n') result += pad;
        }
        return result;
    };
    std::string head = dump(j);
    head.resize(head.rfind("[]"));  // ends with "suites": [] and the closing brace
    if (run.suites.empty()) {
        out(head + "[]\n}\n");
        return;
    }
    out(head + "[\n");
    for (std::size_t si = 0; si < run.suites.size(); ++si) {
        const auto& suite = run.suites[si];
        out("    {\n      \"name\": " + dump(ojson(suite.name)) + ",\n      \"tests\": ");
        if (suite.tests.empty()) {
            out("[]");
        } else {
            out("[\n");
            for (std::size_t ti = 0; ti < suite.tests.size(); ++ti) {
                out("        " + indented(dump(write_test(suite.tests[ti])), 4) +
                    (ti + 1 < suite.tests.size() ? ",\n" : "\n"));
            }
            out("      ]");
        }
        out(si + 1 < run.suites.size() ? "\n    },\n" : "\n    }\n");
    }
    out("  ]\n}\n");
}

std::string render_json(const RunResult& run) {
    std::string text;
    write_json(run, [&text](std::string_view chunk) { text += chunk; });
    return text;
}

Result<RunResult> parse_json(std::string_view input) {
    if (input.size() > kMaxJsonBytes)
        return make_error(ErrorKind::config,
                          fmt::format("results JSON: {} bytes is larger than the {} MiB limit",
                                      input.size(), kMaxJsonBytes / (1024 * 1024)));
    bool too_deep = false;
    const json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
        if (static_cast<std::size_t>(depth) > kMaxJsonDepth) too_deep = true;
        return !too_deep;  // once too deep, keep nothing: the result is rejected anyway
    };
    const json doc = json::parse(input.begin(), input.end(), limit_depth, false);
    if (too_deep)
        return make_error(ErrorKind::config,
                          fmt::format("results JSON: nested deeper than {} levels", kMaxJsonDepth));
    if (doc.is_discarded())
        return make_error(ErrorKind::config, "results JSON: not valid JSON (or not UTF-8)");

    Reader r;
    RunResult run;
    if (!r.object(doc, "document")) return *r.error;
    const json* version = r.field(doc, "schema_version", "", true);
    if (!version) return *r.error;
    if (!version->is_number_integer())
        return make_error(ErrorKind::config, "results JSON: schema_version: expected an integer");
    const auto v = version->get<long long>();
    if (v < 1 || v > RunResult::kSchemaVersion)
        return make_error(
            ErrorKind::config,
            fmt::format("results JSON: schema_version {} is not supported (this "
                        "coitest reads 1 to {}){}",
                        v, RunResult::kSchemaVersion,
                        v > RunResult::kSchemaVersion ? "; a newer coitest wrote this file" : ""));
    r.string(doc, "tool_version", "", run.tool_version);
    r.string(doc, "started_at", "", run.started_at);
    r.number(doc, "seconds", "", run.seconds);
    r.string(doc, "target", "", run.target);
    r.strings(doc, "profiles", "", run.profiles);
    r.boolean(doc, "strict", "", run.strict);
    r.boolean(doc, "interrupted", "", run.interrupted);
    r.array(doc, "suites", "", true, [&](const json& s, const std::string& at) {
        SuiteResult suite;
        if (!r.object(s, at)) return;
        r.string(s, "name", at, suite.name, true);
        r.array(s, "tests", at, true, [&](const json& t, const std::string& w) {
            suite.tests.push_back(read_test(r, t, w));
        });
        run.suites.push_back(std::move(suite));
    });
    if (r.error) return *r.error;
    return run;
}

}  // namespace coitest::reports
