#pragma once
// P-256 keys (RAII over OpenSSL 3 EVP_PKEY) in the encodings Web Push uses: the uncompressed
// point (65 octets, RFC 8291 §4 `p256dh`, RFC 8292 §3.2 `k`), SubjectPublicKeyInfo PEM (the
// webpush spec's VAPID key), and raw 32-octet private scalars (the RFC test vectors).
#include "model/error.hpp"

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace coitest::webpush {

struct EvpPkeyFree {
    void operator()(EVP_PKEY* key) const noexcept;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

class P256PublicKey {
  public:
    // 65 octets 0x04||X||Y; also the 33-octet compressed form (the spec's VAPID example uses it).
    static Result<P256PublicKey> from_point(std::string_view octets);
    // "-----BEGIN PUBLIC KEY-----" SubjectPublicKeyInfo; an error if the curve is not P-256.
    static Result<P256PublicKey> from_pem(std::string_view pem);
    // DER SubjectPublicKeyInfo.
    static Result<P256PublicKey> from_der(std::string_view der);

    std::string uncompressed_point() const;  // 65 octets
    std::string compressed_point() const;    // 33 octets, 0x02/0x03||X (SEC 1 §2.3.3)
    std::string to_pem() const;              // SPKI PEM, "\n" line ends
    std::string to_der() const;              // SPKI DER
    EVP_PKEY* get() const { return key_.get(); }

    bool operator==(const P256PublicKey& other) const;  // same point

  private:
    explicit P256PublicKey(EvpPkeyPtr key) : key_(std::move(key)) {}
    std::shared_ptr<EVP_PKEY> key_;  // immutable, so copies share it
};

class P256PrivateKey {
  public:
    static Result<P256PrivateKey> generate();
    // A 32-octet big-endian scalar (RFC 8291 Appendix A gives keys this way, base64url).
    static Result<P256PrivateKey> from_scalar(std::string_view octets);
    // PKCS#8 or SEC1 "EC PRIVATE KEY" PEM.
    static Result<P256PrivateKey> from_pem(std::string_view pem);

    P256PublicKey public_key() const;
    std::string to_pem() const;  // PKCS#8 PEM
    std::string scalar() const;  // the 32-octet big-endian private scalar (from_scalar's input)
    EVP_PKEY* get() const { return key_.get(); }

  private:
    explicit P256PrivateKey(EvpPkeyPtr key) : key_(std::move(key)) {}
    std::shared_ptr<EVP_PKEY> key_;
};

// ECDH (RFC 8291 §3.1): the 32-octet X coordinate of the shared point.
Result<std::string> ecdh(const P256PrivateKey& own, const P256PublicKey& peer);

}  // namespace coitest::webpush
