#pragma once
// Internal to the parser (parser.cpp, parser_client.cpp, parser_statements.cpp): the state of one
// parse and the per-statement parsers. Not part of the library's interface: use parser.hpp.
#include "script/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::script::detail {

inline bool is_space(char c) {
    return c == ' ' || c == '\t';
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

inline bool valid_name(std::string_view s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
}

inline bool valid_id(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    });
}

// One word of a statement, with where it starts.
struct Word {
    std::string_view text;  // as written (quotes included)
    std::string value;      // unquoted
    bool quoted = false;
    bool regex = false;  // re"..." (value = the expression)
    bool icase = false;  // re"..."i
    int col = 0;
};

// A line being parsed: its text and position, for diagnostics.
struct Line {
    const SourceFile* file = nullptr;
    int number = 0;
    std::string_view text;

    Location at(int col = 1) const { return {file->display, number, col}; }
    int col_of(std::string_view part) const {
        return static_cast<int>(part.data() - text.data()) + 1;
    }
};

inline const std::vector<std::string>& header_keys() {
    static const std::vector<std::string> keys{"test",     "title",       "classname",
                                               "profile",  "requirement", "tags",
                                               "accounts", "requires",    "timeout"};
    return keys;
}

inline const std::vector<std::string>& account_fields() {
    static const std::vector<std::string> f{"address", "login", "password", "sasl_plain"};
    return f;
}

// Variables a fixture file may use besides the script's own.
inline const std::vector<std::string>& fixture_variables() {
    static const std::vector<std::string> v{"message_id", "from", "to", "date"};
    return v;
}

class Parser {
  public:
    Parser(SourceLoader& loader, const ScriptLimits& limits, ParseMode mode)
        : loader_(loader), limits_(limits), mode_(mode), script_(std::make_shared<Script>()) {}

    ParseResult run(const SourceFile& top) {
        script_->file = top.display;
        script_->path = top.key;
        script_->header.at = {top.display, 1, 1};
        bodies_.push_back(&script_->body);
        parse_file(top, 0);
        if (!stopped_) finish(top);
        return {script_, std::move(errors_)};
    }

  private:
    // --- diagnostics ------------------------------------------------------------------------
    void error(const Location& at, std::string message);
    void error(const Line& l, int col, std::string message);
    void error(const Line& l, const ParseError& e) { error(l.at(e.col), e.message); }

    // --- files and lines --------------------------------------------------------------------
    void parse_file(const SourceFile& file, std::size_t depth);

    static std::vector<Line> split_lines(const SourceFile& file);

    // The next line of the current file, for heredocs and literals; nullptr at the end.
    const Line* take_line();
    const Line* peek_line() const;

    // --- words ------------------------------------------------------------------------------
    // Splits `text` into words: plain, "quoted" (with \" and \\) or re"..."[i].
    Parsed<std::vector<Word>> words(const Line& l, std::string_view text);

    Parsed<Value> value_of(const Word& w);

    // Reports unknown ${variables} of `t`; `extra` are also allowed.
    bool check_vars(const Line& l, const Template& t, const std::vector<std::string>& extra = {});

    std::optional<std::size_t> account_index(std::string_view name) const;

    // --- statements -------------------------------------------------------------------------
    Body& body() { return *bodies_.back(); }

    void add(const Line& l, decltype(Statement::node) node);

    void statement(const Line& l, std::size_t depth);

    void no_args(const Line& l, std::string_view verb, std::string_view args);

    // --- header -----------------------------------------------------------------------------
    void header_line(const Line& l, const std::string& key, std::string_view value);

    // NAME | NAME ... from words[from...]
    std::vector<std::string> alternatives(const Line& l, const std::vector<Word>& ws,
                                          std::size_t from);

    std::optional<Millis> duration(const Line& l, std::string_view text, int col);

    // --- C: ---------------------------------------------------------------------------------
    // The text after "C:" on a line (one space removed).
    static std::string_view client_text(const Line& l);

    // Is `l` a client line of connection `conn` (for literal continuations)?
    bool is_client_line(const Line& l, const std::string& conn) const;

    // Where a raw literal announcement {N} / {N+} ends the text, if it does.
    struct RawLiteral {
        std::size_t open = 0;  // offset of '{'
        std::uint64_t size = 0;
        bool non_sync = false;
        bool too_big = false;
    };
    std::optional<RawLiteral> trailing_literal(std::string_view text) const;

    // Appends the template pieces of `text` (at `col` on line l) to `out`.
    bool append_text(const Line& l, std::string_view text, int col, Template& out);

    void send(const Line& l, const std::string& conn, std::string_view, std::size_t);

    // --- S: ---------------------------------------------------------------------------------
    void expect(const Line& l, const std::string& conn, std::string_view verb,
                std::string_view args);

    // --- connect / use / set / deliver ------------------------------------------------------
    void connect(const Line& l, std::string_view args);

    void use(const Line& l, std::string_view args);

    void set(const Line& l, std::string_view args);

    void deliver(const Line& l, std::string_view args);

    const SourceFile& current_file() const { return *lines_.back().front().file; }

    // --- judge / setup ----------------------------------------------------------------------
    void judge(const Line& l, std::string_view args);

    void setup(const Line& l, std::string_view args);

    // --- assert / require / conditions ------------------------------------------------------
    std::optional<Value> value_arg(const Line& l, const Word& w);

    void assertion(const Line& l, const std::string& conn, std::string_view args);

    // The Assert of `assert ARGS` (diagnostics reported; nullopt after one).
    std::optional<Assert> parse_assert(const Line& l, const std::string& conn,
                                       std::string_view args);

    // Does ARGS read as an assertion other than capability (for conditions)?
    static bool assertion_form(std::string_view args);

    std::optional<Condition> condition(const Line& l, const std::string& conn,
                                       std::string_view args);

    void require(const Line& l, const std::string& conn, std::string_view args);

    // --- if / else / end / repeat -----------------------------------------------------------
    struct Frame {
        std::string what;  // "if" or "repeat"
        Location at;
        // Where `else` continues: the If's else body, or scratch space under a broken line. (A
        // shared_ptr, not a pointer into a body vector, which later statements may reallocate.)
        std::shared_ptr<Body> else_body;
        bool in_else = false;
    };

    void pop_frame();

    bool push_frame(const Line& l, std::string what);

    void if_statement(const Line& l, const std::string& conn, std::string_view args);

    void else_statement(const Line& l, std::string_view args);

    void end_statement(const Line& l, std::string_view args);

    void repeat(const Line& l, std::string_view args);

    // --- include / cleanup ------------------------------------------------------------------
    void include(const Line& l, std::string_view args, std::size_t depth);

    void cleanup(const Line& l, std::string_view args);

    // --- the end ----------------------------------------------------------------------------
    void finish(const SourceFile& top);

    SourceLoader& loader_;
    ScriptLimits limits_;
    ParseMode mode_;
    std::shared_ptr<Script> script_;
    std::vector<Diagnostic> errors_;
    bool stopped_ = false;
    bool header_open_ = true;
    bool in_cleanup_ = false;
    std::size_t total_ = 0;
    std::size_t statements_ = 0;
    int section_ = kSetup;
    std::set<std::string, std::less<>> vars_;
    std::set<std::string, std::less<>> judged_;
    std::set<std::string, std::less<>> connections_;
    std::string current_;
    std::vector<std::string> stack_;  // include chain (keys)
    std::vector<std::vector<Line>> lines_;
    std::vector<std::size_t> cursor_;
    std::vector<std::unique_ptr<SourceFile>> includes_, fixtures_;
    std::vector<Body*> bodies_;
    std::vector<Frame> frames_;
    std::size_t frames_base_ = 0;  // frames opened outside the file being parsed
    // Statements under a broken if/repeat line go to scratch bodies, one per broken line.
    std::vector<std::shared_ptr<Body>> discards_;
    Body* scratch() { return discards_.emplace_back(std::make_shared<Body>()).get(); }
    ExpectBlock* last_block_ = nullptr;
};

}  // namespace coitest::script::detail
