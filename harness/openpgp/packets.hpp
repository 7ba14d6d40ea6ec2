#pragma once
// Sans-I/O OpenPGP framing (RFC 4880 / RFC 9580): ASCII armor, the packet sequence, and the few
// packet bodies the message checks look into (PKESK, SKESK, SEIPD version). Cryptography is RNP's
// job (rnp.hpp); this file only reads structure, so it is fuzzed and needs no keys.
#include "model/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::openpgp {

struct Armor {
    std::string label;  // "PGP MESSAGE", "PGP PUBLIC KEY BLOCK", …
    std::vector<std::pair<std::string, std::string>> headers;  // armor headers, in order
    std::string data;                                          // decoded binary
    bool checksum_present = false;
    bool checksum_ok = false;
    std::size_t begin = 0, end = 0;  // byte range of the block in the input (BEGIN … END line)

    const std::string* header(std::string_view name) const;
};

// Finds and decodes the first armored block in `text`.
Result<Armor> dearmor(std::string_view text, std::size_t max_bytes = 16u << 20);

struct Packet {
    int tag = 0;
    bool new_format = false;
    bool partial = false;         // body used partial lengths (its chunks are joined in `body`)
    std::size_t offset = 0;       // of the packet header
    std::size_t header_size = 0;  // of the first length header
    std::string body;             // packet body (joined when partial)
};

Result<std::vector<Packet>> parse_packets(std::string_view data, std::size_t max_packets = 4096);

const char* tag_name(int tag);
const char* public_key_algorithm_name(int algo);
const char* symmetric_algorithm_name(int algo);

struct Pkesk {
    int version = 0;
    std::string key_id;  // 8 raw bytes for v3; empty for v6 (anonymous or fingerprint form)
    bool wildcard = false;
    int algorithm = 0;
    std::size_t key_id_offset = 0;  // offset of the key ID in the original data (v3 only)
};
std::optional<Pkesk> parse_pkesk(const Packet& p, std::string_view data);

struct Skesk {
    int version = 0;
    int cipher = 0;
    int s2k_type = -1;
    int s2k_hash = 0;
};
std::optional<Skesk> parse_skesk(const Packet& p);

// Version of a Symmetrically Encrypted Integrity Protected Data packet (1 or 2), or 0.
int seipd_version(const Packet& p);

// A copy of `data` in which every v3 PKESK with the wildcard key ID carries `key_id` (8 bytes)
// instead. NOTES §2: Delta Chat writes anonymous recipients, which RNP 0.16 cannot match; the key
// ID field is not authenticated, so naming the recipient lets RNP try the right secret key.
// Returns nullopt when there was nothing to rewrite.
std::optional<std::string> rewrite_wildcard_key_ids(std::string_view data, std::string_view key_id);

std::string to_hex(std::string_view bytes);  // upper-case hex
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace coitest::openpgp
