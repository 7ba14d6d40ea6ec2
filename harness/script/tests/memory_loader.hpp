#pragma once
// Scripts, snippets and fixtures from memory, for parser tests.
#include "script/parser.hpp"

#include <map>
#include <string>

namespace coitest::script::testing {

class MemoryLoader : public SourceLoader {
  public:
    std::map<std::string, std::string, std::less<>> files;

    Result<SourceFile> load(std::string_view name, const SourceFile&) override {
        const auto it = files.find(name);
        if (it == files.end())
            return make_error(ErrorKind::io, "'" + std::string(name) + "' not found");
        return SourceFile{it->first, it->first, it->second};
    }
};

inline ParseResult parse_text(const std::string& text, MemoryLoader& loader,
                              const ScriptLimits& limits = {}, ParseMode mode = ParseMode::test) {
    return parse_script(SourceFile{"t.coi", "t.coi", text}, loader, limits, mode);
}

inline ParseResult parse_text(const std::string& text) {
    MemoryLoader loader;
    return parse_text(text, loader);
}

// "file:line:col: message" of every diagnostic, one per line.
inline std::string all_errors(const ParseResult& r) {
    std::string out;
    for (const auto& d : r.errors) out += d.str() + "\n";
    return out;
}

// The header every test script here starts with.
inline std::string header(std::string_view extra = "") {
    return std::string(
               "test: imap-baseline.example.one\n"
               "title: An example\n"
               "classname: rfc3501.6.1.1\n"
               "profile: imap-baseline\n"
               "requirement: rfc3501.capability.imap4rev1 MUST\n"
               "requirement: rfc2177.idle.capability SHOULD\n"
               "accounts: alice bob\n") +
           std::string(extra);
}

}  // namespace coitest::script::testing
