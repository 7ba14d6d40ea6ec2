#pragma once
// A scripted IMAP server for the interpreter's unit tests: a greeting, then an answer per command
// from a handler (literals are read after a "+" and passed inline, IDLE waits for DONE). Never a
// stand-in for a real server in integration tests.
#include "testing/fake_peer.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::script::testing {

namespace asio = boost::asio;
using coitest::testing::PeerSocket;

// What the fake server answers to one command (tag and text without CRLF; literals inline).
using Handler = std::function<std::string(const std::string& tag, const std::string& command)>;

struct PeerLog {
    std::mutex mutex;
    std::vector<std::string> commands;
    void add(std::string c) {
        std::lock_guard lock(mutex);
        commands.push_back(std::move(c));
    }
    bool saw(std::string_view part) { return count(part) > 0; }
    int count(std::string_view part) {
        std::lock_guard lock(mutex);
        int n = 0;
        for (const auto& c : commands)
            if (c.find(part) != std::string::npos) ++n;
        return n;
    }
};

struct PeerOptions {
    std::string idle_push;  // sent 100 ms into IDLE
    bool refuse_literal = false;
};

inline std::string polite(const std::string& tag, const std::string& command) {
    if (command.rfind("CAPABILITY", 0) == 0)
        return "* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN\r\n" + tag + " OK done\r\n";
    if (command.rfind("LOGIN", 0) == 0) return tag + " OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n";
    return tag + " OK done\r\n";
}

inline coitest::testing::PeerScript imap_peer(Handler handler, std::shared_ptr<PeerLog> log,
                                              PeerOptions options) {
    return [handler, log, options](PeerSocket& p) -> asio::awaitable<void> {
        if (!co_await p.send("* OK fake ready\r\n")) co_return;
        for (;;) {
            std::string line = co_await p.read_until("\r\n");
            if (line.size() < 2) co_return;
            std::string text = line.substr(0, line.size() - 2);
            // A synchronizing literal: "+", then its bytes and the rest of the command.
            while (text.size() > 2 && text.back() == '}' && text.find('{') != std::string::npos) {
                const std::size_t open = text.rfind('{');
                const std::string count = text.substr(open + 1, text.size() - open - 2);
                const bool plus = !count.empty() && count.back() == '+';
                const std::size_t n = std::stoul(plus ? count.substr(0, count.size() - 1) : count);
                if (options.refuse_literal) {
                    const std::string tag = text.substr(0, text.find(' '));
                    log->add(text);
                    co_await p.send(tag + " NO [TOOBIG] no literals today\r\n");
                    text.clear();
                    break;
                }
                if (!plus && !co_await p.send("+ go ahead\r\n")) co_return;
                std::string data;
                while (data.size() < n + 2) {
                    std::string more = co_await p.read_until("\r\n");
                    if (more.empty()) co_return;
                    data += more;
                }
                text += "\r\n" + data.substr(0, data.size() - 2);
            }
            if (text.empty()) continue;
            log->add(text);
            const std::size_t sp = text.find(' ');
            const std::string tag = text.substr(0, sp);
            const std::string command = sp == std::string::npos ? "" : text.substr(sp + 1);
            if (command.rfind("AUTHENTICATE ", 0) == 0) {
                // One round: "+", then the client's answer, which the handler judges.
                if (!co_await p.send("+ \r\n")) co_return;
                const std::string answer = co_await p.read_until("\r\n");
                const std::string data =
                    answer.substr(0, answer.size() >= 2 ? answer.size() - 2 : 0);
                log->add(data);
                const std::string reply = handler(tag, command + " " + data);
                if (!reply.empty() && !co_await p.send(reply)) co_return;
                continue;
            }
            if (command == "IDLE") {
                if (!co_await p.send("+ idling\r\n")) co_return;
                if (!options.idle_push.empty()) {
                    co_await p.sleep(std::chrono::milliseconds(100));
                    if (!co_await p.send(options.idle_push)) co_return;
                }
                const std::string done = co_await p.read_until("\r\n");
                log->add(done.substr(0, done.size() >= 2 ? done.size() - 2 : 0));
                if (!co_await p.send(tag + " OK idle done\r\n")) co_return;
                continue;
            }
            const std::string reply = handler(tag, command);
            if (!reply.empty() && !co_await p.send(reply)) co_return;
        }
    };
}

}  // namespace coitest::script::testing
