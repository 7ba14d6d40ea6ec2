// libFuzzer: P-256 public keys from PEM, DER and raw points. Whatever is accepted must
// round-trip through every encoding to the same point.
#include "webpush/p256.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace coitest::webpush;
using coitest::Result;

namespace {

void check_round_trip(const P256PublicKey& key) {
    std::string point = key.uncompressed_point();
    if (point.size() != 65 || point[0] != '\x04') std::abort();
    auto again = P256PublicKey::from_point(point);
    auto compressed = P256PublicKey::from_point(key.compressed_point());
    auto der = P256PublicKey::from_der(key.to_der());
    auto pem = P256PublicKey::from_pem(key.to_pem());
    if (!again || !compressed || !der || !pem) std::abort();
    if (!(*again == key) || !(*compressed == key) || !(*der == key) || !(*pem == key)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    Result<P256PublicKey> key = [&]() -> Result<P256PublicKey> {
        switch (data[0] % 3) {
            case 0:
                return P256PublicKey::from_point(input);
            case 1:
                return P256PublicKey::from_der(input);
            default:
                return P256PublicKey::from_pem(input);
        }
    }();
    if (key) check_round_trip(*key);
    return 0;
}
