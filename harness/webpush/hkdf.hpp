#pragma once
// HKDF with SHA-256 (RFC 5869) on OpenSSL's EVP_KDF "HKDF"; RFC 8188 and RFC 8291 use it.
#include "model/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace coitest::webpush {

// Extract then expand: `length` octets of output keying material. `ikm` must not be empty.
Result<std::string> hkdf_sha256(std::string_view salt, std::string_view ikm, std::string_view info,
                                std::size_t length);
// Extract only: the 32-octet PRK (the RFCs publish it as an intermediate value).
Result<std::string> hkdf_sha256_extract(std::string_view salt, std::string_view ikm);

}  // namespace coitest::webpush
