#include "messages/context.hpp"

#include "message/text.hpp"

namespace coitest::messages {

Result<openpgp::KeyFacts> KeyCache::inspect(const std::string& binary_key) {
    auto it = cache_.find(binary_key);
    if (it != cache_.end()) return it->second;
    if (cache_.size() > 1000) cache_.clear();  // bounded: lint over many identities
    return cache_.emplace(binary_key, openpgp::inspect_public_key(binary_key)).first->second;
}

const message::Message* MessageContext::content() const {
    if (crypto_.encrypted) return inner_layer() ? &*crypto_.inner : nullptr;
    return &outer_;
}

bool MessageContext::has_protected_headers() const {
    if (!inner_layer()) return false;
    const auto& h = crypto_.inner->headers();
    return h.has("From") || h.has("Subject") || h.has("Message-ID") || h.has("HP-Outer") ||
           !crypto_.inner->root.param("hp").empty() ||
           !crypto_.inner->root.param("protected-headers").empty();
}

const message::HeaderField* MessageContext::header(std::string_view name) const {
    if (inner_layer()) {
        if (const auto* f = crypto_.inner->headers().first(name)) return f;
        if (has_protected_headers()) return nullptr;
    }
    return outer_.headers().first(name);
}

std::vector<const message::HeaderField*> MessageContext::headers(std::string_view name) const {
    if (inner_layer()) {
        auto v = crypto_.inner->headers().all(name);
        if (!v.empty() || has_protected_headers()) return v;
    }
    return outer_.headers().all(name);
}

std::string MessageContext::where(std::string_view field_name) const {
    // Content checks on a decrypted message get the "[inner] " prefix from the engine; a field
    // that only the outer header has (legacy encryption without protected headers) says so.
    if (inner_layer() && !crypto_.inner->headers().has(field_name) && !has_protected_headers())
        return "[outer] " + std::string(field_name);
    return std::string(field_name);
}

}  // namespace coitest::messages
