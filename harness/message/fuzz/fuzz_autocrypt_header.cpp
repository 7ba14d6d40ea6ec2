// libFuzzer: the Autocrypt attribute parser and the keydata base64 decoding on any bytes.
#include "message/autocrypt_header.hpp"
#include "message/text.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto h = coitest::message::parse_autocrypt_attributes(in);
    (void)h.unknown_critical({"addr", "prefer-encrypt", "keydata"});
    if (const auto* kd = h.find("keydata")) (void)coitest::message::base64_decode(kd->value);
    (void)h.count("addr");
    return 0;
}
