// libFuzzer target: the .coi parser on arbitrary bytes (with an include and a fixture available
// in memory), then every pattern it produced against a fixed set of responses.
#include "imap/response_reader.hpp"
#include "script/parser.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace {

using namespace coitest;
using namespace coitest::script;

class MemoryLoader : public SourceLoader {
  public:
    Result<SourceFile> load(std::string_view name, const SourceFile&) override {
        static const std::map<std::string, std::string, std::less<>> files{
            {"lib/login.coi", "connect c1 as alice\nC: a NOOP\nS: a OK\n"},
            {"lib/loop.coi", "include lib/loop.coi\n"},
            {"msg.eml", "From: ${from}\r\nMessage-ID: <${message_id}>\r\n\r\nhi\r\n"}};
        const auto it = files.find(name);
        if (it == files.end()) return make_error(ErrorKind::io, "not found");
        return SourceFile{it->first, it->first, it->second};
    }
};

const std::vector<WireView>& responses() {
    static const std::vector<WireView> out = [] {
        imap::ResponseReader reader;
        reader.feed(
            "* CAPABILITY IMAP4rev1 IDLE METADATA\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 42] x\r\n"
            "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
            "* METADATA \"\" (/private/x {3}\r\nyes)\r\n"
            "* 1 FETCH (UID 7 FLAGS (\\Seen $Chat) BODY[] {5}\r\nhello)\r\n"
            "a OK [APPENDUID 42 7] done\r\n+ idling\r\n");
        std::vector<WireView> v;
        for (;;) {
            auto r = reader.next();
            auto* resp = std::get_if<imap::Response>(&r);
            if (!resp) break;
            v.emplace_back(std::move(*resp));
        }
        return v;
    }();
    return out;
}

void match_all(const Body& body) {
    const Lookup look = [](std::string_view) -> const std::string* {
        static const std::string v = "x";
        return &v;
    };
    for (const auto& st : body) {
        if (const auto* b = std::get_if<ExpectBlock>(&st.node)) {
            for (const auto& line : b->lines)
                for (const auto& w : responses()) {
                    Captures caps;
                    MatchBudget budget;
                    budget.steps = 20'000;
                    (void)match(*line.pattern, w, "a", look, caps, budget);
                }
        } else if (const auto* i = std::get_if<If>(&st.node)) {
            match_all(*i->then_body);
            match_all(*i->else_body);
        } else if (const auto* r = std::get_if<Repeat>(&st.node)) {
            match_all(*r->body);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    MemoryLoader loader;
    SourceFile file{"fuzz.coi", "fuzz.coi", std::string(reinterpret_cast<const char*>(data), size)};
    ScriptLimits limits;
    limits.max_repeat = 1000;
    auto parsed = parse_script(file, loader, limits);
    if (parsed.script) {
        match_all(parsed.script->body);
        match_all(parsed.script->cleanup);
    }
    return 0;
}
