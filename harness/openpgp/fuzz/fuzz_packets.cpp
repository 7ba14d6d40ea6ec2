// libFuzzer: ASCII armor, the packet parser, PKESK/SKESK readers and the key-ID rewrite.
#include "openpgp/packets.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coitest::openpgp;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    (void)dearmor(in);
    if (auto packets = parse_packets(in)) {
        for (const auto& p : *packets) {
            (void)parse_pkesk(p, in);
            (void)parse_skesk(p);
            (void)seipd_version(p);
        }
    }
    (void)rewrite_wildcard_key_ids(in, "ABCDEFGH");
    return 0;
}
