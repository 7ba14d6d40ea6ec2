// libFuzzer: every rule of every profile on any message (the MIME checks, Autocrypt header and
// keydata checks, MDN and header-protection checks). A hostile message gives findings, never a
// crash. Requirements resolve to a stand-in MUST so the fuzzer needs no catalog files.
#include "messages/lint.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace {
const coitest::Requirement kStandIn{"fuzz",    "fuzz",    "0", 0, coitest::Level::must,
                                    "message", "stand-in"};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coitest::messages;
    // The first byte picks the profile (or recognition), so every rule set sees hostile input.
    static auto linters = [] {
        std::vector<std::unique_ptr<Linter>> out;
        for (const char* profile : {"", "coi-client", "chatmail-client", "autocrypt"}) {
            LintOptions options;
            options.profile = profile;
            auto linter = Linter::create([](std::string_view) { return &kStandIn; }, options);
            out.push_back(std::move(*linter));
        }
        return out;
    }();
    if (size == 0) return 0;
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    (void)linters[data[0] % linters.size()]->lint("fuzz", in);
    return 0;
}
