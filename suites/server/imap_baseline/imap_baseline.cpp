#include "suites/server/imap_baseline/imap_baseline.hpp"

namespace coitest::suites {

TestCase baseline_test(std::string id, std::string title, std::string classname,
                       std::vector<std::string> requirements, std::vector<std::string> tags,
                       TestBody body) {
    TestCase t;
    t.id = "imap-baseline." + id;
    t.title = std::move(title);
    t.classname = std::move(classname);
    t.profile = "imap-baseline";
    t.requirements = std::move(requirements);
    t.tags = std::move(tags);
    t.body = std::move(body);
    return t;
}

void register_imap_baseline(Registry& registry) {
    register_baseline_capability(registry);
    register_baseline_authentication(registry);
    register_baseline_mailboxes(registry);
    register_baseline_messages(registry);
    register_baseline_idle(registry);
    register_baseline_metadata(registry);
    register_baseline_errors(registry);
}

}  // namespace coitest::suites
