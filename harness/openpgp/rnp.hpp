#pragma once
// RNP (librnp 0.16) behind a small RAII surface: a keyring, inspection of a transferable public
// key (Autocrypt keydata), and decryption + signature verification of PGP/MIME payloads.
// No RNP type appears here; every RNP handle is owned by an RAII wrapper inside rnp.cpp.
#include "model/error.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::openpgp {

struct SubkeyFacts {
    std::string key_id;  // 16 hex digits, upper case
    std::string algorithm;
    std::string curve;
    bool can_encrypt = false;
    bool can_sign = false;
    bool valid = false;  // RNP: has a valid binding signature and is usable now
    bool expired = false;
    bool signature_valid = false;  // the binding signature verifies (expiry aside)
};

struct UserIdFacts {
    std::string text;
    bool valid = false;            // RNP: has a valid self-certification
    bool signature_valid = false;  // at least one certification verifies (expiry aside)
};

struct KeyFacts {
    std::string fingerprint;
    std::string key_id;
    std::string algorithm;
    std::string curve;
    bool can_sign = false;
    bool valid = false;
    bool expired = false;
    bool revoked = false;
    bool has_secret = false;
    std::vector<UserIdFacts> user_ids;
    std::vector<SubkeyFacts> subkeys;
};

struct SignatureFacts {
    bool valid = false;
    std::string status;  // RNP's words: "Success", "Key not found", …
    std::string key_id;  // signer key ID (hex) when known
};

struct DecryptResult {
    std::string plaintext;
    std::vector<SignatureFacts> signatures;
    std::string used_key_id;  // the recipient key that decrypted it
    bool rewrote_wildcard = false;
};

class Keyring {
  public:
    Keyring();  // throws ErrorException only if RNP cannot create a context (out of memory)
    ~Keyring();
    Keyring(Keyring&&) noexcept;
    Keyring& operator=(Keyring&&) noexcept;
    Keyring(const Keyring&) = delete;
    Keyring& operator=(const Keyring&) = delete;

    // Imports public and secret keys (armored or binary), or only public ones. Returns the
    // fingerprints of the primary keys imported.
    Result<std::vector<std::string>> import_keys(std::string_view data, bool public_only = false);
    std::size_t secret_key_count() const;
    // Key IDs (8 raw bytes) of subkeys and primaries that have secret material and may encrypt.
    std::vector<std::string> secret_encryption_key_ids() const;

    // Facts about a key already in the ring, found by fingerprint or key ID (hex).
    Result<KeyFacts> facts(std::string_view id) const;

    // Decrypts a binary (dearmored) OpenPGP message and verifies its signatures against the
    // public keys in the ring. Wildcard v3 recipients are rewritten per NOTES §2 when needed.
    Result<DecryptResult> decrypt(std::string_view binary_message);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Decrypts a password-encrypted (SKESK + SEIPD) binary OpenPGP message, as an Autocrypt Setup
// Message carries, with `passphrase`. A wrong passphrase is an Error.
Result<std::string> decrypt_with_passphrase(std::string_view binary_message,
                                            std::string_view passphrase);

// Imports a transferable public key (binary) into a fresh keyring and reports its facts.
Result<KeyFacts> inspect_public_key(std::string_view binary_key);

}  // namespace coitest::openpgp
