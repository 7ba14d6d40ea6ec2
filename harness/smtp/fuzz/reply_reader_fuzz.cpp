// libFuzzer target for the sans-I/O SMTP pieces: the reply reader (fed in input-chosen chunks,
// with small limits so the limit paths are reached), capability parsing of every reply it
// yields, and the DATA encoding round trip. Invariants are checked with __builtin_trap so a
// broken one is a crash the fuzzer reports.
#include "smtp/capabilities.hpp"
#include "smtp/data_encoding.hpp"
#include "smtp/reply_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace coitest::smtp;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void fuzz_reader(std::string_view input, std::size_t chunk) {
    ReaderLimits limits;
    limits.max_line = 64;
    limits.max_lines = 8;
    limits.max_buffered = 256;
    ReplyReader reader(limits);
    for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
        reader.feed(input.substr(pos, chunk));
        for (;;) {
            // Memory stays bounded: unread bytes plus one reply in progress.
            check(reader.buffered() <= limits.max_buffered + limits.max_lines * limits.max_line);
            auto event = reader.next();
            if (std::holds_alternative<NeedMore>(event)) break;
            if (std::holds_alternative<coitest::Error>(event)) {
                check(reader.failed());
                return;
            }
            const Reply& r = std::get<Reply>(event);
            check(r.code >= 200 && r.code <= 559);
            check(!r.lines.empty() && r.lines.size() <= limits.max_lines);
            check(!r.raw.empty() && r.raw.back() == '\n');
            check(r.raw.size() <= r.lines.size() * limits.max_line);
            if (r.enhanced)
                check(r.enhanced->klass == 2 || r.enhanced->klass == 4 || r.enhanced->klass == 5);
            const Capabilities caps = parse_capabilities(r);
            (void)caps.size_limit();
            (void)caps.auth_mechanisms();
            (void)r.summary();
        }
    }
}

void fuzz_data(std::string_view message) {
    for (bool normalize : {false, true}) {
        const std::string wire = encode_data(message, {normalize});
        // The end-of-data sequence appears once, at the very end (the server sees CRLF before
        // the first byte, as the 354 line ended with one).
        check(("\r\n" + wire).find("\r\n.\r\n") == wire.size() - 3);
        const auto back = decode_data(wire);
        check(back.has_value());
        if (!normalize) {
            const bool complete = message.empty() || message.ends_with("\r\n");
            check(*back == (complete ? std::string(message) : std::string(message) + "\r\n"));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t chunk = 1 + data[0] % 32;  // first byte: how the bytes trickle in
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    fuzz_reader(input, chunk);
    fuzz_data(input);
    return 0;
}
