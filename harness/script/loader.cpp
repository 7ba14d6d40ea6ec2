#include "script/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace coitest::script {

namespace fs = std::filesystem;

namespace {

bool under(const fs::path& path, const fs::path& dir) {
    const auto rel = path.lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
}

fs::path canonical_or_empty(const fs::path& p) {
    std::error_code ec;
    auto c = fs::weakly_canonical(p, ec);
    return ec ? fs::path{} : c;
}

}  // namespace

FileLoader::FileLoader(fs::path root, fs::path display_base, std::size_t max_file)
    : root_(canonical_or_empty(root)),
      display_base_(canonical_or_empty(display_base)),
      max_file_(max_file) {}

std::string FileLoader::display(const fs::path& canonical) const {
    if (!display_base_.empty() && under(canonical, display_base_))
        return canonical.lexically_relative(display_base_).generic_string();
    return canonical.generic_string();
}

Result<SourceFile> FileLoader::open(const fs::path& path) const {
    const fs::path canonical = canonical_or_empty(path);
    std::error_code ec;
    if (canonical.empty() || !fs::is_regular_file(canonical, ec))
        return make_error(ErrorKind::io, fmt::format("{} is not a readable file", path.string()));
    const auto size = fs::file_size(canonical, ec);
    if (ec)
        return make_error(ErrorKind::io,
                          fmt::format("cannot read {}: {}", path.string(), ec.message()));
    if (size > max_file_)
        return make_error(ErrorKind::limit, fmt::format("{} is {} bytes; the limit is {}",
                                                        display(canonical), size, max_file_));
    std::ifstream in(canonical, std::ios::binary);
    if (!in) return make_error(ErrorKind::io, fmt::format("cannot open {}", path.string()));
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return SourceFile{canonical.string(), display(canonical), std::move(text)};
}

Result<SourceFile> FileLoader::load(std::string_view name, const SourceFile& from) {
    const fs::path wanted(name);
    if (wanted.is_absolute())
        return make_error(ErrorKind::config,
                          fmt::format("'{}': use a path relative to the script", name));
    std::vector<fs::path> candidates{fs::path(from.key).parent_path() / wanted};
    if (!root_.empty()) candidates.push_back(root_ / wanted);
    for (const auto& c : candidates) {
        const fs::path canonical = canonical_or_empty(c);
        std::error_code ec;
        if (canonical.empty() || !fs::is_regular_file(canonical, ec)) continue;
        if (!root_.empty() && !under(canonical, root_))
            return make_error(ErrorKind::config,
                              fmt::format("'{}' lies outside the scripts folder {}", name,
                                          root_.generic_string()));
        return open(canonical);
    }
    return make_error(ErrorKind::io,
                      fmt::format("'{}' not found (next to {}{})", name, from.display,
                                  root_.empty() ? std::string() : " or in " + display(root_)));
}

bool is_snippet(const fs::path& path) {
    for (const auto& part : path.parent_path())
        if (part == "lib") return true;
    return false;
}

std::vector<fs::path> find_scripts(const fs::path& dir, std::vector<fs::path>* snippets,
                                   std::vector<Error>& errors) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (fs::is_regular_file(dir, ec)) {
        (is_snippet(dir) && snippets ? *snippets : out).push_back(dir);
        return out;
    }
    if (!fs::is_directory(dir, ec)) {
        errors.push_back(
            make_error(ErrorKind::config, fmt::format("no scripts folder at {}", dir.string())));
        return out;
    }
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        errors.push_back(make_error(ErrorKind::io,
                                    fmt::format("cannot list {}: {}", dir.string(), ec.message())));
        return out;
    }
    for (const auto& entry : it) {
        if (!entry.is_regular_file(ec) || entry.path().extension() != ".coi") continue;
        const fs::path rel = entry.path().lexically_relative(dir);
        if (is_snippet(rel)) {
            if (snippets) snippets->push_back(entry.path());
        } else {
            out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    if (snippets) std::sort(snippets->begin(), snippets->end());
    return out;
}

}  // namespace coitest::script
