#pragma once
// A read-only view of a BODY / BODYSTRUCTURE tree (RFC 3501 §7.4.2, "body"), kept generic by
// the parser. Accessors return nullopt when a field is absent, NIL, or the tree has an
// unexpected shape, so a malformed structure from a server never crashes a check.
#include "imap/response.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::imap {

class BodyPart {
  public:
    explicit BodyPart(const SExpr& node) : node_(&node) {}

    bool is_multipart() const;
    // "TEXT", "MULTIPART", "MESSAGE"... upper-cased; empty if the shape is wrong.
    std::string media_type() const;
    std::string subtype() const;             // upper-cased
    std::vector<BodyPart> children() const;  // multipart parts, or a message/rfc822's body
    // The part at an IMAP part path ("1", "2.1"); "" is this part.
    std::optional<BodyPart> part(std::string_view path) const;

    // Body parameters (charset, boundary...), names upper-cased, values as sent.
    std::vector<std::pair<std::string, std::string>> params() const;
    std::optional<std::string> param(std::string_view name) const;
    std::optional<std::string> id() const;
    std::optional<std::string> description() const;
    std::optional<std::string> encoding() const;  // upper-cased
    std::optional<std::uint64_t> size() const;
    std::optional<std::uint64_t> lines() const;  // text/* and message/rfc822 only
    // Extension data (BODYSTRUCTURE only).
    std::optional<std::string> disposition() const;  // upper-cased: INLINE, ATTACHMENT
    std::optional<std::string> disposition_param(std::string_view name) const;

    const SExpr& node() const { return *node_; }

  private:
    const SExpr* field(std::size_t index) const;
    std::size_t extension_start() const;  // index of the first extension field
    bool is_message() const;

    const SExpr* node_;
};

}  // namespace coitest::imap
