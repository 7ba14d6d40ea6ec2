// Feeds arbitrary bytes to the peer's command framer and parser, in pieces as the network would.
#include "peer/imap_command_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coitest::peer::imap;
    FramerLimits limits;
    limits.max_line = 4096;
    limits.max_literal = 65536;
    limits.max_command = 131072;
    CommandFramer framer(limits);
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    // The first byte picks a chunk size, so splits fall everywhere.
    const std::size_t chunk = size > 0 ? (data[0] % 64) + 1 : 1;
    for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
        framer.feed(in.substr(pos, chunk));
        for (;;) {
            auto ev = framer.next();
            if (ev.kind == FrameEvent::Kind::need_more) break;
            if (ev.kind == FrameEvent::Kind::command) (void)parse_command(ev.text);
            if (ev.kind == FrameEvent::Kind::error && ev.fatal) return 0;
        }
    }
    (void)parse_command(in);  // the whole input as one command, too
    return 0;
}
