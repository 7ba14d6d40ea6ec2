#pragma once
// RFC 8188 "aes128gcm" content coding, sans-I/O: the header (salt, rs, keyid), the records, the
// padding delimiters. Both directions; every malformed input is an Error saying what is wrong.
#include "model/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace coitest::webpush {

struct EceHeader {
    std::string salt;         // 16 octets
    std::uint32_t rs = 4096;  // record size, >= 18
    std::string keyid;        // 0..255 octets (Web Push: the sender's 65-octet public point)
};

// Splits the header off `body`; `header_length` receives its size.
Result<EceHeader> parse_ece_header(std::string_view body, std::size_t& header_length);

// Where EceEncryptOptions::padding goes. RFC 8188 leaves it to the sender.
enum class PaddingPlacement {
    last_record,    // after the final delimiter (extra padding-only records if it does not fit)
    first_records,  // greedily from the first record on, one data octet per record at least:
                    // what http_ece does, and how RFC 8188 §3.2's example is laid out
};

struct EceEncryptOptions {
    std::uint32_t rs = 4096;
    std::string keyid;
    std::string salt;         // empty: 16 random octets
    std::size_t padding = 0;  // extra zero octets after the delimiter, in the last record
    PaddingPlacement placement = PaddingPlacement::last_record;
};

// RFC 8188 §2.2/§2.3: CEK (16 octets) and NONCE (12 octets) from IKM and salt. Exposed for the
// published intermediate values; ece_encrypt/ece_decrypt call it.
struct EceKeys {
    std::string cek;
    std::string nonce;
};
Result<EceKeys> derive_ece_keys(std::string_view ikm, std::string_view salt);

// IKM is the input keying material of RFC 8188 §2.2 (for Web Push, the RFC 8291 §3.3 IKM).
Result<std::string> ece_encrypt(std::string_view ikm, std::string_view plaintext,
                                const EceEncryptOptions& options);

struct EceDecrypted {
    EceHeader header;
    std::string plaintext;
    std::size_t records = 0;
};
// `max_plaintext` bounds the output (a hostile body cannot make it grow without limit).
Result<EceDecrypted> ece_decrypt(std::string_view ikm, std::string_view body,
                                 std::size_t max_plaintext = 1 << 20);

}  // namespace coitest::webpush
