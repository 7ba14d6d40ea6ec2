#include "script/check.hpp"

#include "script/loader.hpp"
#include "script/parser.hpp"
#include "script/register.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>

namespace coitest::script {

namespace fs = std::filesystem;

const std::vector<std::string>& known_profiles() {
    static const std::vector<std::string> p{"imap-baseline", "coi-server",      "webpush-server",
                                            "coi-client",    "chatmail-client", "autocrypt"};
    return p;
}

Result<CheckReport> check_scripts(const fs::path& path, const Catalog* catalog,
                                  const std::optional<fs::path>& root) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        return make_error(ErrorKind::usage, fmt::format("{} does not exist", path.string()));
    const fs::path base = root ? *root : fs::is_directory(path, ec) ? path : path.parent_path();
    std::vector<Error> errors;
    std::vector<fs::path> snippets;
    const auto tests = find_scripts(path, &snippets, errors);
    if (!errors.empty()) return errors.front();

    CheckReport report;
    FileLoader loader(base, fs::current_path(ec));
    std::map<std::string, Location> ids;
    auto parse = [&](const fs::path& p, ParseMode mode) -> ParseResult {
        auto file = loader.open(p);
        if (!file) {
            report.problems.push_back({{p.string(), 1, 1}, file.error().message});
            return {};
        }
        auto parsed = parse_script(*file, loader, ScriptLimits{}, mode);
        for (auto& d : parsed.errors) report.problems.push_back(std::move(d));
        return parsed;
    };
    for (const auto& p : snippets) {
        ++report.snippets;
        parse(p, ParseMode::snippet);
    }
    for (const auto& p : tests) {
        ++report.scripts;
        const ParseResult parsed = parse(p, ParseMode::test);
        if (!parsed.script) continue;
        const Header& h = parsed.script->header;
        if (!h.id.empty()) {
            const auto [it, fresh] = ids.emplace(h.id, h.at);
            if (!fresh)
                report.problems.push_back(
                    {h.at, fmt::format("test ID {} is also used by {}", h.id, it->second.where())});
        }
        if (!h.profile.empty() && std::find(known_profiles().begin(), known_profiles().end(),
                                            h.profile) == known_profiles().end())
            report.problems.push_back(
                {h.at, fmt::format("unknown profile '{}' (imap-baseline, coi-server, "
                                   "webpush-server, coi-client, chatmail-client, autocrypt)",
                                   h.profile)});
        if (!catalog) continue;
        for (const auto& r : h.requirements) {
            const Requirement* known = catalog->find(r.id);
            if (!known) {
                report.problems.push_back(
                    {r.at, fmt::format("requirement {} is not in the catalog (suites/requirements)",
                                       r.id)});
            } else if (known->level != r.level) {
                report.problems.push_back(
                    {r.at, fmt::format("requirement {} is {} in the catalog, not {}", r.id,
                                       to_string(known->level), to_string(r.level))});
            }
        }
    }
    return report;
}

int run_check_scripts(const CheckScriptsOptions& options, std::ostream& out, std::ostream& err) {
    const fs::path path = options.path.empty() ? default_scripts_dir() : fs::path(options.path);
    auto catalog =
        Catalog::load(options.catalog.empty() ? default_catalog_dir() : fs::path(options.catalog));
    if (!catalog) {
        err << "coitest: error: " << catalog.error().message << "\n";
        return 2;
    }
    // The suite's own folder is the root for includes when checking a file inside it.
    std::optional<fs::path> root;
    std::error_code ec;
    const fs::path suite = fs::weakly_canonical(default_scripts_dir(), ec);
    const fs::path target = fs::weakly_canonical(path, ec);
    const auto rel = target.lexically_relative(suite);
    if (!rel.empty() && *rel.begin() != "..") root = suite;
    auto report = check_scripts(path, &*catalog, root);
    if (!report) {
        err << "coitest: error: " << report.error().message << "\n";
        return 2;
    }
    for (const auto& d : report->problems) out << d.at.str() << ": error: " << d.message << "\n";
    err << fmt::format(
        "coitest check-scripts: {} script{} and {} snippet{} checked, {} problem{}\n",
        report->scripts, report->scripts == 1 ? "" : "s", report->snippets,
        report->snippets == 1 ? "" : "s", report->problems.size(),
        report->problems.size() == 1 ? "" : "s");
    return report->problems.empty() ? 0 : 1;
}

}  // namespace coitest::script
