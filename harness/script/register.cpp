#include "script/register.hpp"

#include "script/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace coitest::script {

namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

constexpr std::size_t kDiagnosticsInReason = 5;

asio::awaitable<void> run_shared(TestContext& ctx, std::shared_ptr<const Script> script,
                                 std::shared_ptr<const ScriptHooks> hooks) {
    co_await run_script(ctx, *script, *hooks);
}

asio::awaitable<void> report_malformed(std::string message) {
    throw ErrorException(make_error(ErrorKind::config, message));
    co_return;
}

// "script.imap-baseline.select" for suites/server/scripts/imap-baseline/select.coi.
std::string derived_id(const std::string& display) {
    fs::path p(display);
    std::string id = "script";
    for (const auto& part : p.parent_path()) {
        const std::string s = part.string();
        if (s == "/" || s == "." || s == ".." || s.empty()) continue;
        id += "." + s;
    }
    id += "." + p.stem().string();
    std::string out;
    for (char c : id) {
        const auto u = static_cast<unsigned char>(c);
        out += std::isalnum(u)                      ? static_cast<char>(std::tolower(u))
               : (c == '.' || c == '-' || c == '_') ? c
                                                    : '-';
    }
    return out;
}

}  // namespace

fs::path default_scripts_dir() {
    if (const char* env = std::getenv("COITEST_SCRIPTS"); env && *env) return env;
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = exe.parent_path().parent_path() / "share/coitest/scripts";
        if (fs::is_directory(installed, ec)) return installed;
    }
    return fs::path(COITEST_SOURCE_ROOT) / "suites/server/scripts";
}

TestCase script_test_case(const ParseResult& parsed, std::shared_ptr<const ScriptHooks> hooks) {
    const Script& s = *parsed.script;
    const Header& h = s.header;
    TestCase t;
    t.id = h.id.empty() ? derived_id(s.file) : h.id;
    t.title = h.title.empty() ? "malformed script " + s.file : h.title;
    t.classname = h.classname.empty() ? "coitest.script" : h.classname;
    // A script whose profile cannot be read runs as imap-baseline, the profile every IMAP
    // target claims, so that its error is seen.
    t.profile = h.profile.empty() ? "imap-baseline" : h.profile;
    for (const auto& r : h.requirements) t.requirements.push_back(r.id);
    t.tags = h.tags;
    t.tags.push_back("script");
    t.accounts = static_cast<int>(h.accounts.size());
    t.needs_delivery = h.needs_delivery;
    if (h.timeout) t.timeout = *h.timeout;
    if (parsed.ok()) {
        auto script = parsed.script;
        t.body = [script, hooks](TestContext& ctx) { return run_shared(ctx, script, hooks); };
        return t;
    }
    std::string message = fmt::format(
        "malformed script ({} problem{}; coitest check-scripts "
        "lists them all): ",
        parsed.errors.size(), parsed.errors.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < parsed.errors.size() && i < kDiagnosticsInReason; ++i)
        message += (i ? "; " : "") + parsed.errors[i].str();
    t.tags.push_back("malformed-script");
    t.accounts = 0;
    t.body = [message](TestContext&) { return report_malformed(message); };
    return t;
}

}  // namespace coitest::script

namespace coitest {

void register_script_suites(Registry& registry, const std::filesystem::path& dir,
                            std::vector<Error>& errors) {
    register_script_suites(registry, dir, errors, script::ScriptHooks{});
}

void register_script_suites(Registry& registry, const std::filesystem::path& dir,
                            std::vector<Error>& errors, script::ScriptHooks hooks) {
    using namespace script;
    auto shared_hooks = std::make_shared<const ScriptHooks>(std::move(hooks));
    const auto files = find_scripts(dir, nullptr, errors);
    FileLoader loader(dir, fs::path(COITEST_SOURCE_ROOT));
    std::set<std::string, std::less<>> ids;
    for (const auto& t : registry.all()) ids.insert(t.id);
    for (const auto& path : files) {
        auto file = loader.open(path);
        ParseResult parsed;
        if (!file) {
            auto script = std::make_shared<Script>();
            script->file = path.string();
            parsed.script = script;
            parsed.errors.push_back({{path.string(), 1, 1}, file.error().message});
        } else {
            parsed = parse_script(*file, loader);
        }
        TestCase t = script_test_case(parsed, shared_hooks);
        if (ids.count(t.id)) {
            // Another test has this ID: keep both visible, the second as an error.
            auto copy = std::make_shared<Script>(*parsed.script);
            copy->header.id.clear();
            ParseResult dup{copy, parsed.errors};
            dup.errors.push_back(
                {copy->header.at, fmt::format("test ID {} is already used by another test", t.id)});
            t = script_test_case(dup, shared_hooks);
        }
        if (t.requirements.empty()) {
            std::string first =
                parsed.errors.empty() ? std::string("no requirement") : parsed.errors.front().str();
            errors.push_back(make_error(
                ErrorKind::config, fmt::format("{}: not registered: it names no requirement ({})",
                                               parsed.script->file, first)));
            continue;
        }
        ids.insert(t.id);
        registry.add(std::move(t));
    }
}

}  // namespace coitest
