#include "webpush/push_message.hpp"

#include "webpush/hkdf.hpp"

#include <fmt/format.h>

namespace coitest::webpush {
namespace {

constexpr std::size_t kAuthSecretLength = 16;  // RFC 8291 §3.2
constexpr std::size_t kPointLength = 65;
constexpr std::size_t kTagLength = 16;

Result<void> check_auth_secret(std::string_view auth_secret) {
    if (auth_secret.size() != kAuthSecretLength)
        return make_error(ErrorKind::protocol,
                          fmt::format("the auth secret is {} octets; RFC 8291 §3.2 makes it 16",
                                      auth_secret.size()));
    return {};
}

}  // namespace

Result<std::string> webpush_ikm(std::string_view ecdh_secret, std::string_view auth_secret,
                                std::string_view ua_public, std::string_view as_public) {
    using namespace std::string_literals;
    std::string info = "WebPush: info\0"s;
    info += ua_public;
    info += as_public;
    return hkdf_sha256(auth_secret, ecdh_secret, info, 32);
}

Result<std::string> encrypt_push(const Subscriber& to, std::string_view plaintext,
                                 const PushEncryptOptions& options) {
    if (auto ok = check_auth_secret(to.auth_secret); !ok) return ok.error();
    // RFC 8291 §4: one record, so rs must exceed plaintext + delimiter + padding + tag.
    if (plaintext.size() + 1 + options.padding + kTagLength > options.rs)
        return make_error(ErrorKind::usage,
                          fmt::format("{} octets of plaintext and {} of padding do not fit one "
                                      "record of rs = {} (RFC 8291 §4 allows a single record)",
                                      plaintext.size(), options.padding, options.rs));
    std::optional<P256PrivateKey> fresh;
    if (!options.as_private) {
        // The ephemeral sender key: used for this message only, then dropped (RFC 8291 §3.1).
        auto generated = P256PrivateKey::generate();
        if (!generated) return generated.error();
        fresh = std::move(*generated);
    }
    const P256PrivateKey& as_private = options.as_private ? *options.as_private : *fresh;
    auto secret = ecdh(as_private, to.ua_public);
    if (!secret) return secret.error();
    std::string as_public = as_private.public_key().uncompressed_point();
    auto ikm = webpush_ikm(*secret, to.auth_secret, to.ua_public.uncompressed_point(), as_public);
    if (!ikm) return ikm.error();
    EceEncryptOptions ece;
    ece.rs = options.rs;
    ece.keyid = as_public;  // RFC 8291 §4: keyid is the sender's public point
    ece.salt = options.salt;
    ece.padding = options.padding;
    return ece_encrypt(*ikm, plaintext, ece);
}

Result<DecryptedPush> decrypt_push(const P256PrivateKey& ua_private, std::string_view auth_secret,
                                   std::string_view body, std::size_t max_plaintext) {
    if (auto ok = check_auth_secret(auth_secret); !ok) return ok.error();
    std::size_t header_length = 0;
    auto header = parse_ece_header(body, header_length);
    if (!header) return header.error();
    if (header->keyid.size() != kPointLength)
        return make_error(ErrorKind::protocol,
                          fmt::format("the aes128gcm keyid is {} octets; Web Push puts the "
                                      "sender's 65-octet public point there (RFC 8291 §4)",
                                      header->keyid.size()));
    auto as_public = P256PublicKey::from_point(header->keyid);
    if (!as_public)
        return make_error(ErrorKind::protocol, "the aes128gcm keyid is not a P-256 public point: " +
                                                   as_public.error().message);
    auto secret = ecdh(ua_private, *as_public);
    if (!secret) return secret.error();
    auto ikm = webpush_ikm(*secret, auth_secret, ua_private.public_key().uncompressed_point(),
                           header->keyid);
    if (!ikm) return ikm.error();
    auto plain = ece_decrypt(*ikm, body, max_plaintext);
    if (!plain) return plain.error();
    return DecryptedPush{std::move(plain->plaintext), std::move(*as_public),
                         std::move(plain->header)};
}

}  // namespace coitest::webpush
