// Arbitrary bytes as a stored message: structure, ENVELOPE, BODYSTRUCTURE, sections and COI
// detection must never crash or hang.
#include "peer/coi.hpp"
#include "peer/mime.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coitest::peer;
    const std::string_view msg(reinterpret_cast<const char*>(data), size);
    const auto root = mime::parse_message(msg);
    (void)mime::envelope(msg);
    (void)mime::body_structure(msg, root, true);
    (void)mime::body_structure(msg, root, false);
    imap::Section s;
    for (std::uint32_t a = 1; a <= 3; ++a)
        for (std::uint32_t b = 0; b <= 2; ++b) {
            s.part = b == 0 ? std::vector<std::uint32_t>{a} : std::vector<std::uint32_t>{a, b};
            for (auto t : {imap::Section::Text::none, imap::Section::Text::header,
                           imap::Section::Text::text, imap::Section::Text::mime}) {
                s.text = t;
                (void)mime::section_bytes(msg, root, s);
            }
        }
    (void)coi::detect(msg);
    if (const auto d = mime::parse_rfc5322_date(msg)) (void)mime::format_internal_date(*d);
    return 0;
}
