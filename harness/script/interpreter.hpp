#pragma once
// Runs a parsed .coi script as the body of a test, on the runner's TestContext: its connections
// go to the target's IMAP endpoint (TLS as the target says), every byte lands in the test's
// transcript, and each `judge` section becomes a finding of its requirement (met, or unmet with
// the expected pattern, the responses actually received and where="file:line").
//
// Failures: a judged expectation that fails is `unmet` (the verdict follows the catalog level);
// a MUST section's failure stops the script unless it says keep-going, a SHOULD/MAY section goes
// on. A set-up expectation that fails, a refused connection, a timeout waiting for a tagged
// completion or an unbound variable end the test with an `error` verdict naming file:line. A
// failed `require` makes it not-applicable. The cleanup section runs in every case; what fails
// there becomes a transcript note, never a verdict.
#include "runner/context.hpp"
#include "script/ast.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <string>

namespace coitest::script {

struct ScriptHooks {
    // Puts `bytes` (an RFC 5322 message, CRLF line ends) into the mailbox of the test's account
    // `to` through the target's delivery path; anything short of acceptance ends the test with
    // an `error` verdict. Unset: `deliver` ends the test with an error.
    std::function<boost::asio::awaitable<void>(TestContext&, const std::string& bytes,
                                               const std::string& message_id, std::size_t to)>
        deliver;
};

// `script` and `hooks` must outlive the returned coroutine (the TestCase keeps them).
boost::asio::awaitable<void> run_script(TestContext& ctx, const Script& script,
                                        const ScriptHooks& hooks);

}  // namespace coitest::script
