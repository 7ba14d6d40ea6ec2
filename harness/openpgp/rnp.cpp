#include "openpgp/rnp.hpp"

#include "openpgp/packets.hpp"

#include <fcntl.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace coitest::openpgp {

namespace {

// ---- RAII for RNP handles ------------------------------------------------------------------

struct FfiFree {
    void operator()(rnp_ffi_st* p) const { rnp_ffi_destroy(p); }
};
struct InputFree {
    void operator()(rnp_input_st* p) const { rnp_input_destroy(p); }
};
struct OutputFree {
    void operator()(rnp_output_st* p) const { rnp_output_destroy(p); }
};
struct KeyFree {
    void operator()(rnp_key_handle_st* p) const { rnp_key_handle_destroy(p); }
};
struct UidFree {
    void operator()(rnp_uid_handle_st* p) const { rnp_uid_handle_destroy(p); }
};
struct SigFree {
    void operator()(rnp_signature_handle_st* p) const { rnp_signature_handle_destroy(p); }
};
struct VerifyFree {
    void operator()(rnp_op_verify_st* p) const { rnp_op_verify_destroy(p); }
};
struct IterFree {
    void operator()(rnp_identifier_iterator_st* p) const { rnp_identifier_iterator_destroy(p); }
};
using Input = std::unique_ptr<rnp_input_st, InputFree>;
using Output = std::unique_ptr<rnp_output_st, OutputFree>;
using Key = std::unique_ptr<rnp_key_handle_st, KeyFree>;
using Uid = std::unique_ptr<rnp_uid_handle_st, UidFree>;
using Sig = std::unique_ptr<rnp_signature_handle_st, SigFree>;
using Verify = std::unique_ptr<rnp_op_verify_st, VerifyFree>;
using Iter = std::unique_ptr<rnp_identifier_iterator_st, IterFree>;

// Strings RNP allocates are freed with rnp_buffer_destroy.
std::string take(char* s) {
    std::string out = s ? s : "";
    if (s) rnp_buffer_destroy(s);
    return out;
}

Error rnp_error(const char* what, rnp_result_t rc) {
    return make_error(ErrorKind::protocol, std::string(what) + ": " + rnp_result_to_string(rc));
}

Result<Input> memory_input(std::string_view data) {
    rnp_input_t in = nullptr;
    rnp_result_t rc = rnp_input_from_memory(&in, reinterpret_cast<const uint8_t*>(data.data()),
                                            data.size(), false);
    if (rc != RNP_SUCCESS) return rnp_error("cannot read OpenPGP data", rc);
    return Input(in);
}

bool flag(rnp_result_t (*fn)(rnp_key_handle_t, bool*), rnp_key_handle_t key) {
    bool v = false;
    return fn(key, &v) == RNP_SUCCESS && v;
}

bool allows(rnp_key_handle_t key, const char* usage) {
    bool v = false;
    return rnp_key_allows_usage(key, usage, &v) == RNP_SUCCESS && v;
}

std::string key_string(rnp_result_t (*fn)(rnp_key_handle_t, char**), rnp_key_handle_t key) {
    char* s = nullptr;
    if (fn(key, &s) != RNP_SUCCESS) return {};
    return take(s);
}

// True when some signature on the handle verifies (ignoring expiry of the key itself).
template <class CountFn, class AtFn, class H>
bool any_signature_valid(CountFn count_fn, AtFn at_fn, H handle) {
    size_t n = 0;
    if (count_fn(handle, &n) != RNP_SUCCESS) return false;
    for (size_t i = 0; i < n; ++i) {
        rnp_signature_handle_t s = nullptr;
        if (at_fn(handle, i, &s) != RNP_SUCCESS) continue;
        Sig sig(s);
        if (rnp_signature_is_valid(sig.get(), 0) == RNP_SUCCESS) return true;
    }
    return false;
}

bool no_password(rnp_ffi_t, void*, rnp_key_handle_t, const char*, char*, size_t) {
    return false;
}

// Hands RNP the one passphrase it was given (app_ctx points at it); RNP asks again after a wrong
// one, and the same answer ends that loop with a failure.
bool give_password(rnp_ffi_t, void* app_ctx, rnp_key_handle_t, const char*, char* buf,
                   size_t buf_len) {
    const auto* pass = static_cast<const std::string*>(app_ctx);
    if (pass == nullptr || pass->size() + 1 > buf_len) return false;
    std::copy(pass->begin(), pass->end(), buf);
    buf[pass->size()] = '\0';
    return true;
}

}  // namespace

struct Keyring::Impl {
    std::unique_ptr<rnp_ffi_st, FfiFree> ffi;
    int log_fd = -1;

    Impl() {
        rnp_ffi_t f = nullptr;
        if (rnp_ffi_create(&f, "GPG", "GPG") != RNP_SUCCESS)
            throw ErrorException(make_error(ErrorKind::internal, "RNP could not create a context"));
        ffi.reset(f);
        // RNP logs diagnostics to stderr; lint output must stay readable.
        log_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (log_fd >= 0) rnp_ffi_set_log_fd(ffi.get(), log_fd);
        rnp_ffi_set_pass_provider(ffi.get(), no_password, nullptr);
    }
    ~Impl() {
        ffi.reset();
        if (log_fd >= 0) ::close(log_fd);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    Result<Key> locate(std::string_view id) const {
        std::string s(id);
        const char* kind = s.size() == 40 || s.size() == 64 ? "fingerprint" : "keyid";
        rnp_key_handle_t k = nullptr;
        if (rnp_locate_key(ffi.get(), kind, s.c_str(), &k) != RNP_SUCCESS || k == nullptr)
            return make_error(ErrorKind::protocol, "key " + s + " not in the keyring");
        return Key(k);
    }
};

Keyring::Keyring() : impl_(std::make_unique<Impl>()) {}
Keyring::~Keyring() = default;
Keyring::Keyring(Keyring&&) noexcept = default;
Keyring& Keyring::operator=(Keyring&&) noexcept = default;

Result<std::vector<std::string>> Keyring::import_keys(std::string_view data, bool public_only) {
    auto in = memory_input(data);
    if (!in) return in.error();
    char* json = nullptr;
    uint32_t flags = public_only ? (RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_PERMISSIVE)
                                 : (RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS);
    rnp_result_t rc = rnp_import_keys(impl_->ffi.get(), in->get(), flags, &json);
    std::string results = take(json);
    if (rc != RNP_SUCCESS) return rnp_error("cannot import the key", rc);
    std::vector<std::string> fprs;
    auto parsed = nlohmann::json::parse(results, nullptr, false);
    if (parsed.is_object() && parsed.contains("keys") && parsed["keys"].is_array()) {
        for (const auto& k : parsed["keys"]) {
            if (!k.contains("fingerprint") || !k["fingerprint"].is_string()) continue;
            std::string fpr = k["fingerprint"].get<std::string>();
            auto key = impl_->locate(fpr);
            if (key && flag(rnp_key_is_primary, key->get())) fprs.push_back(fpr);
        }
    }
    return fprs;
}

std::size_t Keyring::secret_key_count() const {
    size_t n = 0;
    rnp_get_secret_key_count(impl_->ffi.get(), &n);
    return n;
}

std::vector<std::string> Keyring::secret_encryption_key_ids() const {
    std::vector<std::string> out;
    rnp_identifier_iterator_t it = nullptr;
    if (rnp_identifier_iterator_create(impl_->ffi.get(), &it, "keyid") != RNP_SUCCESS) return out;
    Iter iter(it);
    const char* id = nullptr;
    while (rnp_identifier_iterator_next(iter.get(), &id) == RNP_SUCCESS && id != nullptr) {
        auto key = impl_->locate(id);
        if (!key) continue;
        if (flag(rnp_key_have_secret, key->get()) && allows(key->get(), "encrypt")) {
            if (auto raw = from_hex(id)) out.push_back(*raw);
        }
    }
    return out;
}

Result<KeyFacts> Keyring::facts(std::string_view id) const {
    auto located = impl_->locate(id);
    if (!located) return located.error();
    rnp_key_handle_t key = located->get();
    KeyFacts f;
    f.fingerprint = key_string(rnp_key_get_fprint, key);
    f.key_id = key_string(rnp_key_get_keyid, key);
    f.algorithm = key_string(rnp_key_get_alg, key);
    f.curve = key_string(rnp_key_get_curve, key);
    f.can_sign = allows(key, "sign");
    f.valid = flag(rnp_key_is_valid, key);
    f.expired = flag(rnp_key_is_expired, key);
    f.revoked = flag(rnp_key_is_revoked, key);
    f.has_secret = flag(rnp_key_have_secret, key);
    size_t uids = 0;
    rnp_key_get_uid_count(key, &uids);
    for (size_t i = 0; i < uids && i < 64; ++i) {
        UserIdFacts u;
        char* text = nullptr;
        if (rnp_key_get_uid_at(key, i, &text) == RNP_SUCCESS) u.text = take(text);
        rnp_uid_handle_t h = nullptr;
        if (rnp_key_get_uid_handle_at(key, i, &h) == RNP_SUCCESS) {
            Uid uid(h);
            bool valid = false;
            u.valid = rnp_uid_is_valid(uid.get(), &valid) == RNP_SUCCESS && valid;
            u.signature_valid = any_signature_valid(rnp_uid_get_signature_count,
                                                    rnp_uid_get_signature_at, uid.get());
        }
        f.user_ids.push_back(std::move(u));
    }
    size_t subs = 0;
    rnp_key_get_subkey_count(key, &subs);
    for (size_t i = 0; i < subs && i < 64; ++i) {
        rnp_key_handle_t s = nullptr;
        if (rnp_key_get_subkey_at(key, i, &s) != RNP_SUCCESS) continue;
        Key sub(s);
        SubkeyFacts sf;
        sf.key_id = key_string(rnp_key_get_keyid, sub.get());
        sf.algorithm = key_string(rnp_key_get_alg, sub.get());
        sf.curve = key_string(rnp_key_get_curve, sub.get());
        sf.can_encrypt = allows(sub.get(), "encrypt");
        sf.can_sign = allows(sub.get(), "sign");
        sf.valid = flag(rnp_key_is_valid, sub.get());
        sf.expired = flag(rnp_key_is_expired, sub.get());
        sf.signature_valid =
            any_signature_valid(rnp_key_get_signature_count, rnp_key_get_signature_at, sub.get());
        f.subkeys.push_back(std::move(sf));
    }
    return f;
}

Result<DecryptResult> Keyring::decrypt(std::string_view binary_message) {
    auto packets = parse_packets(binary_message);
    if (!packets) return packets.error();
    bool wildcard = false;
    for (const auto& p : *packets) {
        if (auto k = parse_pkesk(p, binary_message)) {
            if (k->version == 6)
                return make_error(
                    ErrorKind::protocol,
                    "the message uses v6 PKESK (RFC 9580), which RNP 0.16 cannot decrypt");
            if (k->version == 3 && k->wildcard) wildcard = true;
        }
        if (seipd_version(p) == 2)
            return make_error(
                ErrorKind::protocol,
                "the message uses SEIPD v2 (RFC 9580 AEAD), which RNP 0.16 cannot decrypt");
    }

    auto attempt = [&](std::string_view data) -> Result<DecryptResult> {
        auto in = memory_input(data);
        if (!in) return in.error();
        rnp_output_t o = nullptr;
        if (rnp_output_to_memory(&o, 64u << 20) != RNP_SUCCESS)
            return make_error(ErrorKind::internal, "RNP output buffer");
        Output out(o);
        rnp_op_verify_t v = nullptr;
        rnp_result_t rc = rnp_op_verify_create(&v, impl_->ffi.get(), in->get(), out.get());
        if (rc != RNP_SUCCESS) return rnp_error("cannot start decryption", rc);
        Verify op(v);
        rc = rnp_op_verify_execute(op.get());
        uint8_t* buf = nullptr;
        size_t len = 0;
        rnp_output_memory_get_buf(out.get(), &buf, &len, false);
        // A signature problem still leaves the plaintext; anything else means no plaintext.
        bool decrypted = rc == RNP_SUCCESS || rc == RNP_ERROR_SIGNATURE_INVALID ||
                         rc == RNP_ERROR_SIGNATURE_EXPIRED || rc == RNP_ERROR_KEY_NOT_FOUND;
        if (!decrypted || (len == 0 && rc != RNP_SUCCESS))
            return rnp_error("decryption failed", rc);
        DecryptResult r;
        r.plaintext.assign(reinterpret_cast<const char*>(buf), len);
        size_t nsig = 0;
        rnp_op_verify_get_signature_count(op.get(), &nsig);
        for (size_t i = 0; i < nsig; ++i) {
            rnp_op_verify_signature_t s = nullptr;
            if (rnp_op_verify_get_signature_at(op.get(), i, &s) != RNP_SUCCESS) continue;
            SignatureFacts sf;
            rnp_result_t st = rnp_op_verify_signature_get_status(s);
            sf.valid = st == RNP_SUCCESS;
            sf.status = rnp_result_to_string(st);
            rnp_key_handle_t k = nullptr;
            if (rnp_op_verify_signature_get_key(s, &k) == RNP_SUCCESS && k != nullptr) {
                Key key(k);
                sf.key_id = key_string(rnp_key_get_keyid, key.get());
            }
            if (sf.key_id.empty()) {
                rnp_signature_handle_t h = nullptr;
                if (rnp_op_verify_signature_get_handle(s, &h) == RNP_SUCCESS && h != nullptr) {
                    Sig sig(h);
                    char* kid = nullptr;
                    if (rnp_signature_get_keyid(sig.get(), &kid) == RNP_SUCCESS)
                        sf.key_id = take(kid);
                }
            }
            r.signatures.push_back(std::move(sf));
        }
        rnp_recipient_handle_t rec = nullptr;
        if (rnp_op_verify_get_used_recipient(op.get(), &rec) == RNP_SUCCESS && rec != nullptr) {
            char* kid = nullptr;
            if (rnp_recipient_get_keyid(rec, &kid) == RNP_SUCCESS) r.used_key_id = take(kid);
        }
        return r;
    };

    auto first = attempt(binary_message);
    if (first || !wildcard) return first;
    for (const auto& key_id : secret_encryption_key_ids()) {
        auto rewritten = rewrite_wildcard_key_ids(binary_message, key_id);
        if (!rewritten) break;
        auto r = attempt(*rewritten);
        if (r) {
            r->rewrote_wildcard = true;
            return r;
        }
    }
    return first.error();
}

Result<std::string> decrypt_with_passphrase(std::string_view binary_message,
                                            std::string_view passphrase) {
    rnp_ffi_t f = nullptr;  // a context with no keys: only the password can open the message
    if (rnp_ffi_create(&f, "GPG", "GPG") != RNP_SUCCESS)
        return make_error(ErrorKind::internal, "RNP could not create a context");
    std::unique_ptr<rnp_ffi_st, FfiFree> ffi(f);
    int log_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (log_fd >= 0) rnp_ffi_set_log_fd(ffi.get(), log_fd);
    std::string pass(passphrase);
    rnp_ffi_set_pass_provider(ffi.get(), give_password, &pass);
    auto in = memory_input(binary_message);
    Result<std::string> out = make_error(ErrorKind::internal, "not run");
    if (!in) {
        out = in.error();
    } else {
        rnp_output_t o = nullptr;
        if (rnp_output_to_memory(&o, 16u << 20) != RNP_SUCCESS) {
            out = make_error(ErrorKind::internal, "RNP output buffer");
        } else {
            Output output(o);
            rnp_result_t rc = rnp_decrypt(ffi.get(), in->get(), output.get());
            uint8_t* buf = nullptr;
            size_t len = 0;
            rnp_output_memory_get_buf(output.get(), &buf, &len, false);
            if (rc != RNP_SUCCESS)
                out = rnp_error("cannot decrypt with the setup code", rc);
            else
                out = std::string(reinterpret_cast<const char*>(buf), len);
        }
    }
    ffi.reset();
    if (log_fd >= 0) ::close(log_fd);
    return out;
}

Result<KeyFacts> inspect_public_key(std::string_view binary_key) {
    Keyring ring;
    // Public keys only: secret material in keydata is reported by the packet scan, not imported.
    auto fprs = ring.import_keys(binary_key, /*public_only=*/true);
    if (!fprs) return fprs.error();
    if (fprs->empty())
        return make_error(ErrorKind::protocol, "RNP found no primary key in the key data");
    return ring.facts(fprs->front());
}

}  // namespace coitest::openpgp
