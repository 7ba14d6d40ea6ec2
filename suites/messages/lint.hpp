#pragma once
// `coitest lint`: judges messages offline. Reads .eml, mbox, Maildir and stdin, decrypts with the
// given secret keys when it can, recognises the dialect (or applies --profile), and produces a
// RunResult with one test per message (suite "lint") for the report writers.
#include "message/mime.hpp"
#include "message/sources.hpp"
#include "messages/engine.hpp"
#include "model/requirement.hpp"
#include "model/results.hpp"
#include "openpgp/rnp.hpp"

#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::messages {

struct LintOptions {
    std::vector<std::string> inputs;       // paths, "-" for stdin
    std::string profile;                   // empty: recognise per message
    std::vector<std::string> key_files;    // secret keys (armored or binary) for decryption
    std::vector<std::string> setup_codes;  // Setup Codes that open Autocrypt Setup Messages
    bool strict = false;
    bool submitted = false;  // messages were observed being sent (client suite)
    // Passing findings of every message add up (about 25 KB per message); a run that writes no
    // per-requirement report can drop them and keep only what did not pass.
    bool keep_passing_findings = true;
    message::InputLimits input_limits;
};

// Judges one message at a time; holds the parser, the keyring and the key cache, so a run over
// 10,000 messages parses keys once.
class Linter {
  public:
    // Fails with a usage error for an unknown profile or an unreadable key file.
    static Result<std::unique_ptr<Linter>> create(message::RequirementLookup lookup,
                                                  const LintOptions& options);

    // One test result for one message: id "lint:<label>", classname = profile.
    TestResult lint(std::string_view label, std::string_view bytes);
    // A test result for input that could not be read at all (verdict error).
    TestResult input_error(const message::InputError& error) const;

    const std::vector<Profile>& profiles() const { return profiles_; }

  private:
    Linter() = default;
    CryptoState crypto_for(const message::Message& m);
    void cross_message_checks(const MessageContext& ctx, std::string_view bytes,
                              std::string_view label, message::Findings& findings);
    void later_message_checks(const MessageContext& ctx, std::string_view label,
                              message::Findings& cross);
    void coi_later_message_checks(const MessageContext& ctx, message::Findings& cross);

    message::RequirementLookup lookup_;
    LintOptions options_;
    std::vector<Profile> profiles_;
    message::MimeParser parser_;
    openpgp::Keyring keyring_;
    bool have_secret_keys_ = false;
    KeyCache keys_;
    std::map<std::string, std::pair<std::string, std::size_t>> seen_ids_;  // id -> (label, hash)
    std::map<std::string, std::pair<std::string, std::string>> keydata_by_sender_;
    struct SentHeader {
        std::string value;  // the Autocrypt header value, white space squashed
        std::set<std::string> recipients;
        std::string label;
    };
    std::map<std::string, SentHeader> autocrypt_by_sender_;
    // The last profile-image (per sender) and group-image (per group) value and where it was.
    std::map<std::string, std::pair<std::string, std::string>> avatar_by_sender_;
    std::map<std::string, std::pair<std::string, std::string>> avatar_by_group_;
    // COI edits: the original message of each edit, and the last edit of each original.
    std::map<std::string, std::string> edit_origin_, last_edit_;
    // COI groups: the members (From, To, Cc) last seen per group ID.
    std::map<std::string, std::set<std::string>> group_members_;
    std::set<std::string> imported_keydata_;  // public keys already in the keyring
};

struct LintRun {
    RunResult run;
    std::vector<std::string> input_errors;  // one line each: "path: what is wrong"
    bool usage_error = false;               // a path was missing or not a Maildir
};

using TestCallback = std::function<void(const TestResult&)>;

// Reads every input, lints every message, adds the cross-message checks (Message-ID uniqueness,
// one Autocrypt key per sender) and returns the run. `on_test` sees each result as it is made.
Result<LintRun> run_lint(const LintOptions& options, message::RequirementLookup lookup,
                         std::istream& stdin_stream, const TestCallback& on_test = {});

}  // namespace coitest::messages
