#pragma once
// A registered test: stable identity, what it judges, and its body.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace coitest {

class TestContext;

using TestBody = std::function<boost::asio::awaitable<void>(TestContext&)>;

struct TestCase {
    std::string id;         // stable, never renumbered: "imap-baseline.capability.imap4rev1"
    std::string title;      // one line for people
    std::string classname;  // spec.section, e.g. "rfc3501.7.2.1"
    std::string profile;    // "imap-baseline", "coi-server", ...
    std::vector<std::string> requirements;  // catalog IDs this test judges
    std::vector<std::string> tags;
    int accounts = 1;  // distinct target accounts the test uses (exclusively, so -j is safe)
    bool needs_delivery = false;
    std::optional<std::chrono::milliseconds> timeout;  // overrides the run's per-test timeout
    TestBody body;
};

}  // namespace coitest
