#pragma once
// A scripted IMAP server for unit and hostile-peer tests: a greeting, then an answer per command
// from a table. Never a stand-in for a real server in integration tests.
#include "testing/fake_peer.hpp"

#include <functional>
#include <string>

namespace coitest::suites::testing {

// Given the tag and the rest of a command line (without CRLF), the bytes to answer with.
using Answer = std::function<std::string(const std::string& tag, const std::string& command)>;

inline coitest::testing::PeerScript scripted_imap(std::string greeting, Answer answer) {
    return [greeting, answer](coitest::testing::PeerSocket& p) -> boost::asio::awaitable<void> {
        if (!co_await p.send(greeting)) co_return;
        for (;;) {
            const std::string line = co_await p.read_until("\r\n");
            if (line.size() < 2) co_return;  // the client went away
            const std::string text = line.substr(0, line.size() - 2);
            const auto space = text.find(' ');
            const std::string tag = text.substr(0, space);
            const std::string command = space == std::string::npos ? "" : text.substr(space + 1);
            const std::string reply = answer(tag, command);
            if (reply.empty()) continue;
            if (!co_await p.send(reply)) co_return;
        }
    };
}

// Answers like a minimal, correct IMAP4rev1 server for what the capability and login tests use.
inline std::string polite(const std::string& tag, const std::string& command,
                          const std::string& capabilities = "IMAP4rev1 AUTH=PLAIN") {
    if (command.rfind("CAPABILITY", 0) == 0)
        return "* CAPABILITY " + capabilities + "\r\n" + tag + " OK done\r\n";
    if (command.rfind("LOGOUT", 0) == 0) return "* BYE bye\r\n" + tag + " OK done\r\n";
    if (command.rfind("LIST", 0) == 0)
        return "* LIST (\\Noselect) \"/\" \"\"\r\n" + tag + " OK done\r\n";
    return tag + " OK done\r\n";
}

}  // namespace coitest::suites::testing
