#include "pushservice/ca.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace coitest::pushservice {

namespace {

constexpr std::size_t kMaxPem = 1024 * 1024;

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

// OpenSSL's reason for the last failure, with the queue emptied so it cannot leak into a later
// unrelated call (the TLS handshakes run on the same thread).
Error ossl_error(ErrorKind kind, std::string_view what) {
    const unsigned long e = ERR_peek_last_error();
    char buf[256] = {};
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return make_error(kind, e ? fmt::format("{}: {}", what, buf) : std::string(what));
}

Ptr<EVP_PKEY> new_key() {
    return Ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

Ptr<X509> new_cert(const std::string& cn, EVP_PKEY* key, long days) {
    Ptr<X509> cert(X509_new());
    if (!cert) return nullptr;
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
    serial[0] &= 0x7f;  // a positive serial number
    Ptr<BIGNUM> bn(BN_bin2bn(serial, sizeof serial, nullptr));
    if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()))) return nullptr;
    X509_set_version(cert.get(), X509_VERSION_3);
    // A day of slack for clocks that disagree a little.
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
    if (X509_set_pubkey(cert.get(), key) != 1) return nullptr;
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("coitest"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    return cert;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Result<std::string> pem_of(X509* cert) {
    Ptr<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return ossl_error(ErrorKind::internal, "writing a certificate as PEM");
    return bio_text(bio.get());
}

Result<std::string> pem_of(EVP_PKEY* key) {
    Ptr<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return ossl_error(ErrorKind::internal, "writing a private key as PEM");
    return bio_text(bio.get());
}

Result<Ptr<X509>> read_cert(const std::string& pem) {
    if (pem.size() > kMaxPem)
        return make_error(ErrorKind::config, "the CA certificate PEM is too large");
    Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Ptr<X509> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) return ossl_error(ErrorKind::config, "the CA certificate is not a PEM certificate");
    return cert;
}

Result<Ptr<EVP_PKEY>> read_key(const std::string& pem) {
    if (pem.size() > kMaxPem) return make_error(ErrorKind::config, "the CA key PEM is too large");
    Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    // No passphrase callback: an encrypted key is refused rather than prompting on a terminal.
    Ptr<EVP_PKEY> key(
        bio ? PEM_read_bio_PrivateKey(
                  bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
            : nullptr);
    if (!key)
        return ossl_error(ErrorKind::config, "the CA key is not an unencrypted PEM private key");
    return key;
}

bool is_ip(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos &&
           (s.find('.') != std::string::npos || s.find(':') != std::string::npos);
}

Result<std::string> slurp(const std::filesystem::path& p) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(p, ec);
    if (ec)
        return make_error(ErrorKind::config,
                          fmt::format("cannot read {}: {}", p.string(), ec.message()));
    if (size > kMaxPem)
        return make_error(ErrorKind::config,
                          fmt::format("{} is too large for a PEM file", p.string()));
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(ErrorKind::config, fmt::format("cannot read {}", p.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

Result<CaMaterial> generate_ca() {
    auto key = new_key();
    if (!key) return ossl_error(ErrorKind::internal, "generating the CA's P-256 key");
    auto ca = new_cert("coitest push CA", key.get(), 10L * 365);
    if (!ca) return ossl_error(ErrorKind::internal, "creating the CA certificate");
    X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
    if (!add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash"))
        return ossl_error(ErrorKind::internal, "adding the CA extensions");
    if (X509_sign(ca.get(), key.get(), EVP_sha256()) == 0)
        return ossl_error(ErrorKind::internal, "signing the CA certificate");
    auto cert_pem = pem_of(ca.get());
    if (!cert_pem) return cert_pem.error();
    auto key_pem = pem_of(key.get());
    if (!key_pem) return key_pem.error();
    return CaMaterial{std::move(*cert_pem), std::move(*key_pem)};
}

Result<void> check_ca(const CaMaterial& ca) {
    auto cert = read_cert(ca.cert_pem);
    if (!cert) return cert.error();
    auto key = read_key(ca.key_pem);
    if (!key) return key.error();
    if (X509_check_ca(cert->get()) < 1) {
        ERR_clear_error();
        return make_error(ErrorKind::config,
                          "the CA certificate is not a CA (basicConstraints CA:TRUE missing)");
    }
    if (X509_check_private_key(cert->get(), key->get()) != 1) {
        ERR_clear_error();
        return make_error(ErrorKind::config, "the CA key does not belong to the CA certificate");
    }
    return {};
}

Result<CaMaterial> load_ca(const std::filesystem::path& cert_file,
                           const std::filesystem::path& key_file) {
    auto cert = slurp(cert_file);
    if (!cert) return cert.error();
    auto key = slurp(key_file);
    if (!key) return key.error();
    CaMaterial ca{std::move(*cert), std::move(*key)};
    if (auto ok = check_ca(ca); !ok)
        return make_error(ErrorKind::config, fmt::format("{} / {}: {}", cert_file.string(),
                                                         key_file.string(), ok.error().message));
    return ca;
}

Result<void> write_pem(const std::filesystem::path& file, const std::string& pem, bool secret) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        if (secret)  // before any byte of the key is written
            ::chmod(file.c_str(), S_IRUSR | S_IWUSR);
        out << pem;
        if (!out) return make_error(ErrorKind::io, fmt::format("cannot write {}", file.string()));
    }
    return {};
}

Result<CaMaterial> load_or_create_ca(const std::filesystem::path& cert_file,
                                     const std::filesystem::path& key_file, bool& created) {
    created = false;
    std::error_code ec;
    const bool have_cert = std::filesystem::exists(cert_file, ec);
    const bool have_key = std::filesystem::exists(key_file, ec);
    if (have_cert && have_key) return load_ca(cert_file, key_file);
    if (have_cert || have_key)
        return make_error(ErrorKind::config,
                          fmt::format("{} exists but {} does not: give both CA files or neither "
                                      "(then coitest creates them)",
                                      have_cert ? cert_file.string() : key_file.string(),
                                      have_cert ? key_file.string() : cert_file.string()));
    auto ca = generate_ca();
    if (!ca) return ca.error();
    if (auto w = write_pem(key_file, ca->key_pem, true); !w) return w.error();
    if (auto w = write_pem(cert_file, ca->cert_pem, false); !w) return w.error();
    created = true;
    return ca;
}

Result<LeafMaterial> issue_leaf(const CaMaterial& ca, const std::vector<std::string>& names) {
    // A leaf signed by a key that is not the CA's would never verify: refuse it here.
    if (auto ok = check_ca(ca); !ok) return ok.error();
    auto ca_cert = read_cert(ca.cert_pem);
    if (!ca_cert) return ca_cert.error();
    auto ca_key = read_key(ca.key_pem);
    if (!ca_key) return ca_key.error();
    auto key = new_key();
    if (!key) return ossl_error(ErrorKind::internal, "generating the endpoint's P-256 key");
    auto cert = new_cert(names.empty() ? "localhost" : names.front(), key.get(), 30);
    if (!cert) return ossl_error(ErrorKind::internal, "creating the endpoint certificate");
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert->get()));
    std::string san;
    for (const auto& n : names) {
        if (!san.empty()) san += ',';
        san += (is_ip(n) ? "IP:" : "DNS:") + n;
    }
    if (san.empty()) san = "DNS:localhost";
    if (!add_ext(cert.get(), ca_cert->get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(cert.get(), ca_cert->get(), NID_key_usage, "critical,digitalSignature") ||
        !add_ext(cert.get(), ca_cert->get(), NID_ext_key_usage, "serverAuth") ||
        !add_ext(cert.get(), ca_cert->get(), NID_subject_alt_name, san))
        return ossl_error(ErrorKind::internal, "adding the endpoint certificate's extensions");
    // keyid only when the CA has a subject key identifier (CAs made elsewhere may not).
    if (X509_get_ext_by_NID(ca_cert->get(), NID_subject_key_identifier, -1) >= 0 &&
        !add_ext(cert.get(), ca_cert->get(), NID_authority_key_identifier, "keyid:always"))
        return ossl_error(ErrorKind::internal, "adding the authority key identifier");
    if (X509_sign(cert.get(), ca_key->get(), EVP_sha256()) == 0)
        return ossl_error(ErrorKind::internal, "signing the endpoint certificate");
    auto cert_pem = pem_of(cert.get());
    if (!cert_pem) return cert_pem.error();
    auto key_pem = pem_of(key.get());
    if (!key_pem) return key_pem.error();
    return LeafMaterial{std::move(*cert_pem), std::move(*key_pem)};
}

}  // namespace coitest::pushservice
