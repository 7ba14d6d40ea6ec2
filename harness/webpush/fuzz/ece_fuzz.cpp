// libFuzzer: aes128gcm and Web Push decryption with fixed keys. Random bodies mostly fail the
// tag, so the header parser and record splitter get most of the work; seeds from the RFC vectors
// reach the padding checks.
#include "webpush/base64url.hpp"
#include "webpush/ece.hpp"
#include "webpush/push_message.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace coitest::webpush;

namespace {

const P256PrivateKey& ua_key() {
    // RFC 8291 Appendix A's user agent key, so its published body is a useful seed.
    static const P256PrivateKey key =
        P256PrivateKey::from_scalar(
            base64url_decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94").value())
            .value();
    return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    constexpr std::size_t kMax = 4096;
    if (data[0] & 1) {
        // RFC 8188 §3.2's IKM ("BO3ZVPxUlnLORbVGMpbT1Q").
        static const std::string ikm = base64url_decode("BO3ZVPxUlnLORbVGMpbT1Q").value();
        auto out = ece_decrypt(ikm, body, kMax);
        if (out && out->plaintext.size() > kMax) std::abort();
    } else {
        static const std::string auth = base64url_decode("BTBZMqHH6r4Tts7J_aSIgg").value();
        auto out = decrypt_push(ua_key(), auth, body, kMax);
        if (out && out->plaintext.size() > kMax) std::abort();
    }
    return 0;
}
