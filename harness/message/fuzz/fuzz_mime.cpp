// libFuzzer: building the message model (GMime structure + our header parse and tree conversion).
#include "message/mime.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // One parser (and GMime reference) for the fuzzer's life: GMime must not be re-initialised.
    static const coitest::message::MimeParser parser;
    coitest::message::ParseLimits limits;
    limits.max_message_bytes = 1u << 20;
    auto m = parser.parse(std::string_view(reinterpret_cast<const char*>(data), size), limits);
    if (m)
        coitest::message::for_each_entity(
            m->root, [](const coitest::message::Entity& e) { (void)e.filename(); });
    return 0;
}
