#include "webpush/hkdf.hpp"

#include "webpush/openssl_util.hpp"

#include <openssl/core_names.h>

namespace coitest::webpush {
namespace {

using namespace detail;

Result<std::string> run_hkdf(const char* mode, std::string_view salt, std::string_view ikm,
                             std::string_view info, std::size_t length) {
    if (ikm.empty())
        return make_error(ErrorKind::internal, "HKDF needs non-empty input keying material");
    if (length == 0 || length > 255 * 32)
        return make_error(ErrorKind::internal, "HKDF-SHA256 output length out of range");
    KdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    KdfCtxPtr ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
    if (!ctx) return openssl_error(ErrorKind::internal, "OpenSSL has no HKDF");
    char digest[] = "SHA256";
    std::string mode_name(mode);
    // OSSL_PARAM wants non-const pointers; OpenSSL only reads them here.
    std::string s(salt), k(ikm), i(info);
    OSSL_PARAM params[6];
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode_name.data(), 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, k.data(), k.size());
    if (!s.empty())  // an absent salt is HashLen zero octets (RFC 5869 §2.2)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, s.data(), s.size());
    if (!i.empty())
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, i.data(), i.size());
    params[n] = OSSL_PARAM_construct_end();
    std::string out(length, '\0');
    if (EVP_KDF_derive(ctx.get(), bytes(out), out.size(), params) != 1)
        return openssl_error(ErrorKind::internal, "HKDF failed");
    return out;
}

}  // namespace

Result<std::string> hkdf_sha256(std::string_view salt, std::string_view ikm, std::string_view info,
                                std::size_t length) {
    return run_hkdf("EXTRACT_AND_EXPAND", salt, ikm, info, length);
}

Result<std::string> hkdf_sha256_extract(std::string_view salt, std::string_view ikm) {
    return run_hkdf("EXTRACT_ONLY", salt, ikm, {}, 32);
}

}  // namespace coitest::webpush
