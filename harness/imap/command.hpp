#pragma once
// Client commands (sans-I/O): tags, argument encoding (RFC 3501 §4.3, §9; LITERAL+/LITERAL-
// RFC 7888) and rendering into the parts a session sends, split where a synchronizing literal
// must wait for the server's continuation request.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::imap {

// "a001", "a002", ... (wider after a999). One generator per connection.
class TagGenerator {
  public:
    explicit TagGenerator(std::string prefix = "a") : prefix_(std::move(prefix)) {}
    std::string next();

  private:
    std::string prefix_;
    unsigned long counter_ = 0;
};

// How literals may be sent: synchronizing ({N}, wait for "+"), LITERAL+ ({N+} always) or
// LITERAL- ({N+} up to 4096 bytes, synchronizing above).
enum class LiteralMode { synchronizing, plus, minus };
LiteralMode literal_mode_for(const std::vector<std::string>& capabilities);

enum class StringForm { atom, quoted, literal };
// astring: an atom when every byte is an ASTRING-CHAR, quoted when every byte may be quoted
// (7-bit, no CR/LF/NUL, not too long), a literal otherwise.
StringForm astring_form(std::string_view s);
StringForm string_form(std::string_view s);  // never an atom
std::string quote(std::string_view s);       // "..." with \ and " escaped; s must be quotable

// One piece of a rendered command. `wire` goes on the wire; `shown` is what the transcript
// records (secrets replaced by ***). When `wait_continuation` is true, the piece ends with a
// synchronizing literal's "{N}\r\n" and the rest may only be sent after the server's "+".
struct CommandPart {
    std::string wire;
    std::string shown;
    bool wait_continuation = false;
};

// A command as a verb and arguments separated by spaces. raw() arguments go on the wire
// verbatim (sequence sets, fetch items, search keys); they must not hold CR or LF unless the
// test means to send a broken command.
class Command {
  public:
    explicit Command(std::string verb) : verb_(std::move(verb)) {}

    Command& raw(std::string_view text);
    Command& astring(std::string_view s, bool secret = false);
    Command& string(std::string_view s, bool secret = false);  // quoted or literal
    Command& nstring(const std::optional<std::string>& s);     // NIL for nullopt
    Command& literal(std::string_view s);                      // always a literal
    Command& open();   // "(" (the next argument follows without a space)
    Command& close();  // ")"

    const std::string& verb() const { return verb_; }
    std::vector<CommandPart> render(std::string_view tag, LiteralMode mode) const;
    // The whole command as one string (parts joined), e.g. for logs and tests.
    std::string to_string(std::string_view tag, LiteralMode mode = LiteralMode::plus) const;

  private:
    enum class Kind { raw, astring, string, nil, literal, open, close };
    struct Arg {
        Kind kind;
        std::string value;
        bool secret = false;
    };

    std::string verb_;
    std::vector<Arg> args_;
};

}  // namespace coitest::imap
