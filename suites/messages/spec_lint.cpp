#include "messages/spec_lint.hpp"

#include "message/gmime.hpp"
#include "message/text.hpp"
#include "messages/lint.hpp"
#include "messages/spec_exchange.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace coitest::messages {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        std::size_t end = eol == std::string_view::npos ? text.size() : eol;
        std::string line(text.substr(pos, end - pos));
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(std::move(line));
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
    }
    return out;
}

bool blank(const std::string& s) {
    return s.find_first_not_of(" \t") == std::string::npos;
}

std::size_t indent_of(const std::string& s) {
    std::size_t n = 0;
    while (n < s.size() && (s[n] == ' ' || s[n] == '\t')) n += s[n] == '\t' ? 4 : 1;
    return n;
}

// Removes the common indentation; lines of only white space become empty (a rendered spec shows
// them as empty, and a reader copies them that way).
std::string dedent(const std::vector<std::string>& lines) {
    std::size_t common = std::string::npos;
    for (const auto& l : lines)
        if (!blank(l)) common = std::min(common, indent_of(l));
    if (common == std::string::npos) common = 0;
    std::string out;
    for (const auto& l : lines) {
        if (blank(l)) {
            out += "\n";
            continue;
        }
        std::size_t cut = 0, width = 0;
        while (cut < l.size() && width < common && (l[cut] == ' ' || l[cut] == '\t')) {
            width += l[cut] == '\t' ? 4 : 1;
            ++cut;
        }
        out += l.substr(cut) + "\n";
    }
    return out;
}

bool header_like(std::string_view line) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 >= line.size()) return false;
    if (!((line[0] >= 'A' && line[0] <= 'Z') || (line[0] >= 'a' && line[0] <= 'z'))) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        char c = line[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) return false;
    }
    return line[colon + 1] == ' ' || line[colon + 1] == '\t';
}

std::optional<SpecExample> classify(std::string file, int line, std::string text) {
    auto lines = split_lines(text);
    std::size_t first = 0;
    while (first < lines.size() && blank(lines[first])) ++first;
    if (first >= lines.size()) return std::nullopt;
    SpecExample ex;
    ex.file = std::move(file);
    ex.line = line + static_cast<int>(first);
    for (const auto& l : lines)
        if (l.rfind("C:", 0) == 0 || l.rfind("S:", 0) == 0) {
            ex.kind = SpecExample::Kind::exchange;
            std::string body;  // from the first non-blank line, so ex.line is its first line
            for (std::size_t i = first; i < lines.size(); ++i) body += lines[i] + "\n";
            ex.text = std::move(body);
            return ex;
        }
    if (message::trim(lines[first]).rfind("{", 0) == 0) {
        ex.kind = SpecExample::Kind::json;
        std::string body;
        for (std::size_t i = first; i < lines.size(); ++i) body += lines[i] + "\n";
        ex.text = std::move(body);
        return ex;
    }
    if (!header_like(lines[first])) return std::nullopt;
    // A syntax template such as "addr=…; [prefer-encrypt=mutual;] keydata=BASE64" shows a grammar,
    // not a message; judging it would only report its notation.
    for (const auto& l : lines)
        if (l.find(";]") != std::string::npos) return std::nullopt;
    std::size_t fields = 0;
    bool from = false, ctype = false, setup = false;
    for (std::size_t i = first; i < lines.size() && !lines[i].empty(); ++i) {
        if (!header_like(lines[i])) continue;
        ++fields;
        std::string name = message::to_lower(lines[i].substr(0, lines[i].find(':')));
        from = from || name == "from";
        ctype = ctype || name == "content-type";
        setup = setup || name == "autocrypt-setup-message";
    }
    ex.kind = (fields >= 3 && (from || ctype || setup)) ? SpecExample::Kind::message
                                                        : SpecExample::Kind::fragment;
    // Drop the leading blank lines so the message starts at its first header field.
    std::string body;
    for (std::size_t i = first; i < lines.size(); ++i) body += lines[i] + "\n";
    ex.text = std::move(body);
    return ex;
}

}  // namespace

std::vector<SpecExample> extract_examples(std::string_view spec_text, const std::string& spec_name,
                                          const IncludeReader& include) {
    std::vector<SpecExample> out;
    auto lines = split_lines(spec_text);
    bool markdown = spec_name.size() > 3 && spec_name.substr(spec_name.size() - 3) == ".md";
    std::string dir = fs::path(spec_name).parent_path().string();
    auto add = [&](std::string file, int line, std::string text, bool payload) {
        auto ex = classify(std::move(file), line, std::move(text));
        if (!ex) return;
        if (payload && ex->kind != SpecExample::Kind::exchange)
            ex->kind = SpecExample::Kind::payload;
        out.push_back(std::move(*ex));
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& l = lines[i];
        std::string t(message::trim(l));
        if (t.rfind("```", 0) == 0) {
            std::vector<std::string> block;
            std::size_t j = i + 1;
            for (; j < lines.size() && message::trim(lines[j]).rfind("```", 0) != 0; ++j)
                block.push_back(lines[j]);
            add(spec_name, static_cast<int>(i + 2), dedent(block), false);
            i = j;
            continue;
        }
        if (t.rfind(".. literalinclude::", 0) == 0) {
            std::string rel(message::trim(t.substr(19)));
            if (auto text = include(rel)) {
                std::string file = dir.empty() ? rel : dir + "/" + rel;
                add(file, 1, *text, rel.find("cleartext") != std::string::npos);
            }
            continue;
        }
        bool literal = (!markdown && t.size() >= 2 && t.substr(t.size() - 2) == "::" &&
                        t.rfind("..", 0) != 0) ||
                       (!markdown && t.rfind(".. code-block::", 0) == 0);
        bool indented_md =
            markdown && indent_of(l) >= 4 && !blank(l) && i > 0 && blank(lines[i - 1]);
        if (literal) {
            std::size_t base = indent_of(l);
            std::size_t j = i + 1;
            while (j < lines.size() &&
                   (blank(lines[j]) || message::trim(lines[j]).rfind(":", 0) == 0))
                ++j;
            std::vector<std::string> block;
            std::size_t start = j;
            for (; j < lines.size() && (blank(lines[j]) || indent_of(lines[j]) > base); ++j)
                block.push_back(lines[j]);
            if (!block.empty()) add(spec_name, static_cast<int>(start + 1), dedent(block), false);
            i = j - 1;
            continue;
        }
        if (indented_md) {
            // A Markdown indented code block; list continuations are not header-like and drop out.
            std::vector<std::string> block;
            std::size_t j = i;
            for (; j < lines.size() && (blank(lines[j]) || indent_of(lines[j]) >= 4); ++j)
                block.push_back(lines[j]);
            add(spec_name, static_cast<int>(i + 1), dedent(block), false);
            i = j - 1;
        }
    }
    return out;
}

SpecIdentity identify_spec(std::string_view path) {
    std::string p(path);
    auto ends = [&](std::string_view suffix) {
        return p.size() >= suffix.size() &&
               p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends("coi-client-spec.md")) return {"coi/coi-client-spec.md", "coi-client", true};
    if (ends("chatmail/spec.md") || ends("chatmail-spec.md"))
        return {"chatmail/spec.md", "chatmail-client", false};
    if (ends("level1.rst")) return {"autocrypt/level1.rst", "autocrypt", false};
    // The server specs: their examples are C:/S: exchanges, judged by spec_exchange.cpp.
    if (ends("coi-server-spec.md")) return {"coi/coi-server-spec.md", "", false};
    if (ends("webpush-spec.md")) return {"coi/webpush-spec.md", "", false};
    return {std::string(fs::path(p).filename().string()), "", false};
}

namespace {

std::optional<std::string> read_small_file(const fs::path& path) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec || size > (8u << 20)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Spec line of a top-level header field inside an example.
int field_line(const SpecExample& ex, std::string_view field) {
    auto lines = split_lines(ex.text);
    for (std::size_t i = 0; i < lines.size() && !lines[i].empty(); ++i) {
        std::size_t colon = lines[i].find(':');
        if (colon != std::string::npos &&
            message::iequals(std::string_view(lines[i]).substr(0, colon), field))
            return ex.line + static_cast<int>(i);
    }
    return ex.line;
}

std::string strip_layer(std::string_view where) {
    for (std::string_view p : {"[inner] ", "[outer] "})
        if (where.rfind(p, 0) == 0) where.remove_prefix(p.size());
    return std::string(where);
}

std::string rule_of(const Requirement& r) {
    return r.line > 0 ? r.spec + ":" + std::to_string(r.line) : r.spec + " §" + r.section;
}

// Verdict, reason and requirement list of a spec-lint test from its (kept) findings.
void settle(TestResult& t, const message::RequirementLookup& lookup) {
    t.requirements.clear();
    std::set<std::string> listed;
    for (const auto& f : t.findings) {
        if (!listed.insert(f.requirement).second) continue;
        RequirementRef ref;
        ref.id = f.requirement;
        ref.level = f.level;
        if (const Requirement* r = lookup(f.requirement)) {
            ref.spec = r->spec;
            ref.section = r->section;
        }
        t.requirements.push_back(std::move(ref));
    }
    Verdict v = Verdict::not_applicable;
    bool judged = false;
    for (const auto& f : t.findings) {
        if (f.verdict == Verdict::info || f.verdict == Verdict::not_applicable) continue;
        v = judged ? worst(v, f.verdict) : f.verdict;
        judged = true;
    }
    if (t.verdict != Verdict::error) t.verdict = judged ? v : Verdict::not_applicable;
    t.reason.clear();
    for (const auto& f : t.findings)
        if (f.verdict == t.verdict && (v == Verdict::fail || v == Verdict::warn)) {
            t.reason = f.requirement + " at " + f.where + ": " + f.seen;
            break;
        }
    if (!judged && t.reason.empty()) t.reason = "no rule of this spec applies to the example";
}

}  // namespace

Result<RunResult> run_spec_lint(const std::vector<std::string>& spec_paths,
                                const std::vector<std::string>& key_files,
                                message::RequirementLookup lookup, const TestCallback& on_test) {
    // GMime must stay initialised for the whole run: the linters below come and go (README,
    // "GMime"), and shutting it down between them brings GLib criticals.
    message::GMimeLibrary gmime;
    RunResult run;
    auto started = std::chrono::steady_clock::now();
    run.target = "specification examples";
    SuiteResult suite;
    suite.name = "spec-lint";
    for (const auto& path : spec_paths) {
        auto text = read_small_file(path);
        if (!text) return make_error(ErrorKind::usage, path + ": cannot read the specification");
        SpecIdentity id = identify_spec(path);
        LintOptions options;
        options.profile = id.profile;
        options.key_files = key_files;
        auto linter = Linter::create(lookup, options);
        if (!linter) return linter.error();
        fs::path dir = fs::path(path).parent_path();
        auto examples = extract_examples(
            *text, id.spec, [&](const std::string& rel) { return read_small_file(dir / rel); });
        for (const auto& ex : examples) {
            std::string ex_id = "spec-lint:" + ex.file + ":" + std::to_string(ex.line);
            if (ex.kind == SpecExample::Kind::json) {
                TestResult t;
                t.id = ex_id;
                t.title = ex.file + ":" + std::to_string(ex.line) + " (JSON)";
                t.classname = id.profile.empty() ? "spec-lint" : id.profile;
                t.profile = t.classname;
                t.verdict = Verdict::not_applicable;
                message::Findings found(lookup);
                judge_json_example(ex.text, ex.file, ex.line, id.spec, found);
                for (auto& f : found.items()) {
                    if (const Requirement* r = lookup(f.requirement))
                        if (f.verdict == Verdict::fail || f.verdict == Verdict::warn)
                            f.expected = "[rule " + rule_of(*r) + "] " + f.expected;
                    t.findings.push_back(std::move(f));
                }
                settle(t, lookup);
                if (on_test) on_test(t);
                suite.tests.push_back(std::move(t));
                continue;
            }
            if (ex.kind == SpecExample::Kind::exchange) {
                TestResult t;
                t.id = ex_id;
                t.title = ex.file + ":" + std::to_string(ex.line) + " (C:/S: exchange)";
                t.classname = id.profile.empty() ? "spec-lint" : id.profile;
                t.profile = t.classname;
                t.verdict = Verdict::not_applicable;  // settle() judges from the findings
                message::Findings found(lookup);
                judge_exchange(split_exchange(ex.text, ex.line), ex.file, id.spec, found);
                for (auto& f : found.items()) {
                    if (const Requirement* r = lookup(f.requirement))
                        if (f.verdict == Verdict::fail || f.verdict == Verdict::warn)
                            f.expected = "[rule " + rule_of(*r) + "] " + f.expected;
                    t.findings.push_back(std::move(f));
                }
                settle(t, lookup);
                if (on_test) on_test(t);
                suite.tests.push_back(std::move(t));
                continue;
            }
            if (ex.kind == SpecExample::Kind::payload) {
                TestResult t;
                t.id = ex_id;
                t.title = ex.file + ":" + std::to_string(ex.line);
                t.classname = id.profile.empty() ? "spec-lint" : id.profile;
                t.profile = t.classname;
                t.verdict = Verdict::not_applicable;
                t.reason =
                    "the decrypted payload of the example before it; judged through that "
                    "example";
                if (on_test) on_test(t);
                suite.tests.push_back(std::move(t));
                continue;
            }
            // A fresh linter per example: examples are independent messages, so rules across
            // messages (a Message-ID reused by two examples, a repeated avatar) do not apply.
            auto fresh = Linter::create(lookup, options);
            if (!fresh) return fresh.error();
            TestResult t = (*fresh)->lint(ex.file + ":" + std::to_string(ex.line), ex.text);
            t.id = ex_id;
            std::vector<std::string> present;
            for (const auto& l : split_lines(ex.text)) {
                if (l.empty()) break;
                if (header_like(l)) present.push_back(l.substr(0, l.find(':')));
            }
            std::vector<Finding> kept;
            for (auto f : t.findings) {
                const Requirement* r = lookup(f.requirement);
                if (!r) continue;
                bool own = r->spec == id.spec || (id.adopts_rfcs && r->spec.rfind("RFC", 0) == 0) ||
                           (id.profile == "autocrypt" && r->spec == "RFC 3156");
                if (!own) continue;
                // Examples show the content of a message; whether it travels encrypted is not
                // something an example in the clear can illustrate.
                if (f.requirement == "chatmail.encryption.autocrypt") continue;
                std::string bare = strip_layer(f.where);
                std::string field = bare.substr(0, bare.find(' '));
                if (ex.kind == SpecExample::Kind::fragment) {
                    bool on_present = false;
                    for (const auto& p : present)
                        if (message::iequals(p, field)) on_present = true;
                    if (!on_present) continue;
                }
                // Elided data ("... base64 data goes here ...") is a placeholder, not content.
                bool data_rule = f.requirement == "rfc2045.base64.lines" ||
                                 f.requirement == "chatmail.avatar.header-format" ||
                                 f.requirement == "chatmail.avatar.format";
                if (data_rule && ex.text.find("...") != std::string::npos) continue;
                int line = field_line(ex, field);
                f.where = ex.file + ":" + std::to_string(line) + " " + f.where;
                f.expected = "[rule " + rule_of(*r) + "] " + f.expected;
                kept.push_back(std::move(f));
            }
            t.findings = std::move(kept);
            settle(t, lookup);
            if (ex.kind == SpecExample::Kind::fragment)
                t.title += " (fragment: only its fields are judged)";
            if (on_test) on_test(t);
            suite.tests.push_back(std::move(t));
        }
    }
    run.suites.push_back(std::move(suite));
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return run;
}

}  // namespace coitest::messages
