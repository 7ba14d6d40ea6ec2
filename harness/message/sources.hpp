#pragma once
// Where lint's messages come from: .eml files, mbox files, Maildir folders and stdin. Every read
// has a size limit, and every bad input becomes one clear line (InputError), never an exception.
// split_mbox is sans-I/O; read_input does the file system work.
#include <cstddef>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::message {

struct InputMessage {
    std::string label;  // "out/a.eml", "box.mbox#3", "Maildir/cur/1.x:2,S", "<stdin>"
    std::string bytes;
};

struct InputError {
    std::string label;         // the path (or "<stdin>") it concerns
    std::string message;       // one line, for the user
    bool per_message = false;  // one message of a container was bad; the rest were read
};

struct InputLimits {
    std::size_t max_message_bytes = 32u << 20;   // one message
    std::size_t max_container_bytes = 1u << 30;  // one mbox file or stdin
    std::size_t max_messages = 1000000;
};

using MessageSink = std::function<void(InputMessage&&)>;
using ErrorSink = std::function<void(InputError&&)>;

// Reads one command-line argument: "-" is stdin; a directory must be a Maildir (cur/ and new/);
// a file starting with an mbox "From " line is an mbox, otherwise one message.
void read_input(std::string_view arg, const InputLimits& limits, const MessageSink& on_message,
                const ErrorSink& on_error, std::istream& stdin_stream);

// Splits an mbox (mboxo/mboxrd) into messages, removing the "From " separator lines and one level
// of ">From " quoting. Data that does not start with "From " is returned as one message.
std::vector<std::string_view> split_mbox(std::string_view data);
std::string unquote_mbox_from(std::string_view message);
bool looks_like_mbox(std::string_view data);

}  // namespace coitest::message
