// The endpoint's CA: generated, written, loaded back; mismatched or wrong files refused; the
// leaf it issues verifies for 127.0.0.1 and localhost and for nothing else.
#include "pushservice/ca.hpp"

#include <gmock/gmock.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace coitest::pushservice {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

template <class T>
T ok(Result<T> r) {
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
}
inline void ok(Result<void> r) {
    if (!r) throw std::runtime_error("unexpected error: " + r.error().message);
}

class TempDir {
  public:
    TempDir() {
        path_ = fs::temp_directory_path() /
                ("coitest-pushca-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

  private:
    static inline int counter_ = 0;
    fs::path path_;
};

struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return cert;
}

// Whether `leaf` chains to `ca` and is valid for `host` (an IP or a DNS name).
bool verifies(const std::string& ca, const std::string& leaf, const std::string& host) {
    auto ca_cert = parse(ca);
    auto leaf_cert = parse(leaf);
    if (!ca_cert || !leaf_cert) return false;
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca_cert.get());
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf_cert.get(), nullptr);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
    if (host.find_first_not_of("0123456789.") == std::string::npos)
        X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    else
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    const bool good = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return good;
}

TEST(PushCa, GeneratedCaIssuesLeavesForTheNamesGiven) {
    const auto ca = ok(generate_ca());
    EXPECT_TRUE(check_ca(ca));
    const auto leaf = ok(issue_leaf(ca, {"127.0.0.1", "localhost"}));
    EXPECT_TRUE(verifies(ca.cert_pem, leaf.cert_pem, "127.0.0.1"));
    EXPECT_TRUE(verifies(ca.cert_pem, leaf.cert_pem, "localhost"));
    EXPECT_FALSE(verifies(ca.cert_pem, leaf.cert_pem, "127.0.0.2"));
    EXPECT_FALSE(verifies(ca.cert_pem, leaf.cert_pem, "example.org"));
    // Another CA does not vouch for it.
    EXPECT_FALSE(verifies(ok(generate_ca()).cert_pem, leaf.cert_pem, "127.0.0.1"));
}

TEST(PushCa, MismatchedOrWrongMaterialIsRefused) {
    const auto a = ok(generate_ca());
    const auto b = ok(generate_ca());
    auto swapped = check_ca({a.cert_pem, b.key_pem});
    ASSERT_FALSE(swapped);
    EXPECT_THAT(swapped.error().message, HasSubstr("does not belong"));

    const auto leaf = ok(issue_leaf(a, {"127.0.0.1"}));
    auto not_ca = check_ca({leaf.cert_pem, leaf.key_pem});
    ASSERT_FALSE(not_ca);
    EXPECT_THAT(not_ca.error().message, HasSubstr("not a CA"));

    EXPECT_FALSE(check_ca({"garbage", a.key_pem}));
    EXPECT_FALSE(check_ca({a.cert_pem, "garbage"}));
    EXPECT_FALSE(check_ca({std::string(2 * 1024 * 1024, 'x'), a.key_pem}));
    EXPECT_FALSE(issue_leaf({a.cert_pem, b.key_pem}, {"127.0.0.1"}));
}

TEST(PushCa, LoadOrCreateKeepsOneCaAcrossRuns) {
    TempDir dir;
    const auto cert = dir.path() / "push-ca.pem";
    const auto key = dir.path() / "push-ca.key";
    bool created = false;
    const auto first = ok(load_or_create_ca(cert, key, created));
    EXPECT_TRUE(created);
    struct stat st {};
    ASSERT_EQ(::stat(key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    const auto second = ok(load_or_create_ca(cert, key, created));
    EXPECT_FALSE(created);
    EXPECT_EQ(second.cert_pem, first.cert_pem);
    EXPECT_EQ(second.key_pem, first.key_pem);

    fs::remove(key);
    auto half = load_or_create_ca(cert, key, created);
    ASSERT_FALSE(half);
    EXPECT_EQ(half.error().kind, ErrorKind::config);
    EXPECT_THAT(half.error().message, HasSubstr("give both"));

    // A key that belongs to another CA: named with both files.
    ok(write_pem(key, ok(generate_ca()).key_pem, true));
    auto mismatched = load_ca(cert, key);
    ASSERT_FALSE(mismatched);
    EXPECT_THAT(mismatched.error().message, HasSubstr(cert.string()));
    EXPECT_THAT(mismatched.error().message, HasSubstr("does not belong"));

    auto missing = load_ca(dir.path() / "nope.pem", key);
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("nope.pem"));
}

}  // namespace
}  // namespace coitest::pushservice
