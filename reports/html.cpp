#include "reports/html.hpp"

#include "reports/rollup.hpp"
#include "reports/text.hpp"

#include <fmt/format.h>

#include <map>

namespace coitest::reports {

namespace {

using text::html;

constexpr Verdict kVerdicts[] = {Verdict::fail, Verdict::error,          Verdict::warn,
                                 Verdict::info, Verdict::not_applicable, Verdict::pass};

constexpr std::string_view kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:90em;padding:0 1em;color:#1d1d1f;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
.meta{color:#555}.meta code{color:#1d1d1f}
.banner{padding:.6em 1em;border-radius:4px;margin:.8em 0;font-weight:600}
.interrupted{background:#fff4d6;border:1px solid #e0b000}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{text-align:left;vertical-align:top;padding:.3em .6em;border-bottom:1px solid #eee}
th{background:#f6f6f6}
table.summary{width:auto}table.summary td{text-align:right}
code,pre{font:12.5px/1.4 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:.6em;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;margin:.3em 0}
.badge{display:inline-block;min-width:7.5em;text-align:center;border-radius:3px;padding:0 .4em;font-weight:600;font-size:.9em}
.v-pass{background:#dff5e1;color:#13501b}.v-fail{background:#fbdcdc;color:#8a1111}
.v-warn{background:#fff0c7;color:#6b4b00}.v-info{background:#dcecfb;color:#0d3d6b}
.v-not-applicable{background:#ececec;color:#444}.v-error{background:#f1dcf7;color:#5b1670}
tr.detail td{border-bottom:2px solid #ddd;padding-left:2em}
.findings td,.findings th{font-size:.95em}
.filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd;z-index:1}
.filters label{cursor:pointer;margin-right:.4em;padding:.15em .5em;border-radius:3px;border:1px solid #ccc;user-select:none}
.filters button{margin-left:.4em}
input.filter{position:absolute;opacity:0;pointer-events:none}
.title{color:#444}.muted{color:#777}
a{color:#0b57a3}
)css";

// Filtering without JavaScript: a checkbox per verdict, siblings before <main>; rows carry
// f-<verdict> and disappear while their box is unchecked.
std::string filter_css() {
    std::string css;
    for (Verdict v : kVerdicts) {
        const auto name = to_string(v);
        css += fmt::format("#show-{0}:not(:checked)~main .f-{0}{{display:none}}\n", name);
        css += fmt::format(
            "#show-{0}:not(:checked)~.filters label[for=show-{0}]{{opacity:.4;"
            "text-decoration:line-through}}\n",
            name);
        css += fmt::format(
            "#show-{0}:focus-visible~.filters label[for=show-{0}]{{outline:2px solid #0b57a3}}\n",
            name);
    }
    return css;
}

constexpr std::string_view kScript = R"js(
(function(){
  var all=['fail','error','warn','info','not-applicable','pass'];
  function show(list){all.forEach(function(v){document.getElementById('show-'+v).checked=list.indexOf(v)>=0;});}
  document.getElementById('js-buttons').hidden=false;
  document.getElementById('only-problems').onclick=function(){show(['fail','error','warn']);};
  document.getElementById('show-all').onclick=function(){show(all);};
  function reveal(){var el=location.hash&&document.getElementById(location.hash.slice(1));
    if(el&&el.dataset.verdict){document.getElementById('show-'+el.dataset.verdict).checked=true;el.scrollIntoView();}}
  window.addEventListener('hashchange',reveal);reveal();
})();
)js";

std::string badge(Verdict v) {
    return fmt::format("<span class=\"badge v-{0}\">{0}</span>", to_string(v));
}

std::string spec_ref(const RequirementRef& r) {
    if (r.spec.empty() && r.section.empty()) return "";
    std::string s = html(r.spec);
    if (!r.section.empty()) s += (s.empty() ? "§" : " §") + html(r.section);
    return s;
}

void summary(std::string& out, const RunResult& run) {
    const RunSummary s = run.summary();
    out += "<h1>coitest report</h1>\n<p class=\"meta\">";
    if (!run.target.empty()) out += "Target <code>" + html(run.target) + "</code> · ";
    if (!run.profiles.empty()) {
        out += "profiles ";
        for (std::size_t i = 0; i < run.profiles.size(); ++i)
            out += (i ? ", " : "") + std::string("<code>") + html(run.profiles[i]) + "</code>";
        out += " · ";
    }
    out += fmt::format("{} tests in {} s", s.total, text::seconds(run.seconds));
    if (!run.started_at.empty()) out += " · started " + html(run.started_at);
    if (!run.tool_version.empty()) out += " · coitest " + html(run.tool_version);
    if (run.strict) out += " · <strong>--strict</strong>: warnings count as failures";
    out += fmt::format(" · exit code {}</p>\n", static_cast<int>(exit_code_for(run)));
    if (run.interrupted)
        out +=
            "<p class=\"banner interrupted\">The run was interrupted: tests that had not run "
            "yet are absent from this report.</p>\n";
    out +=
        "<table class=\"summary\"><thead><tr><th>verdict</th><th>tests</th></tr></thead><tbody>\n";
    const std::map<Verdict, int> n = {{Verdict::pass, s.pass},
                                      {Verdict::fail, s.fail},
                                      {Verdict::warn, s.warn},
                                      {Verdict::info, s.info},
                                      {Verdict::not_applicable, s.not_applicable},
                                      {Verdict::error, s.error}};
    for (Verdict v : kVerdicts)
        out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", badge(v), n.at(v));
    out += fmt::format("<tr><th>total</th><td>{}</td></tr>\n</tbody></table>\n", s.total);
}

void filters(std::string& out, const RunResult& run) {
    const RunSummary s = run.summary();
    const std::map<Verdict, int> n = {{Verdict::pass, s.pass},
                                      {Verdict::fail, s.fail},
                                      {Verdict::warn, s.warn},
                                      {Verdict::info, s.info},
                                      {Verdict::not_applicable, s.not_applicable},
                                      {Verdict::error, s.error}};
    for (Verdict v : kVerdicts)
        out += fmt::format("<input type=\"checkbox\" class=\"filter\" id=\"show-{}\" checked>\n",
                           to_string(v));
    out += "<div class=\"filters\">Show: ";
    for (Verdict v : kVerdicts)
        out += fmt::format("<label for=\"show-{0}\" class=\"v-{0}\">{0} ({1})</label>",
                           to_string(v), n.at(v));
    out +=
        "<span id=\"js-buttons\" hidden><button type=\"button\" id=\"only-problems\">only "
        "problems</button><button type=\"button\" id=\"show-all\">all</button></span></div>\n";
}

// Anchor IDs are positions, not test IDs: test IDs are text from outside and need not be unique
// across suites.
using Anchors = std::map<const TestResult*, std::string>;

Anchors anchors(const RunResult& run) {
    Anchors a;
    std::size_t n = 0;
    for (const auto& suite : run.suites)
        for (const auto& t : suite.tests) a[&t] = fmt::format("t{}", ++n);
    return a;
}

void requirements(std::string& out, const RunResult& run, const Anchors& anchor) {
    const auto rollup = rollup_requirements(run);
    out += fmt::format("<h2>Requirements ({})</h2>\n", rollup.size());
    if (rollup.empty()) {
        out += "<p class=\"muted\">No test judged a requirement.</p>\n";
        return;
    }
    out +=
        "<table class=\"requirements\"><thead><tr><th>verdict</th><th>requirement</th>"
        "<th>level</th><th>spec</th><th>judged by</th></tr></thead><tbody>\n";
    for (const auto& r : rollup) {
        out += fmt::format(
            "<tr class=\"f-{}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>",
            to_string(r.worst), badge(r.worst), html(r.ref.id), to_string(r.ref.level),
            spec_ref(r.ref));
        for (std::size_t i = 0; i < r.judged_by.size(); ++i) {
            const auto& j = r.judged_by[i];
            out += fmt::format(
                "{}<a href=\"#{}\"><code>{}</code></a> <span class=\"badge v-{}\">{}</span>",
                i ? "<br>" : "", anchor.at(j.test), html(j.test->id), to_string(j.verdict),
                to_string(j.verdict));
        }
        out += "</td></tr>\n";
    }
    out += "</tbody></table>\n";
}

void findings(std::string& out, const TestResult& t) {
    if (t.findings.empty()) return;
    out +=
        "<table class=\"findings\"><thead><tr><th>verdict</th><th>requirement</th><th>level</th>"
        "<th>where</th><th>expected</th><th>seen</th></tr></thead><tbody>\n";
    for (const auto& f : t.findings)
        out += fmt::format(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td><pre>{}</pre></td>"
            "<td><pre>{}</pre></td></tr>\n",
            badge(f.verdict), html(f.requirement), to_string(f.level), html(f.where),
            html(f.expected), html(f.seen));
    out += "</tbody></table>\n";
}

void test_row(std::string& out, const SuiteResult& suite, const TestResult& t,
              const std::string& id) {
    const auto verdict = to_string(t.verdict);
    out += fmt::format("<tbody class=\"f-{0}\" id=\"{1}\" data-verdict=\"{0}\">\n", verdict, id);
    out += fmt::format("<tr><td>{}</td><td><a href=\"#{}\"><code>{}</code></a>", badge(t.verdict),
                       id, html(t.id));
    if (!t.title.empty()) out += "<div class=\"title\">" + html(t.title) + "</div>";
    out += "</td><td>";
    for (std::size_t i = 0; i < t.requirements.size(); ++i)
        out += fmt::format("{}<code>{}</code> {}", i ? "<br>" : "", html(t.requirements[i].id),
                           to_string(t.requirements[i].level));
    out += fmt::format(
        "</td><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td></tr>\n",
        html(suite.name), html(t.classname), html(t.profile), text::seconds(t.seconds));
    const bool has_detail =
        !t.reason.empty() || !t.findings.empty() || !t.transcript.empty() || !t.tags.empty();
    if (has_detail) {
        out += "<tr class=\"detail\"><td colspan=\"6\">\n";
        if (!t.reason.empty()) out += "<p>" + html(t.reason) + "</p>\n";
        if (!t.tags.empty()) {
            out += "<p class=\"muted\">tags:";
            for (const auto& tag : t.tags) out += " <code>" + html(tag) + "</code>";
            out += "</p>\n";
        }
        findings(out, t);
        if (!t.transcript.empty()) {
            const auto lines = text::transcript_lines(t.transcript);
            out += fmt::format("<details><summary>Transcript ({} line{})</summary><pre>",
                               lines.size(), lines.size() == 1 ? "" : "s");
            for (const auto& line : lines) out += html(line) + "\n";
            out += "</pre></details>\n";
        }
        out += "</td></tr>\n";
    }
    out += "</tbody>\n";
}

void tests(std::string& out, const RunResult& run, const Anchors& anchor) {
    out += fmt::format("<h2>Tests ({})</h2>\n", run.summary().total);
    if (run.summary().total == 0) {
        out += "<p class=\"muted\">No test ran.</p>\n";
        return;
    }
    out +=
        "<table class=\"tests\"><thead><tr><th>verdict</th><th>test</th><th>requirements</th>"
        "<th>suite / class</th><th>profile</th><th>seconds</th></tr></thead>\n";
    for (const auto& suite : run.suites)
        for (const auto& t : suite.tests) test_row(out, suite, t, anchor.at(&t));
    out += "</table>\n";
}

}  // namespace

std::string render_html(const RunResult& run) {
    const RunSummary s = run.summary();
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
    out += fmt::format("<title>coitest: {} tests, {} fail, {} error{}</title>\n", s.total, s.fail,
                       s.error, run.interrupted ? " (interrupted)" : "");
    out += "<style>" + std::string(kStyle) + filter_css() + "</style>\n</head>\n<body>\n";
    summary(out, run);
    filters(out, run);
    const Anchors anchor = anchors(run);
    out += "<main>\n";
    requirements(out, run, anchor);
    tests(out, run, anchor);
    out += "</main>\n<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
    return out;
}

}  // namespace coitest::reports
