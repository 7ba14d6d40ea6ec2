#include "message/sources.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace coitest::message {

namespace fs = std::filesystem;

bool looks_like_mbox(std::string_view data) {
    return data.rfind("From ", 0) == 0;
}

std::vector<std::string_view> split_mbox(std::string_view data) {
    std::vector<std::string_view> out;
    if (!looks_like_mbox(data)) {
        if (!data.empty()) out.push_back(data);
        return out;
    }
    std::size_t pos = 0;
    std::size_t start = std::string_view::npos;
    while (pos < data.size()) {
        std::size_t eol = data.find('\n', pos);
        std::size_t next = eol == std::string_view::npos ? data.size() : eol + 1;
        if (data.compare(pos, 5, "From ") == 0 && (pos == 0 || data[pos - 1] == '\n')) {
            if (start != std::string_view::npos) {
                std::size_t end = pos;
                // The blank line before a separator belongs to the mbox format, not the message.
                if (end >= start + 1 && data[end - 1] == '\n') --end;
                if (end >= start + 1 && data[end - 1] == '\r') --end;
                out.push_back(data.substr(start, end - start));
            }
            start = next;
        }
        pos = next;
    }
    if (start != std::string_view::npos && start <= data.size()) out.push_back(data.substr(start));
    return out;
}

std::string unquote_mbox_from(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    std::size_t pos = 0;
    while (pos < message.size()) {
        std::size_t eol = message.find('\n', pos);
        std::size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
        std::string_view line = message.substr(pos, next - pos);
        std::size_t k = 0;
        while (k < line.size() && line[k] == '>') ++k;
        if (k > 0 && line.compare(k, 5, "From ") == 0) line.remove_prefix(1);
        out.append(line);
        pos = next;
    }
    return out;
}

namespace {

std::string size_text(std::uintmax_t bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

// Reads at most `limit` bytes; `too_big` tells whether more were there.
bool read_limited(std::istream& in, std::size_t limit, std::string& out, bool& too_big) {
    out.clear();
    too_big = false;
    char buf[65536];
    while (in) {
        in.read(buf, sizeof buf);
        std::streamsize n = in.gcount();
        if (n <= 0) break;
        if (out.size() + static_cast<std::size_t>(n) > limit) {
            too_big = true;
            return true;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return !in.bad();
}

void emit_container(std::string_view label, std::string_view data, const InputLimits& limits,
                    const MessageSink& on_message, const ErrorSink& on_error) {
    if (!looks_like_mbox(data)) {
        if (data.size() > limits.max_message_bytes) {
            on_error({std::string(label),
                      "message is " + size_text(data.size()) + ", above the lint limit of " +
                          std::to_string(limits.max_message_bytes >> 20) + " MiB",
                      true});
            return;
        }
        on_message({std::string(label), std::string(data)});
        return;
    }
    auto parts = split_mbox(data);
    std::size_t n = 0;
    for (auto part : parts) {
        ++n;
        std::string item = std::string(label) + "#" + std::to_string(n);
        if (n > limits.max_messages) {
            on_error({std::string(label), "more than " + std::to_string(limits.max_messages) +
                                              " messages; the rest is not read"});
            return;
        }
        if (part.size() > limits.max_message_bytes) {
            on_error({item,
                      "message is " + size_text(part.size()) + ", above the lint limit of " +
                          std::to_string(limits.max_message_bytes >> 20) + " MiB",
                      true});
            continue;
        }
        on_message({item, unquote_mbox_from(part)});
    }
    if (parts.empty()) on_error({std::string(label), "mbox contains no message"});
}

void read_file(const fs::path& path, std::string label, const InputLimits& limits,
               const MessageSink& on_message, const ErrorSink& on_error) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) {
        on_error({label, "cannot read: " + ec.message()});
        return;
    }
    if (size == 0) {
        on_error({label, "file is empty: no message"});
        return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        on_error({label, "cannot open for reading"});
        return;
    }
    // Peek at the start to tell an mbox from a single message before applying a limit.
    char head[5] = {};
    in.read(head, 5);
    bool mbox = in.gcount() == 5 && std::string_view(head, 5) == "From ";
    in.clear();
    in.seekg(0);
    std::size_t limit = mbox ? limits.max_container_bytes : limits.max_message_bytes;
    if (size > limit) {
        on_error({label,
                  (mbox ? "mbox is " : "message is ") + size_text(size) +
                      ", above the lint limit of " + std::to_string(limit >> 20) + " MiB",
                  !mbox});
        return;
    }
    std::string data;
    bool too_big = false;
    if (!read_limited(in, limit, data, too_big) || too_big) {
        on_error({label, too_big ? "file grew beyond the lint limit while reading" : "read error"});
        return;
    }
    emit_container(label, data, limits, on_message, on_error);
}

void read_maildir(const fs::path& dir, const std::string& label, const InputLimits& limits,
                  const MessageSink& on_message, const ErrorSink& on_error) {
    std::error_code ec;
    bool has_cur = fs::is_directory(dir / "cur", ec);
    bool has_new = fs::is_directory(dir / "new", ec);
    if (!has_cur || !has_new) {
        on_error({label, "is a directory but not a Maildir (it needs cur/ and new/ sub-folders)"});
        return;
    }
    std::size_t count = 0;
    for (const char* sub : {"cur", "new"}) {
        std::vector<fs::path> files;
        for (fs::directory_iterator it(dir / sub, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->is_regular_file(ec)) files.push_back(it->path());
            if (files.size() > limits.max_messages) break;
        }
        if (ec) {
            on_error({label + "/" + sub, "cannot list: " + ec.message()});
            continue;
        }
        std::sort(files.begin(), files.end());  // stable test IDs across runs
        for (const auto& f : files) {
            if (++count > limits.max_messages) {
                on_error({label, "more than " + std::to_string(limits.max_messages) +
                                     " messages; the rest is not read"});
                return;
            }
            std::string item = label + "/" + sub + "/" + f.filename().string();
            std::error_code sec;
            auto size = fs::file_size(f, sec);
            if (!sec && size > limits.max_message_bytes) {
                on_error({item,
                          "message is " + size_text(size) + ", above the lint limit of " +
                              std::to_string(limits.max_message_bytes >> 20) + " MiB",
                          true});
                continue;
            }
            std::ifstream in(f, std::ios::binary);
            std::string data;
            bool too_big = false;
            if (!in || !read_limited(in, limits.max_message_bytes, data, too_big) || too_big) {
                on_error(
                    {item,
                     too_big ? "message grew beyond the lint limit while reading" : "cannot read",
                     true});
                continue;
            }
            if (data.empty()) {
                on_error({item, "file is empty: no message", true});
                continue;
            }
            on_message({item, std::move(data)});
        }
    }
    if (count == 0) on_error({label, "Maildir holds no messages in cur/ or new/"});
}

}  // namespace

void read_input(std::string_view arg, const InputLimits& limits, const MessageSink& on_message,
                const ErrorSink& on_error, std::istream& stdin_stream) {
    if (arg == "-") {
        std::string data;
        bool too_big = false;
        if (!read_limited(stdin_stream, limits.max_container_bytes, data, too_big)) {
            on_error({"<stdin>", "read error on standard input"});
            return;
        }
        if (too_big) {
            on_error({"<stdin>", "standard input exceeds the lint limit of " +
                                     std::to_string(limits.max_container_bytes >> 20) + " MiB"});
            return;
        }
        if (data.empty()) {
            on_error({"<stdin>", "standard input is empty: no message to lint"});
            return;
        }
        emit_container("<stdin>", data, limits, on_message, on_error);
        return;
    }
    fs::path path{std::string(arg)};
    std::string label(arg);
    while (label.size() > 1 && label.back() == '/') label.pop_back();
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        on_error({label, "no such file or directory"});
        return;
    }
    if (fs::is_directory(status)) {
        read_maildir(path, label, limits, on_message, on_error);
        return;
    }
    if (!fs::is_regular_file(status)) {
        on_error({label, "not a regular file, directory or \"-\""});
        return;
    }
    read_file(path, label, limits, on_message, on_error);
}

}  // namespace coitest::message
