// libFuzzer: the strict header parsers must return a value or an error for any bytes, never crash,
// hang or read out of bounds.
#include "message/header_syntax.hpp"
#include "message/text.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    using namespace coitest::message;
    if (auto hs = parse_header_section(in)) {
        for (const auto& f : hs->fields) {
            (void)parse_date(f.raw_value);
            (void)parse_msg_id(f.raw_value);
            (void)parse_msg_id_list(f.raw_value);
            (void)parse_address_list(f.raw_value);
            (void)parse_parameterized(f.raw_value);
            (void)decode_encoded_words(f.raw_value);
        }
    }
    (void)parse_date(in);
    (void)parse_msg_id_loose(in);
    (void)parse_address_list(in);
    (void)parse_addr_spec(in);
    (void)parse_parameterized(in);
    (void)parse_media_type(in);
    (void)decode_encoded_words(in);
    (void)base64_decode(in);
    (void)is_valid_utf8(in);
    (void)unfold(in);
    return 0;
}
