// Target files and catalogs are user input parsed by toml++ (NOTES §1.6): no input may crash.
#include "runner/catalog.hpp"
#include "runner/target.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)coitest::parse_target(text, "/nonexistent/fuzz.toml");
    (void)coitest::Catalog::parse(text, "fuzz.toml");
    return 0;
}
