// libFuzzer target: any bytes through parse_json, and whatever parses through every writer.
// Hostile results files must give an Error, never a crash, hang or unbounded memory.
#include "reports/html.hpp"
#include "reports/json.hpp"
#include "reports/junit.hpp"
#include "reports/markdown.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto run = coitest::reports::parse_json(text);
    if (!run) return 0;
    (void)coitest::reports::render_junit(*run);
    (void)coitest::reports::render_html(*run);
    (void)coitest::reports::render_markdown(*run);
    // What we wrote we must read back.
    if (!coitest::reports::parse_json(coitest::reports::render_json(*run))) __builtin_trap();
    return 0;
}
