#pragma once
// The message model the checks read: a tree of MIME entities with their header fields as written,
// parsed Content-Type/Disposition and decoded bodies. GMime parses the MIME structure; the
// top-level header section is parsed by our own strict parser (header_syntax.hpp) so that the
// checks see exactly what is on the wire. No GMime type appears in this header.
#include "message/gmime.hpp"
#include "message/header_syntax.hpp"
#include "model/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::message {

struct HeaderField {
    std::string name;          // as written
    std::string raw_value;     // after the colon, folded as written
    std::string value;         // unfolded and trimmed
    std::size_t line = 0;      // line in the message (top-level header only; 0 elsewhere)
    std::size_t raw_size = 0;  // bytes of the whole field incl. name and folding (top level only)
};

class Headers {
  public:
    std::vector<HeaderField> fields;

    const HeaderField* first(std::string_view name) const;
    std::vector<const HeaderField*> all(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    bool has(std::string_view name) const { return first(name) != nullptr; }
};

struct Entity {
    std::string path;  // IMAP-style part number: "" for the message itself, "1", "1.2", …
    Headers headers;
    bool has_content_type = false;
    ParameterizedValue content_type;  // the parsed Content-Type field (empty when absent)
    MediaType type;                   // effective media type (text/plain when absent)
    std::optional<ParameterizedValue> disposition;
    std::string transfer_encoding;  // lower-cased; empty when absent
    std::string body;               // leaf parts: content after transfer decoding
    std::string encoded_body;       // leaf parts: content as transmitted
    std::vector<Entity> children;   // multipart parts; message/rfc822: the embedded message
    bool is_message = false;        // header+body of a whole message (root or embedded)

    bool is(std::string_view type_name, std::string_view subtype) const;
    bool is_multipart() const { return type.type == "multipart"; }
    std::string param(std::string_view name) const;  // Content-Type parameter or ""
    std::string where() const;                       // "header" / "part 1.2" for findings
    std::string filename() const;  // Content-Disposition filename, else Content-Type name
};

struct Message {
    Entity root;
    HeaderSection header_section;              // line-level facts about the top-level header
    std::vector<std::string> parser_warnings;  // structural problems GMime noticed, in words
    std::size_t size = 0;
    std::size_t longest_line = 0, longest_line_no = 0;
    bool bare_cr = false;
    bool bare_lf = false;  // line ends without CR (normal for files on disk)

    const Headers& headers() const { return root.headers; }
};

// Depth-first visit of an entity and all its descendants (embedded messages included).
template <class F>
void for_each_entity(const Entity& e, F&& f) {
    f(e);
    for (const auto& c : e.children) for_each_entity(c, f);
}

struct ParseLimits {
    std::size_t max_message_bytes = 32u << 20;  // larger input is refused with a clear error
    std::size_t max_parts = 2000;
    std::size_t max_depth = 40;
};

// Parses RFC 5322 / MIME messages. Holds a GMime reference for its lifetime.
class MimeParser {
  public:
    Result<Message> parse(std::string_view bytes, const ParseLimits& limits = {}) const;

  private:
    GMimeLibrary gmime_;
};

}  // namespace coitest::message
