// libFuzzer target: arbitrary server bytes through ResponseReader, fed in arbitrary chunks, with
// default or tiny limits; every parsed response is walked through its accessors. Checks:
// no crash or sanitizer report, no endless loop, memory bounded by the limits, and that any
// string encoded by command.hpp parses back to itself.
#include "imap/body_structure.hpp"
#include "imap/command.hpp"
#include "imap/response_reader.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace coitest::imap;

void walk(const BodyPart& part, int depth) {
    if (depth > 16) return;
    (void)part.media_type();
    (void)part.subtype();
    (void)part.params();
    (void)part.id();
    (void)part.encoding();
    (void)part.size();
    (void)part.lines();
    (void)part.disposition();
    (void)part.disposition_param("filename");
    for (const auto& child : part.children()) walk(child, depth + 1);
    (void)part.part("1");
    (void)part.part("2.1");
    (void)part.part("1.1.1.1");
}

void exercise(const Response& r) {
    (void)r.kind_name();
    (void)r.code();
    if (const auto* f = r.get<Fetch>()) {
        if (f->body_structure) walk(BodyPart(*f->body_structure), 0);
        (void)f->section("");
        (void)f->has_flag("\\Seen");
    }
    if (const auto* l = r.get<ListResponse>()) (void)l->childinfo();
    if (const auto* s = r.get<StatusData>()) (void)s->get("MESSAGES");
    if (const auto* e = r.get<ESearch>(); e && e->all) {
        (void)e->all->to_string();
        (void)e->all->contains(7);
    }
}

void check(bool ok) {
    if (!ok) std::abort();
}

// The reader must hand out exactly one response and stop.
Response only_response(std::string_view bytes) {
    ResponseReader reader;
    reader.feed(bytes);
    auto r = reader.next();
    check(std::holds_alternative<Response>(r));
    check(std::holds_alternative<NeedMore>(reader.next()));
    return std::get<Response>(std::move(r));
}

// Encoding and parsing agree: a value encoded as a string (nstring) and a name encoded as an
// astring come back unchanged.
void round_trip(std::string_view value) {
    std::string encoded_value;
    if (string_form(value) == StringForm::quoted) {
        encoded_value = quote(value);
    } else {
        encoded_value = "{" + std::to_string(value.size()) + "}\r\n" + std::string(value);
    }
    std::string encoded_name;
    switch (astring_form(value)) {
        case StringForm::atom:
            encoded_name = std::string(value);
            break;
        case StringForm::quoted:
            encoded_name = quote(value);
            break;
        case StringForm::literal:
            encoded_name = "{" + std::to_string(value.size()) + "}\r\n" + std::string(value);
            break;
    }
    const Response r =
        only_response("* METADATA " + encoded_name + " (/a " + encoded_value + ")\r\n");
    const auto* m = r.get<Metadata>();
    check(m && m->mailbox == value && m->entries.size() == 1 && m->entries[0].value == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t mode = data[0];
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    ReaderLimits limits;
    if (mode & 1) {  // tiny limits reach every limit path quickly
        limits.max_line = 64;
        limits.max_literal = 32;
        limits.max_response = 256;
        limits.max_non_literal = 128;
        limits.max_depth = 6;
    }
    ResponseReader reader(limits);
    std::uint32_t state = mode * 2654435761u + 1;  // chunk sizes from a small LCG
    std::size_t at = 0;
    bool failed = false;
    while (at < input.size() && !failed) {
        state = state * 1103515245u + 12345u;
        const std::size_t n = std::min<std::size_t>(1 + (state >> 16) % 97, input.size() - at);
        reader.feed(input.substr(at, n));
        at += n;
        for (;;) {
            auto r = reader.next();
            if (std::holds_alternative<NeedMore>(r)) break;
            if (const auto* response = std::get_if<Response>(&r)) exercise(*response);
            if (reader.failed()) {
                failed = true;
                break;
            }
        }
        // Drained: all that is left is one unfinished response, within the limits.
        check(failed || reader.buffered() <= limits.max_response);
    }
    if (mode & 2) round_trip(input.substr(0, 2048));
    return 0;
}
