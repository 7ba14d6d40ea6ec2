#include "webpush/p256.hpp"

#include "webpush/openssl_util.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace coitest::webpush {

void EvpPkeyFree::operator()(EVP_PKEY* key) const noexcept {
    EVP_PKEY_free(key);
}

namespace {

using namespace detail;

// PEM keys are a few hundred octets; anything far larger is not a key.
constexpr std::size_t kMaxKeyText = 64 * 1024;
constexpr char kCurve[] = "prime256v1";  // OpenSSL's name for P-256 (secp256r1)

Error key_error(std::string_view what) {
    return openssl_error(ErrorKind::protocol, what);
}

// Every key that enters the library passes here: an EC key on the named curve P-256 whose public
// point is valid (on the curve, not the point at infinity, in the prime-order group).
Result<void> check_p256(EVP_PKEY* key, bool is_private) {
    if (!EVP_PKEY_is_a(key, "EC")) {
        const char* type = EVP_PKEY_get0_type_name(key);
        clear_openssl_errors();
        return make_error(ErrorKind::protocol,
                          fmt::format("not an elliptic-curve key (the key type is {}); Web Push "
                                      "needs P-256",
                                      type ? type : "unknown"));
    }
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1) {
        clear_openssl_errors();
        return make_error(ErrorKind::protocol,
                          "the key's curve is given by explicit parameters, not as the named "
                          "curve P-256");
    }
    if (std::string_view(group, len) != kCurve) {
        clear_openssl_errors();
        return make_error(ErrorKind::protocol,
                          fmt::format("the key is on curve {}, not P-256 (prime256v1)",
                                      std::string_view(group, len)));
    }
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx) return openssl_error(ErrorKind::internal, "cannot check the key");
    if (EVP_PKEY_public_check(ctx.get()) != 1)
        return key_error("the public key is not a valid point on P-256");
    if (is_private && EVP_PKEY_pairwise_check(ctx.get()) != 1)
        return key_error("the private and public parts of the key do not belong together");
    // SPKI output (to_der/to_pem) then always carries the 65-octet form, whatever came in.
    if (EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                       "uncompressed") != 1)
        return openssl_error(ErrorKind::internal, "cannot select the uncompressed point form");
    return {};
}

std::string coordinate(const EVP_PKEY* key, const char* name) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
        throw ErrorException(openssl_error(ErrorKind::internal, "cannot read a key coordinate"));
    BnPtr bn(raw);
    std::string out(32, '\0');
    BN_bn2binpad(bn.get(), bytes(out), 32);
    return out;
}

std::string point_of(const EVP_PKEY* key) {
    return "\x04" + coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X) +
           coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y);
}

BioPtr memory_bio(std::string_view text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string drain(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// Never prompt on a terminal for an encrypted key's passphrase: refuse it.
int no_passphrase(char*, int, int, void*) {
    return 0;
}

std::string pem_hint(std::string_view pem, std::string_view expected) {
    if (pem.find("-----BEGIN") == std::string_view::npos)
        return fmt::format("no '-----BEGIN {}-----' line", expected);
    auto at = pem.find("-----BEGIN ");
    auto end = pem.find("-----", at + 11);
    if (end != std::string_view::npos) {
        auto label = pem.substr(at + 11, end - at - 11);
        if (label != expected && !(expected == "PRIVATE KEY" && label == "EC PRIVATE KEY"))
            return fmt::format("the PEM block is '{}', not '{}'", label, expected);
    }
    return "the PEM block does not decode";
}

}  // namespace

// ---- public key ---------------------------------------------------------------------------

Result<P256PublicKey> P256PublicKey::from_point(std::string_view octets) {
    bool uncompressed = octets.size() == 65 && octets[0] == '\x04';
    bool compressed = octets.size() == 33 && (octets[0] == '\x02' || octets[0] == '\x03');
    if (!uncompressed && !compressed) {
        if (octets.empty()) return make_error(ErrorKind::protocol, "the P-256 point is empty");
        return make_error(ErrorKind::protocol,
                          fmt::format("a P-256 point is 65 octets starting 0x04 (or 33 starting "
                                      "0x02/0x03); got {} octets starting 0x{:02x}",
                                      octets.size(), static_cast<unsigned char>(octets[0])));
    }
    char group[] = "prime256v1";
    std::string point(octets);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end(),
    };
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
        return openssl_error(ErrorKind::internal, "cannot create an EC key context");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1)
        return key_error("the octets are not a point on P-256");
    EvpPkeyPtr key(raw);
    if (auto ok = check_p256(key.get(), false); !ok) return ok.error();
    return P256PublicKey(std::move(key));
}

Result<P256PublicKey> P256PublicKey::from_pem(std::string_view pem) {
    if (!within(pem, kMaxKeyText))
        return make_error(ErrorKind::limit,
                          fmt::format("a {}-octet PEM text is too long for a key", pem.size()));
    auto bio = memory_bio(pem);
    EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
    if (!key)
        return key_error(
            fmt::format("not a SubjectPublicKeyInfo PEM key: {}", pem_hint(pem, "PUBLIC KEY")));
    if (auto ok = check_p256(key.get(), false); !ok) return ok.error();
    return P256PublicKey(std::move(key));
}

Result<P256PublicKey> P256PublicKey::from_der(std::string_view der) {
    if (!within(der, kMaxKeyText))
        return make_error(ErrorKind::limit,
                          fmt::format("a {}-octet DER key is too long", der.size()));
    const unsigned char* p = bytes(der);
    EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
    if (!key) return key_error("not a DER SubjectPublicKeyInfo");
    if (p != bytes(der) + der.size()) {
        clear_openssl_errors();
        return make_error(ErrorKind::protocol,
                          fmt::format("{} octets follow the DER SubjectPublicKeyInfo",
                                      bytes(der) + der.size() - p));
    }
    if (auto ok = check_p256(key.get(), false); !ok) return ok.error();
    return P256PublicKey(std::move(key));
}

std::string P256PublicKey::uncompressed_point() const {
    return point_of(key_.get());
}

std::string P256PublicKey::compressed_point() const {
    std::string y = coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    char prefix = (static_cast<unsigned char>(y.back()) & 1) ? '\x03' : '\x02';
    return prefix + coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X);
}

std::string P256PublicKey::to_der() const {
    int n = i2d_PUBKEY(key_.get(), nullptr);
    if (n <= 0) throw ErrorException(openssl_error(ErrorKind::internal, "cannot encode the key"));
    std::string out(static_cast<std::size_t>(n), '\0');
    unsigned char* p = bytes(out);
    i2d_PUBKEY(key_.get(), &p);
    return out;
}

std::string P256PublicKey::to_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1)
        throw ErrorException(openssl_error(ErrorKind::internal, "cannot write the key as PEM"));
    return drain(bio.get());
}

bool P256PublicKey::operator==(const P256PublicKey& other) const {
    return uncompressed_point() == other.uncompressed_point();
}

// ---- private key --------------------------------------------------------------------------

Result<P256PrivateKey> P256PrivateKey::generate() {
    EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) return openssl_error(ErrorKind::internal, "cannot generate a P-256 key");
    if (auto ok = check_p256(key.get(), true); !ok) return ok.error();
    return P256PrivateKey(std::move(key));
}

Result<P256PrivateKey> P256PrivateKey::from_scalar(std::string_view octets) {
    if (octets.size() != 32)
        return make_error(
            ErrorKind::protocol,
            fmt::format("a P-256 private scalar is 32 octets, not {}", octets.size()));
    EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
    BnCtxPtr bn_ctx(BN_CTX_new());
    BnPtr d(BN_bin2bn(bytes(octets), 32, nullptr));
    if (!group || !bn_ctx || !d) return openssl_error(ErrorKind::internal, "out of memory");
    if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0)
        return make_error(ErrorKind::protocol,
                          "the private scalar is outside 1..n-1 for P-256 (n the group order)");
    // OpenSSL's fromdata does not derive the public point; compute d·G here.
    EcPointPtr pub(EC_POINT_new(group.get()));
    if (!pub || EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1)
        return openssl_error(ErrorKind::internal, "cannot compute the public point");
    std::string point(65, '\0');
    if (EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, bytes(point), 65,
                           bn_ctx.get()) != 65)
        return openssl_error(ErrorKind::internal, "cannot encode the public point");

    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kCurve, 0) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1)
        return openssl_error(ErrorKind::internal, "cannot build the key parameters");
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
        return openssl_error(ErrorKind::internal, "cannot create an EC key context");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1)
        return openssl_error(ErrorKind::internal, "cannot import the P-256 key pair");
    EvpPkeyPtr key(raw);
    if (auto ok = check_p256(key.get(), true); !ok) return ok.error();
    return P256PrivateKey(std::move(key));
}

Result<P256PrivateKey> P256PrivateKey::from_pem(std::string_view pem) {
    if (!within(pem, kMaxKeyText))
        return make_error(ErrorKind::limit,
                          fmt::format("a {}-octet PEM text is too long for a key", pem.size()));
    auto bio = memory_bio(pem);
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    if (!key)
        return key_error(fmt::format("not an unencrypted PKCS#8 or SEC 1 private key PEM: {}",
                                     pem_hint(pem, "PRIVATE KEY")));
    if (auto ok = check_p256(key.get(), true); !ok) return ok.error();
    return P256PrivateKey(std::move(key));
}

P256PublicKey P256PrivateKey::public_key() const {
    auto pub = P256PublicKey::from_point(point_of(key_.get()));
    if (!pub) throw ErrorException(pub.error());  // the key was checked on entry: a bug
    return *pub;
}

std::string P256PrivateKey::to_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        throw ErrorException(openssl_error(ErrorKind::internal, "cannot write the key as PEM"));
    return drain(bio.get());
}

std::string P256PrivateKey::scalar() const {
    return coordinate(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY);
}

// ---- ECDH ---------------------------------------------------------------------------------

Result<std::string> ecdh(const P256PrivateKey& own, const P256PublicKey& peer) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own.get(), nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1)
        return openssl_error(ErrorKind::internal, "cannot start ECDH");
    if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 1) != 1)
        return key_error("ECDH refused the peer's public key");
    std::size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != 32)
        return openssl_error(ErrorKind::internal, "ECDH gave an unexpected secret size");
    std::string secret(len, '\0');
    if (EVP_PKEY_derive(ctx.get(), bytes(secret), &len) != 1 || len != 32)
        return openssl_error(ErrorKind::internal, "ECDH failed");
    return secret;
}

}  // namespace coitest::webpush
