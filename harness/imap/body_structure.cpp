#include "imap/body_structure.hpp"

namespace coitest::imap {

namespace {

std::vector<std::pair<std::string, std::string>> param_list(const SExpr* list) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!list || !list->is_list()) return out;
    for (std::size_t i = 0; i + 1 < list->items.size(); i += 2) {
        auto key = list->items[i].nstring();
        auto value = list->items[i + 1].nstring();
        if (key && value) out.emplace_back(to_upper(*key), *value);
    }
    return out;
}

std::optional<std::string> lookup(const std::vector<std::pair<std::string, std::string>>& params,
                                  std::string_view name) {
    for (const auto& [k, v] : params) {
        if (iequals(k, name)) return v;
    }
    return std::nullopt;
}

std::optional<std::string> upper(std::optional<std::string> s) {
    if (s) *s = to_upper(*s);
    return s;
}

}  // namespace

bool BodyPart::is_multipart() const {
    return node_->is_list() && !node_->items.empty() && node_->items.front().is_list();
}

const SExpr* BodyPart::field(std::size_t index) const {
    if (!node_->is_list() || index >= node_->items.size()) return nullptr;
    return &node_->items[index];
}

// The index of the multipart subtype: the first member after the child parts.
static std::size_t subtype_index(const SExpr& node) {
    std::size_t i = 0;
    while (i < node.items.size() && node.items[i].is_list()) ++i;
    return i;
}

std::string BodyPart::media_type() const {
    if (is_multipart()) return "MULTIPART";
    const SExpr* f = field(0);
    return f && f->nstring() ? to_upper(*f->nstring()) : std::string();
}

std::string BodyPart::subtype() const {
    const SExpr* f = field(is_multipart() ? subtype_index(*node_) : 1);
    return f && f->nstring() ? to_upper(*f->nstring()) : std::string();
}

bool BodyPart::is_message() const {
    const auto sub = subtype();
    return media_type() == "MESSAGE" && (sub == "RFC822" || sub == "GLOBAL");
}

std::vector<BodyPart> BodyPart::children() const {
    std::vector<BodyPart> out;
    if (is_multipart()) {
        for (std::size_t i = 0; i < subtype_index(*node_); ++i) out.emplace_back(node_->items[i]);
    } else if (is_message()) {
        if (const SExpr* body = field(8); body && body->is_list()) out.emplace_back(*body);
    }
    return out;
}

std::optional<BodyPart> BodyPart::part(std::string_view path) const {
    if (path.empty()) return *this;
    const auto dot = path.find('.');
    const std::string_view head = path.substr(0, dot);
    if (head.empty() || head.size() > 6) return std::nullopt;
    std::size_t n = 0;
    for (char c : head) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n == 0) return std::nullopt;
    // RFC 3501 §6.4.5: a multipart's parts are numbered from 1; a message/rfc822 part's numbers
    // address the parts of the message it holds; any other part is its own part 1.
    std::optional<BodyPart> child;
    if (is_multipart()) {
        const auto kids = children();
        if (n <= kids.size()) child = kids[n - 1];
    } else if (is_message()) {
        const auto body = children();
        if (!body.empty()) child = BodyPart(body.front().node()).part(std::to_string(n));
    } else if (n == 1) {
        child = *this;
    }
    if (!child || dot == std::string_view::npos) return child;
    return child->part(path.substr(dot + 1));
}

std::vector<std::pair<std::string, std::string>> BodyPart::params() const {
    return param_list(field(is_multipart() ? subtype_index(*node_) + 1 : 2));
}

std::optional<std::string> BodyPart::param(std::string_view name) const {
    return lookup(params(), name);
}

std::optional<std::string> BodyPart::id() const {
    if (is_multipart()) return std::nullopt;
    const SExpr* f = field(3);
    return f ? f->nstring() : std::nullopt;
}

std::optional<std::string> BodyPart::description() const {
    if (is_multipart()) return std::nullopt;
    const SExpr* f = field(4);
    return f ? f->nstring() : std::nullopt;
}

std::optional<std::string> BodyPart::encoding() const {
    if (is_multipart()) return std::nullopt;
    const SExpr* f = field(5);
    return upper(f ? f->nstring() : std::nullopt);
}

std::optional<std::uint64_t> BodyPart::size() const {
    if (is_multipart()) return std::nullopt;
    const SExpr* f = field(6);
    return f ? f->number() : std::nullopt;
}

std::optional<std::uint64_t> BodyPart::lines() const {
    if (is_multipart()) return std::nullopt;
    const SExpr* f = nullptr;
    if (media_type() == "TEXT")
        f = field(7);
    else if (is_message())
        f = field(9);
    return f ? f->number() : std::nullopt;
}

std::size_t BodyPart::extension_start() const {
    if (is_multipart()) return subtype_index(*node_) + 2;  // after subtype and parameters
    if (media_type() == "TEXT") return 8;
    if (is_message()) return 10;
    return 7;
}

// Single parts: md5, then disposition; multiparts: disposition right after the parameters.
std::optional<std::string> BodyPart::disposition() const {
    const SExpr* f = field(extension_start() + (is_multipart() ? 0 : 1));
    if (!f || !f->is_list() || f->items.empty()) return std::nullopt;
    return upper(f->items.front().nstring());
}

std::optional<std::string> BodyPart::disposition_param(std::string_view name) const {
    const SExpr* f = field(extension_start() + (is_multipart() ? 0 : 1));
    if (!f || !f->is_list() || f->items.size() < 2) return std::nullopt;
    return lookup(param_list(&f->items[1]), name);
}

}  // namespace coitest::imap
