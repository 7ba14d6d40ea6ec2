#pragma once
// RFC 8291 message encryption for Web Push: ECDH P-256 + auth secret -> IKM ("WebPush: info"),
// then aes128gcm (ece.hpp) with the sender's public point as keyid.
#include "model/error.hpp"
#include "webpush/ece.hpp"
#include "webpush/p256.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace coitest::webpush {

// What the user agent (client) registered: its public key and 16-octet auth secret.
struct Subscriber {
    P256PublicKey ua_public;
    std::string auth_secret;
};

struct PushEncryptOptions {
    std::optional<P256PrivateKey> as_private;  // default: a fresh key, discarded afterwards
    std::string salt;                          // default: random
    std::uint32_t rs = 4096;
    std::size_t padding = 0;
};

// RFC 8291 §3.3: IKM = HKDF(salt = auth_secret, ikm = ecdh_secret,
// info = "WebPush: info" 0x00 ua_public as_public, 32). Points are the 65-octet forms. Exposed
// for the published intermediate values.
Result<std::string> webpush_ikm(std::string_view ecdh_secret, std::string_view auth_secret,
                                std::string_view ua_public, std::string_view as_public);

// The request body (header + records) for POSTing to the push resource.
Result<std::string> encrypt_push(const Subscriber& to, std::string_view plaintext,
                                 const PushEncryptOptions& options = {});

struct DecryptedPush {
    std::string plaintext;
    P256PublicKey as_public;  // the sender's ephemeral key, from keyid
    EceHeader header;
};
// The user agent's side: its private key and auth secret.
Result<DecryptedPush> decrypt_push(const P256PrivateKey& ua_private, std::string_view auth_secret,
                                   std::string_view body, std::size_t max_plaintext = 1 << 20);

}  // namespace coitest::webpush
