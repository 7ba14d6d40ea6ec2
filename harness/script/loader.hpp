#pragma once
// Scripts, snippets and fixtures from disk, for the parser. Names in `include` and `deliver`
// lines resolve against the including file's folder first, then the scripts folder (`root`);
// nothing outside `root` is read, and every file is size-checked before it is read.
#include "script/parser.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace coitest::script {

class FileLoader : public SourceLoader {
  public:
    // Diagnostics name files relative to `display_base` when they lie under it.
    FileLoader(std::filesystem::path root, std::filesystem::path display_base,
               std::size_t max_file = ScriptLimits{}.max_file);

    Result<SourceFile> load(std::string_view name, const SourceFile& from) override;
    // A script itself (not through an include).
    Result<SourceFile> open(const std::filesystem::path& path) const;

  private:
    std::string display(const std::filesystem::path& canonical) const;

    std::filesystem::path root_;
    std::filesystem::path display_base_;
    std::size_t max_file_;
};

// Every *.coi below `dir` (or `dir` itself when it is a file), sorted; `snippets` receives those
// in a folder named lib (shared snippets, not tests).
std::vector<std::filesystem::path> find_scripts(const std::filesystem::path& dir,
                                                std::vector<std::filesystem::path>* snippets,
                                                std::vector<Error>& errors);

bool is_snippet(const std::filesystem::path& path);

}  // namespace coitest::script
