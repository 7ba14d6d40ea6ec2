// libFuzzer: spec-lint's C:/S: exchange judging (framing with literals, the command tokenizer,
// harness/imap's response parser, the COI and WebPush rules) and the JSON example rules on any
// text. A hostile example gives findings, never a crash or a hang. Requirements resolve to a
// stand-in MUST so the fuzzer needs no catalog files.
#include "messages/spec_exchange.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
const coitest::Requirement kStandIn{"fuzz",   "fuzz",    "0", 0, coitest::Level::must,
                                    "server", "stand-in"};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coitest::messages;
    if (size == 0 || size > 64 * 1024) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    // The first byte picks the spec whose rules apply.
    std::string_view spec = (data[0] & 1) ? "coi/webpush-spec.md" : "coi/coi-server-spec.md";
    coitest::message::Findings f([](std::string_view) { return &kStandIn; });
    judge_exchange(split_exchange(text, 1), "fuzz.md", spec, f);
    judge_json_example(text, "fuzz.md", 1, spec, f);
    (void)parse_client_command(text);
    return 0;
}
