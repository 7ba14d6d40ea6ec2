#include "messages/rule_util.hpp"

namespace coitest::messages {

using message::iequals;
using message::trim;

std::vector<const Entity*> leaves(const Entity& root) {
    std::vector<const Entity*> out;
    message::for_each_entity(root, [&](const Entity& e) {
        if (e.children.empty()) out.push_back(&e);
    });
    return out;
}

bool is_attachment(const Entity& e) {
    if (e.disposition && iequals(e.disposition->value, "attachment")) return true;
    if (!e.filename().empty()) return true;
    return !e.is("text", "*") && !e.is_multipart() && !e.is("message", "*");
}

std::string chat_content(const Entity& e) {
    const HeaderField* f = e.headers.first("Chat-Content");
    if (f == nullptr) return {};
    std::string v = f->value;
    std::size_t semi = v.find(';');
    if (semi != std::string::npos) v.resize(semi);
    return message::to_lower(trim(v));
}

std::vector<const Entity*> text_parts(const Message& m) {
    std::vector<const Entity*> out;
    for (const Entity* e : leaves(m.root)) {
        if (!e->is("text", "plain") || is_attachment(*e)) continue;
        if (chat_content(*e) == "ignore") continue;
        // Parts inside a report's machine-readable sections are not message text.
        out.push_back(e);
    }
    return out;
}

namespace {
std::string normalise(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s)
        if (c != '\r') out.push_back(c);
    return out;
}
}  // namespace

std::string message_text(const Message& m) {
    std::string out;
    for (const Entity* e : text_parts(m)) {
        if (!out.empty()) out += "\n";
        out += normalise(e->body);
    }
    return out;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) {
            if (pos < text.size()) out.push_back(text.substr(pos));
            break;
        }
        std::string_view line = text.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        pos = eol + 1;
    }
    return out;
}

std::string user_text(const Message& m) {
    std::string text = message_text(m);
    std::string out;
    for (auto line : lines_of(text)) {
        if (line == "-- ") break;
        out += line;
        out += '\n';
    }
    return std::string(trim(out));
}

std::string value_of(const HeaderField* f) {
    return f ? f->value : std::string();
}

std::string decoded(const HeaderField* f) {
    if (f == nullptr) return {};
    return message::decode_encoded_words(f->raw_value).text;
}

std::optional<message::Mailbox> single_from(const HeaderField* from) {
    if (from == nullptr) return std::nullopt;
    auto list = message::parse_mailbox_list(from->raw_value);
    if (!list || list->size() != 1) return std::nullopt;
    return list->front();
}

std::vector<std::string> recipient_addresses(const MessageContext& ctx, bool with_reply_to) {
    std::vector<std::string> out;
    std::vector<const char*> fields{"To", "Cc"};
    if (with_reply_to) fields.push_back("Reply-To");
    for (const char* name : fields) {
        for (const HeaderField* f : ctx.headers(name)) {
            auto list = message::parse_address_list(f->raw_value);
            if (!list) continue;
            for (const auto& mb : list->mailboxes)
                out.push_back(message::canonical_address(mb.address()));
        }
    }
    return out;
}

std::string from_address(const MessageContext& ctx) {
    auto mb = single_from(ctx.header("From"));
    return mb ? message::canonical_address(mb->address()) : std::string();
}

bool is_mdn(const Message& m) {
    if (m.root.is("multipart", "report")) return true;
    bool found = false;
    message::for_each_entity(m.root, [&](const Entity& e) {
        if (e.is("message", "disposition-notification")) found = true;
    });
    return found;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

}  // namespace coitest::messages
