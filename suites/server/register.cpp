#include "suites/server/register.hpp"

#include "script/register.hpp"
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"
#include "suites/server/webpush/webpush_suite.hpp"

namespace coitest::suites {

namespace {

// What scripts need from the server suite at run time: the target's delivery path.
script::ScriptHooks script_hooks() {
    script::ScriptHooks hooks;
    hooks.deliver = [](TestContext& ctx, const std::string& bytes, const std::string& message_id,
                       std::size_t to) -> boost::asio::awaitable<void> {
        const TestMessage message{message_id, bytes};
        co_await deliver(ctx, message, to);
    };
    return hooks;
}

}  // namespace

void register_imap_baseline(Registry& registry) {
    std::vector<Error> unloadable;
    register_script_suites(registry, script::default_scripts_dir() / "imap-baseline", unloadable,
                           script_hooks());
    if (!unloadable.empty()) throw ErrorException(unloadable.front());
}

void register_server_suites(Registry& registry, std::vector<Error>& unloadable) {
    // The .coi scripts (DESIGN §5); C++ tests for what scripts cannot express register here too.
    register_script_suites(registry, script::default_scripts_dir(), unloadable, script_hooks());
    // WebPush needs coitest's own push endpoint beside the IMAP session: C++ tests.
    register_webpush_suite(registry);
}

}  // namespace coitest::suites
