#include "reports/write.hpp"

#include "reports/html.hpp"
#include "reports/json.hpp"
#include "reports/junit.hpp"
#include "reports/markdown.hpp"

#include <fmt/format.h>
#include <fmt/std.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <functional>
#include <random>

namespace coitest::reports {

namespace {

namespace fs = std::filesystem;

// The temporary file: closed, and removed unless it was renamed into place.
class TempFile {
  public:
    TempFile() = default;
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty()) {
            std::error_code ignored;
            fs::remove(path_, ignored);
        }
    }

    // Creates a new file beside `target`, named so it cannot collide with another writer's.
    Result<void> create(const fs::path& target) {
        std::random_device rd;
        for (int attempt = 0; attempt < 16; ++attempt) {
            fs::path p = target;
            p.replace_filename(fmt::format(".{}.tmp-{:08x}", target.filename().string(), rd()));
            // 0666 before the umask, as any file a user's program writes.
            const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd >= 0) {
                fd_ = fd;
                path_ = std::move(p);
                return {};
            }
            if (errno != EEXIST) return fail("cannot create a file in", target.parent_path());
        }
        return make_error(ErrorKind::io,
                          fmt::format("cannot create a temporary file beside {}", target));
    }

    Result<void> append(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::write(fd_, data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail("cannot write", path_);
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return {};
    }

    Result<void> finish() {
        // Reach the disk before the rename makes the file visible, so a crash never leaves an
        // empty report under the final name.
        if (::fsync(fd_) != 0) return fail("cannot flush", path_);
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) return fail("cannot close", path_);
        return {};
    }

    Result<void> rename_to(const fs::path& target) {
        if (::rename(path_.c_str(), target.c_str()) != 0)
            return fail("cannot rename the report to", target);
        path_.clear();
        return {};
    }

  private:
    static Error fail(std::string_view what, const fs::path& p) {
        return make_error(ErrorKind::io, fmt::format("{} {}: {}", what, p, std::strerror(errno)));
    }

    int fd_ = -1;
    fs::path path_;
};

}  // namespace

namespace {

// Writes what `produce` hands to its sink into `path`, atomically (temporary file, then rename).
// The sink buffers 1 MiB at a time so a streamed report costs few system calls.
Result<void> write_streamed_atomically(
    const fs::path& path,
    const std::function<void(const std::function<void(std::string_view)>&)>& produce) {
    if (path.filename().empty())
        return make_error(ErrorKind::usage, fmt::format("{} names a folder, not a file", path));
    if (path.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec)
            return make_error(ErrorKind::io, fmt::format("cannot create the folder {}: {}",
                                                         path.parent_path(), ec.message()));
    }
    TempFile tmp;
    if (auto r = tmp.create(path); !r) return r;
    constexpr std::size_t kBuffer = 1u << 20;
    std::string buffer;
    Result<void> status;
    const auto flush = [&] {
        if (status && !buffer.empty()) status = tmp.append(buffer);
        buffer.clear();
    };
    produce([&](std::string_view chunk) {
        buffer += chunk;
        if (buffer.size() >= kBuffer) flush();
    });
    flush();
    if (!status) return status;
    if (auto r = tmp.finish(); !r) return r;
    return tmp.rename_to(path);
}

}  // namespace

Result<void> write_file_atomically(const fs::path& path, std::string_view contents) {
    return write_streamed_atomically(
        path, [contents](const std::function<void(std::string_view)>& out) { out(contents); });
}

Result<void> write_reports(const RunResult& run, const ReportPaths& paths) {
    using Sink = std::function<void(std::string_view)>;
    struct Wanted {
        std::string_view kind;
        const fs::path& path;
        std::function<void(const Sink&)> produce;
    };
    const auto whole = [&run](std::string (*render)(const RunResult&)) {
        return [&run, render](const Sink& out) { out(render(run)); };
    };
    const Wanted wanted[] = {
        {"JUnit", paths.junit, whole(render_junit)},
        {"JSON", paths.json, [&run](const Sink& out) { write_json(run, out); }},
        {"HTML", paths.html, whole(render_html)},
        {"Markdown", paths.markdown, whole(render_markdown)}};
    std::string errors;
    for (const auto& w : wanted) {
        if (w.path.empty()) continue;
        if (auto r = write_streamed_atomically(w.path, w.produce); !r) {
            if (!errors.empty()) errors += "; ";
            errors += fmt::format("{} report not written: {}", w.kind, r.error().message);
        }
    }
    if (!errors.empty()) return make_error(ErrorKind::io, errors);
    return {};
}

}  // namespace coitest::reports
