#include "runner/catalog.hpp"

#include "runner/toml_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace coitest {

namespace {

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        return make_error(ErrorKind::io,
                          fmt::format("cannot read {}: {}", path.string(), ec.message()));
    if (size > max_bytes)
        return make_error(ErrorKind::config, fmt::format("{} is too large ({} bytes; at most {})",
                                                         path.string(), size, max_bytes));
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorKind::io, fmt::format("cannot open {}", path.string()));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string string_or(const toml::node_view<const toml::node>& node, std::string_view fallback) {
    if (auto v = node.value<std::string>()) return *v;
    return std::string(fallback);
}

}  // namespace

Result<Catalog> Catalog::parse(std::string_view toml_text, std::string_view source_name) {
    auto parsed = parse_toml(toml_text, source_name);
    if (!parsed) return parsed.error();
    const toml::table& root = *parsed;
    auto err = [&](const toml::node& at, std::string_view what) {
        return make_error(ErrorKind::config,
                          fmt::format("{}:{}: {}", source_name, at.source().begin.line, what));
    };
    if (auto r =
            reject_unknown_keys(root, {"spec", "side", "requirement"}, source_name, "the file");
        !r)
        return r.error();
    const std::string spec = string_or(root["spec"], "");
    const std::string side = string_or(root["side"], "");

    Catalog catalog;
    const auto* list = root["requirement"].as_array();
    if (!list) return catalog;  // a file may hold defaults only
    for (const auto& item : *list) {
        const auto* entry = item.as_table();
        if (!entry) return err(item, "each [[requirement]] must be a table");
        if (auto r = reject_unknown_keys(
                *entry, {"id", "spec", "section", "line", "level", "side", "summary"}, source_name,
                "a [[requirement]]");
            !r)
            return r.error();
        Requirement req;
        req.id = string_or((*entry)["id"], "");
        req.spec = string_or((*entry)["spec"], spec);
        req.section = string_or((*entry)["section"], "");
        req.side = string_or((*entry)["side"], side);
        req.summary = string_or((*entry)["summary"], "");
        req.line = static_cast<int>((*entry)["line"].value_or<std::int64_t>(0));
        const std::string level = string_or((*entry)["level"], "");
        if (req.id.empty()) return err(*entry, "requirement without an id");
        if (req.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_") !=
            std::string::npos)
            return err(*entry,
                       fmt::format("id '{}' may hold only a-z, 0-9, '.', '-' and '_'", req.id));
        const auto parsed_level = parse_level(level);
        if (!parsed_level)
            return err(*entry,
                       fmt::format("requirement {}: level '{}' is not MUST, MUST NOT, SHOULD, "
                                   "SHOULD NOT or MAY",
                                   req.id, level));
        req.level = *parsed_level;
        if (req.spec.empty())
            return err(*entry, fmt::format("requirement {} names no spec", req.id));
        if (req.summary.empty())
            return err(*entry, fmt::format("requirement {} has no summary", req.id));
        if (req.line < 0) return err(*entry, fmt::format("requirement {}: negative line", req.id));
        if (catalog.index_.contains(req.id))
            return err(*entry, fmt::format("requirement {} is defined twice", req.id));
        catalog.index_.emplace(req.id, catalog.requirements_.size());
        catalog.requirements_.push_back(std::move(req));
    }
    return catalog;
}

Result<Catalog> Catalog::load(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return make_error(ErrorKind::config,
                          fmt::format("requirement catalog folder {} does not exist (set "
                                      "COITEST_CATALOG to the suites/requirements folder)",
                                      dir.string()));
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    Catalog all;
    for (const auto& f : files) {
        auto text = read_file(f, 8 * 1024 * 1024);
        if (!text) return text.error();
        auto part = parse(*text, f.string());
        if (!part) return part.error();
        if (auto m = all.merge(std::move(*part)); !m)
            return make_error(ErrorKind::config,
                              fmt::format("{}: {}", f.string(), m.error().message));
    }
    return all;
}

const Requirement* Catalog::find(std::string_view id) const {
    const auto it = index_.find(id);
    return it == index_.end() ? nullptr : &requirements_[it->second];
}

Result<void> Catalog::merge(Catalog other) {
    for (auto& r : other.requirements_) {
        if (index_.contains(r.id))
            return make_error(ErrorKind::config,
                              fmt::format("requirement {} is defined in two catalog files", r.id));
        index_.emplace(r.id, requirements_.size());
        requirements_.push_back(std::move(r));
    }
    return {};
}

std::filesystem::path default_catalog_dir() {
    if (const char* env = std::getenv("COITEST_CATALOG"); env && *env) return env;
    std::error_code ec;
    // Installed layout: <prefix>/bin/coitest and <prefix>/share/coitest/requirements.
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = exe.parent_path().parent_path() / "share/coitest/requirements";
        if (std::filesystem::is_directory(installed, ec)) return installed;
    }
    return std::filesystem::path(COITEST_SOURCE_ROOT) / "suites/requirements";
}

}  // namespace coitest
