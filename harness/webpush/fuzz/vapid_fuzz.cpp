// libFuzzer: the VAPID Authorization parser and the JWT verifier on hostile input.
#include "webpush/base64url.hpp"
#include "webpush/vapid.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace coitest::webpush;

namespace {

// One fixed key for the runs that skip k= (the verifier's JSON and signature paths).
const P256PublicKey& fixed_key() {
    static const P256PublicKey key = P256PrivateKey::generate().value().public_key();
    return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    VapidExpectations expect{"https://push.example.net", 1'700'000'000, 24 * 3600, std::nullopt};
    if (data[0] & 1) {
        // The whole header value.
        auto credentials = parse_vapid_authorization(input);
        if (credentials) {
            if (credentials->jwt.empty()) std::abort();  // the parser promised a t= value
            (void)verify_vapid(*credentials, expect);
        }
    } else {
        // A bare JWT against a fixed key.
        VapidCredentials credentials{std::string(input), fixed_key()};
        (void)verify_vapid(credentials, expect);
    }
    return 0;
}
