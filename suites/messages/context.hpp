#pragma once
// What a message check sees: the message as transmitted (outer), the decrypted payload when there
// is one (inner), the OpenPGP facts gathered on the way, and a cache of key inspections.
// Dialect rules judge the content layer: the inner message for encrypted mail (RFC 9788: its
// header fields are the real ones), the message itself otherwise.
#include "message/mime.hpp"
#include "openpgp/packets.hpp"
#include "openpgp/rnp.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::messages {

struct CryptoState {
    bool encrypted = false;                         // a PGP/MIME multipart/encrypted message
    const message::Entity* payload_part = nullptr;  // the application/octet-stream part
    std::optional<openpgp::Armor> armor;            // its armored block, when it parsed
    std::vector<openpgp::Pkesk> recipients;         // PKESK packets (readable without keys)
    int seipd_version = 0;
    bool decrypted = false;
    std::string not_decrypted_reason;  // why there is no inner layer
    std::optional<message::Message> inner;
    std::vector<openpgp::SignatureFacts> signatures;
    std::string used_key_id;
    bool rewrote_wildcard = false;
};

// Memoises RNP inspections of Autocrypt keydata: one client repeats the same key in every message.
class KeyCache {
  public:
    // By value: the cache may evict entries, so no reference into it is handed out.
    Result<openpgp::KeyFacts> inspect(const std::string& binary_key);

  private:
    std::map<std::string, Result<openpgp::KeyFacts>> cache_;
};

class MessageContext {
  public:
    MessageContext(const message::Message& outer, const CryptoState& crypto, KeyCache& keys,
                   bool submitted = false, std::span<const std::string> setup_codes = {})
        : outer_(outer),
          crypto_(crypto),
          keys_(keys),
          submitted_(submitted),
          setup_codes_(setup_codes) {}

    const message::Message& outer() const { return outer_; }
    const CryptoState& crypto() const { return crypto_; }
    KeyCache& keys() const { return keys_; }
    bool submitted() const { return submitted_; }
    // Setup Codes given with --setup-code, to open Autocrypt Setup Messages (may be empty).
    std::span<const std::string> setup_codes() const { return setup_codes_; }

    // The layer the dialect rules judge; nullptr when the message is encrypted and unreadable.
    const message::Message* content() const;
    bool inner_layer() const { return crypto_.decrypted && crypto_.inner.has_value(); }
    std::string prefix() const { return inner_layer() ? "[inner] " : ""; }
    // True when the inner part carries protected header fields (RFC 9788 or legacy).
    bool has_protected_headers() const;

    // Header lookup on the content layer. Without protected headers in the inner part (legacy
    // encryption), the outer header fields are the real ones and are used instead.
    const message::HeaderField* header(std::string_view name) const;
    std::vector<const message::HeaderField*> headers(std::string_view name) const;
    std::string where(std::string_view field_name) const;  // "[inner] Subject" or "Subject"

  private:
    const message::Message& outer_;
    const CryptoState& crypto_;
    KeyCache& keys_;
    bool submitted_;
    std::span<const std::string> setup_codes_;
};

}  // namespace coitest::messages
