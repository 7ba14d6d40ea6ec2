#pragma once
// The push endpoint's own certificate authority. A server under test must trust the CA that
// signs the endpoint's certificate before it will POST pushes to it, so the CA is either made
// fresh for one run (the embedded reference peer) or kept in two PEM files that a real server is
// configured with once and coitest reuses run after run.
#include "model/error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace coitest::pushservice {

struct CaMaterial {
    std::string cert_pem;  // self-signed CA certificate
    std::string key_pem;   // its private key (PKCS#8)
};

struct LeafMaterial {
    std::string cert_pem;  // the endpoint's certificate, signed by the CA
    std::string key_pem;
};

// A fresh self-signed P-256 CA ("coitest push CA"), valid from a day ago for ten years.
Result<CaMaterial> generate_ca();

// Checks that `ca` is a CA certificate with the matching key (a swapped or foreign key file is
// an error saying so). Bounded: PEM texts over 1 MiB are refused.
Result<void> check_ca(const CaMaterial& ca);

// Reads and checks a CA from PEM files.
Result<CaMaterial> load_ca(const std::filesystem::path& cert_file,
                           const std::filesystem::path& key_file);

// Loads the CA if both files exist; creates and writes a fresh one if neither does (the key
// file readable by its owner only); one without the other is a config error. `created` tells
// the caller to print where the new CA is, since the server under test must be told to trust it.
Result<CaMaterial> load_or_create_ca(const std::filesystem::path& cert_file,
                                     const std::filesystem::path& key_file, bool& created);

// Writes `pem` to `file` (mode 0600 when `secret`), replacing what was there.
Result<void> write_pem(const std::filesystem::path& file, const std::string& pem, bool secret);

// A P-256 server certificate for `names` (IP addresses become IP SANs, others DNS SANs), signed
// by `ca`, valid from a day ago for thirty days.
Result<LeafMaterial> issue_leaf(const CaMaterial& ca, const std::vector<std::string>& names);

}  // namespace coitest::pushservice
