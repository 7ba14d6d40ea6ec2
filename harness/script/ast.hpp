#pragma once
// A parsed .coi script (docs/coi-language.md): the header that makes it a TestCase, and the
// statements the interpreter runs. Produced by parser.hpp; immutable afterwards and shared by
// every run of the test.
#include "model/verdict.hpp"
#include "script/diagnostic.hpp"
#include "script/pattern.hpp"
#include "script/template.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace coitest::script {

using Millis = std::chrono::milliseconds;

struct RequirementDecl {
    std::string id;
    Level level = Level::must;
    Location at;
};

struct Header {
    std::string id, title, classname, profile;
    std::vector<RequirementDecl> requirements;
    std::vector<std::string> tags;
    std::vector<std::string> accounts;  // names the script uses; the i-th is the test's i-th
    bool needs_delivery = false;
    std::vector<std::vector<std::string>> capabilities;  // requires: capability A | B
    std::optional<Millis> timeout;
    Location at;  // the `test:` line
};

// A `judge REQ` region: the expectations after it judge REQ until the next judge or `setup`.
struct Section {
    std::string requirement;
    Level level = Level::must;
    bool stop_on_failure = true;  // default: MUST/MUST NOT stop the script, others go on
    Location at;
};
inline constexpr int kSetup = -1;  // expectations outside any judge: set-up, failure = error

// A value written in a statement: a word or "quoted string", with ${var} inside.
struct Value {
    Template text;
    bool quoted = false;
    int col = 0;
};

struct Assert;

struct Condition {
    // assertion: any `assert` form except capability (`if metadata "" E present`,
    // `require list ${chats}`, `if ${state} equals yes`), judged without recording anything.
    // defined: the variable names[0] has a value (`if defined mid`, for cleanup steps).
    enum class Kind { capability, tls, seen, assertion, defined };
    Kind kind = Kind::capability;
    bool negate = false;
    std::string conn;
    std::vector<std::string> names;  // capability alternatives
    std::shared_ptr<const Pattern> pattern;
    std::shared_ptr<const Assert> assertion;
    std::string source;
};

struct Statement;
using Body = std::vector<Statement>;

struct Connect {
    std::string conn;
    std::optional<std::size_t> account;  // index into Header::accounts; none: unauthenticated
};

// One "C:" command (or continuation data), with raw {N} literals already folded in.
struct Send {
    std::string conn;
    std::string tag;  // the first word as written; "." = automatic
    Template full;    // the whole line (used as continuation data)
    Template rest;    // after the tag
};

struct Expect {
    enum class Kind { required, optional, forbidden };
    Kind kind = Kind::required;
    std::shared_ptr<const Pattern> pattern;
    std::optional<Millis> within;  // required untagged: wait this long for it
    std::optional<Millis> during;  // forbidden: watch this long (silence)
    int section = kSetup;
    Location at;
    std::string source;  // "S: ..." as written
};

// Consecutive expected lines of one connection: matched together against what arrives.
struct ExpectBlock {
    std::string conn;
    std::vector<Expect> lines;
};

struct Set {
    std::string name;
    enum class Kind { value, unique, block } kind = Kind::value;
    Template value;  // value / block (block: expanded where used)
    std::string prefix;
};

struct Deliver {
    std::optional<Template> inline_text;  // deliver ${var}
    std::string fixture_text;             // deliver FILE: the file's contents (a template)
    Template fixture;                     // parsed fixture_text
    std::string fixture_name;
    std::size_t to = 0, from = 0;  // account indices
    std::optional<std::string> bind;
};

struct Assert {
    enum class Kind {
        capability,
        metadata_equals,
        metadata_absent,
        metadata_present,  // returned with a value (not NIL)
        flags_contain,
        flags_lack,
        fetch_equals,
        list_present,
        list_absent,
        subscribed,
        not_subscribed,
        equals,
        differs,
        matches,
    };
    Kind kind = Kind::capability;
    bool negate = false;  // capability: "assert no capability"
    std::string conn;
    std::vector<Value> args;  // kind-specific: see parser.cpp
    std::optional<Value> uid, seq;
    std::string item;                    // fetch: BODY[], RFC822.SIZE, ...
    std::shared_ptr<const Regex> regex;  // matches
    int section = kSetup;
    Location at;
    std::string source;
};

struct Require {
    Condition condition;
    Location at;
    std::string because;  // the not-applicable reason as written; empty: generated
};

struct If {
    Condition condition;
    std::shared_ptr<Body> then_body, else_body;
};

struct Repeat {
    std::size_t count = 0;
    std::shared_ptr<Body> body;
};

struct Statement {
    Location at;
    std::variant<Connect, Send, ExpectBlock, Set, Deliver, Assert, Require, If, Repeat> node;
};

struct Script {
    std::string file;  // shown name
    std::string path;  // on disk (or the loader's key)
    Header header;
    std::vector<Section> sections;
    Body body;
    Body cleanup;
    std::vector<std::string> connections;  // declared connection names
};

}  // namespace coitest::script
