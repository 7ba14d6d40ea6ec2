#pragma once
// Strict base64 (RFC 4648 §4) for SASL exchanges: padding required where the length needs it,
// no white space, nothing after the padding. nullopt when the input is not base64.
#include <optional>
#include <string>
#include <string_view>

namespace coitest::peer {

std::optional<std::string> base64_decode(std::string_view in);
std::string base64_encode(std::string_view in);

}  // namespace coitest::peer
