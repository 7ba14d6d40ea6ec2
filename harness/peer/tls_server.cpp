#include "peer/tls_server.hpp"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

namespace coitest::peer {

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

Error tls_error(std::string_view what) {
    const unsigned long e = ERR_get_error();
    char buf[256] = {};
    if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return make_error(ErrorKind::tls, fmt::format("{}: {}", what, e ? buf : "unknown error"));
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

Ptr<X509> new_cert(const std::string& cn, EVP_PKEY* key) {
    Ptr<X509> cert(X509_new());
    if (!cert) return nullptr;
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("coitest"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    return cert;
}

std::string pem_of(X509* cert) {
    Ptr<BIO> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of(EVP_PKEY* key) {
    Ptr<BIO> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

bool is_ip(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos &&
           (s.find('.') != std::string::npos || s.find(':') != std::string::npos);
}

Result<std::string> slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(ErrorKind::io, fmt::format("cannot read {}", p.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (ss.str().size() > 1024 * 1024)
        return make_error(ErrorKind::io, fmt::format("{} is too large for a PEM file", p.string()));
    return ss.str();
}

}  // namespace

Result<TlsMaterial> generate_tls_material(const std::vector<std::string>& names) {
    auto ca_key = new_key();
    auto key = new_key();
    if (!ca_key || !key) return tls_error("generating a P-256 key");
    auto ca = new_cert("coitest throwaway CA", ca_key.get());
    if (!ca) return tls_error("creating the CA certificate");
    X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
    if (!add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash"))
        return tls_error("CA extensions");
    if (X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) return tls_error("signing the CA");

    auto cert = new_cert(names.empty() ? "localhost" : names.front(), key.get());
    if (!cert) return tls_error("creating the server certificate");
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get()));
    std::string san;
    for (const auto& n : names) {
        if (!san.empty()) san += ',';
        san += (is_ip(n) ? "IP:" : "DNS:") + n;
    }
    if (san.empty()) san = "DNS:localhost";
    if (!add_ext(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
        !add_ext(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth") ||
        !add_ext(cert.get(), ca.get(), NID_subject_alt_name, san) ||
        !add_ext(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always"))
        return tls_error("server certificate extensions");
    if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0)
        return tls_error("signing the server certificate");
    return TlsMaterial{pem_of(ca.get()), pem_of(cert.get()), pem_of(key.get())};
}

Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const std::string& cert_pem, const std::string& key_pem) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    ctx->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
    if (ec) return make_error(ErrorKind::tls, "the server certificate: " + ec.message());
    ctx->use_private_key(boost::asio::buffer(key_pem), ssl::context::pem, ec);
    if (ec) return make_error(ErrorKind::tls, "the server key: " + ec.message());
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        return tls_error("the key does not match the certificate");
    return ctx;
}

Result<TlsMaterial> load_tls_material(const std::filesystem::path& cert,
                                      const std::filesystem::path& key) {
    auto c = slurp(cert);
    if (!c) return c.error();
    auto k = slurp(key);
    if (!k) return k.error();
    return TlsMaterial{std::string(), *c, *k};
}

}  // namespace coitest::peer
