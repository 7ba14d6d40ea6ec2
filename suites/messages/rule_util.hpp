#pragma once
// Helpers shared by the rule files: finding the text, the attachments and the header values of
// the layer a rule judges.
#include "message/header_syntax.hpp"
#include "message/mime.hpp"
#include "message/text.hpp"
#include "messages/context.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::messages {

using message::Entity;
using message::HeaderField;
using message::Message;

// Leaf entities (no children), in document order, embedded messages included.
std::vector<const Entity*> leaves(const Entity& root);
// An attachment: disposition "attachment", or a filename, or a non-text leaf.
bool is_attachment(const Entity& e);
// Chat-Content value token ("editrequest" of "editrequest; x=y"), lower-cased; "" when absent.
std::string chat_content(const Entity& e);
// Leaf text/plain parts that carry the message text (no attachments, no Chat-Content: ignore).
std::vector<const Entity*> text_parts(const Message& m);
// The message text: the bodies of text_parts joined with newlines, CRLF normalised to LF.
std::string message_text(const Message& m);
// The user text: message_text without a "-- " footer.
std::string user_text(const Message& m);
std::vector<std::string_view> lines_of(std::string_view text);

// The field value as unfolded text; "" when the field is absent.
std::string value_of(const HeaderField* f);
// Decoded (RFC 2047) value.
std::string decoded(const HeaderField* f);
// The single From mailbox of a layer (nullopt when absent, malformed or several).
std::optional<message::Mailbox> single_from(const HeaderField* from);
// All addresses of To/Cc (and Reply-To when asked) of the content layer, canonical form.
std::vector<std::string> recipient_addresses(const MessageContext& ctx, bool with_reply_to);
// Address of the content layer's From, canonical; "" when not a single mailbox.
std::string from_address(const MessageContext& ctx);

bool is_mdn(const Message& m);  // multipart/report or contains message/disposition-notification
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

}  // namespace coitest::messages
