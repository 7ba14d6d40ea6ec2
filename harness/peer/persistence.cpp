#include "peer/persistence.hpp"

#include "peer/store.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace coitest::peer {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error io_error(std::string what, const fs::path& path, int err) {
    return make_error(ErrorKind::io,
                      fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

// An fd that closes itself.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() {
        const int f = fd_;
        fd_ = -1;
        return f;
    }

  private:
    int fd_;
};

Result<void> write_all_sync(const fs::path& path, std::string_view data, int flags) {
    Fd fd(::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, 0600));
    if (fd.get() < 0) return io_error("cannot create", path, errno);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("cannot write", path, errno);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return io_error("cannot fsync", path, errno);
    return {};
}

Result<void> sync_dir(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return io_error("cannot open folder", dir, errno);
    if (::fsync(fd.get()) != 0) return io_error("cannot fsync folder", dir, errno);
    return {};
}

Result<std::string> read_file(const fs::path& path, std::size_t max) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return io_error("cannot open", path, errno);
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("cannot read", path, errno);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > max)
            return make_error(ErrorKind::io,
                              fmt::format("{} is larger than {} bytes", path.string(), max));
    }
    return out;
}

std::string hex(std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += fmt::format("{:02x}", c);
    return out;
}

std::optional<std::uint64_t> number_stem(const fs::path& p, std::string_view ext) {
    if (p.extension() != ext) return std::nullopt;
    const std::string stem = p.stem().string();
    if (stem.empty() || stem.size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : stem) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

json account_json(const Account& a) {
    json j;
    j["version"] = 1;
    j["address"] = a.address;
    j["metadata"] = a.metadata;
    j["subscriptions"] = a.subscriptions;
    j["coi_off_indirectly"] = a.coi_off_indirectly;
    json boxes = json::array();
    for (const auto& [name, m] : a.mailboxes) {
        json b;
        b["name"] = name;
        b["id"] = m->id;
        b["uidvalidity"] = m->uidvalidity;
        b["uidnext"] = m->uidnext;
        b["highestmodseq"] = m->highestmodseq;
        b["special_use"] = m->special_use;
        b["metadata"] = m->metadata;
        json msgs = json::array();
        for (const auto& msg : m->messages) {
            msgs.push_back(json::array(
                {msg.uid, msg.modseq, msg.internal_date, msg.file_id, msg.chat, msg.recent,
                 std::vector<std::string>(msg.flags.begin(), msg.flags.end())}));
        }
        b["messages"] = std::move(msgs);
        boxes.push_back(std::move(b));
    }
    j["mailboxes"] = std::move(boxes);
    return j;
}

}  // namespace

Result<void> write_file_atomically(const fs::path& path, std::string_view data) {
    fs::path tmp = path;
    tmp += ".tmp";
    if (auto w = write_all_sync(tmp, data, O_CREAT | O_TRUNC); !w) return w.error();
    if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("cannot rename", tmp, errno);
    return sync_dir(path.parent_path());
}

Persistence::Persistence(fs::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}

Persistence::~Persistence() {
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<Persistence>> Persistence::open(const fs::path& dir) {
    std::error_code ec;
    for (const char* sub : {"messages", "accounts", "submissions"}) {
        fs::create_directories(dir / sub, ec);
        if (ec)
            return make_error(ErrorKind::io, fmt::format("cannot create {}: {}",
                                                         (dir / sub).string(), ec.message()));
    }
    const fs::path lock = dir / "lock";
    Fd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) return io_error("cannot open", lock, errno);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        return make_error(ErrorKind::io,
                          fmt::format("{} is in use by another coitest serve", dir.string()));
    auto p = std::unique_ptr<Persistence>(new Persistence(dir, fd.release()));
    for (const auto& e : fs::directory_iterator(dir / "messages", ec))
        if (auto n = number_stem(e.path(), ".eml"); n && *n >= p->next_body_)
            p->next_body_ = *n + 1;
    for (const auto& e : fs::directory_iterator(dir / "submissions", ec))
        if (auto n = number_stem(e.path(), ".eml"); n && *n >= p->next_submission_)
            p->next_submission_ = *n + 1;
    return p;
}

fs::path Persistence::body_path(std::uint64_t id) const {
    return dir_ / "messages" / fmt::format("{}.eml", id);
}

Result<std::uint64_t> Persistence::write_body(std::string_view bytes) {
    const std::uint64_t id = next_body_++;
    // No rename needed: nothing refers to the file until an account file naming it is committed,
    // and a half-written one is swept away at the next start.
    if (auto w = write_all_sync(body_path(id), bytes, O_CREAT | O_EXCL); !w) return w.error();
    bodies_unsynced_ = true;
    return id;
}

Result<std::uint64_t> Persistence::link_body(std::uint64_t id, std::string_view bytes) {
    const std::uint64_t fresh = next_body_++;
    if (id != 0 && ::link(body_path(id).c_str(), body_path(fresh).c_str()) == 0) {
        bodies_unsynced_ = true;
        return fresh;
    }
    if (auto w = write_all_sync(body_path(fresh), bytes, O_CREAT | O_EXCL); !w) return w.error();
    bodies_unsynced_ = true;
    return fresh;
}

void Persistence::forget_body(std::uint64_t id) {
    if (id != 0) forgotten_.push_back(id);
}

Result<void> Persistence::commit(Store& store) {
    if (bodies_unsynced_) {
        if (auto s = sync_dir(dir_ / "messages"); !s) return s.error();
        bodies_unsynced_ = false;
    }
    for (auto& [_, a] : store.accounts_) {
        if (!a->dirty) continue;
        const fs::path path = dir_ / "accounts" / (hex(a->address) + ".json");
        if (auto w = write_file_atomically(path, account_json(*a).dump()); !w) return w.error();
        a->dirty = false;
    }
    for (auto id : forgotten_) ::unlink(body_path(id).c_str());
    forgotten_.clear();
    return {};
}

Result<void> Persistence::load(Store& store) {
    std::set<std::uint64_t> referenced;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_ / "accounts", ec)) {
        if (e.path().extension() != ".json") continue;
        auto text = read_file(e.path(), 512ull * 1024 * 1024);
        if (!text) return text.error();
        json j = json::parse(*text, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("address"))
            return make_error(ErrorKind::io,
                              fmt::format("{} is not an account file", e.path().string()));
        try {
            for (const auto& b : j.at("mailboxes"))
                for (const auto& m : b.at("messages"))
                    referenced.insert(m.at(3).get<std::uint64_t>());
            Account* a = store.find_account(j.at("address").get<std::string>());
            if (!a) continue;  // not a user this time: kept on disk, not served
            a->mailboxes.clear();
            a->metadata = j.at("metadata").get<std::map<std::string, std::string>>();
            a->subscriptions = j.at("subscriptions").get<std::set<std::string>>();
            a->coi_off_indirectly = j.value("coi_off_indirectly", false);
            for (const auto& b : j.at("mailboxes")) {
                auto m = std::make_unique<Mailbox>();
                m->name = b.at("name").get<std::string>();
                m->id = b.at("id").get<std::uint64_t>();
                m->uidvalidity = b.at("uidvalidity").get<std::uint32_t>();
                m->uidnext = b.at("uidnext").get<std::uint32_t>();
                m->highestmodseq = b.at("highestmodseq").get<std::uint64_t>();
                m->special_use = b.at("special_use").get<std::string>();
                m->metadata = b.at("metadata").get<std::map<std::string, std::string>>();
                for (const auto& r : b.at("messages")) {
                    StoredMessage msg;
                    msg.uid = r.at(0).get<std::uint32_t>();
                    msg.modseq = r.at(1).get<std::uint64_t>();
                    msg.internal_date = r.at(2).get<std::int64_t>();
                    msg.file_id = r.at(3).get<std::uint64_t>();
                    msg.chat = r.at(4).get<bool>();
                    msg.recent = r.at(5).get<bool>();
                    for (const auto& f : r.at(6)) msg.flags.insert(f.get<std::string>());
                    auto body = read_file(body_path(msg.file_id), 1ull << 31);
                    if (!body)
                        return make_error(ErrorKind::io,
                                          fmt::format("{} names a missing message file: {}",
                                                      e.path().string(), body.error().message));
                    msg.bytes = std::make_shared<const std::string>(std::move(*body));
                    m->messages.push_back(std::move(msg));
                }
                if (m->id >= store.next_mailbox_id_) store.next_mailbox_id_ = m->id + 1;
                if (m->uidvalidity >= store.uidvalidity_seed_)
                    store.uidvalidity_seed_ = m->uidvalidity + 1;
                std::string key = m->name;
                a->mailboxes[std::move(key)] = std::move(m);
            }
            if (!a->mailbox("INBOX")) store.insert_mailbox(*a, "INBOX", {});
        } catch (const json::exception& ex) {
            return make_error(ErrorKind::io,
                              fmt::format("{} is damaged: {}", e.path().string(), ex.what()));
        }
    }
    // Bodies written for changes that never committed (a crash in between) are garbage.
    for (const auto& e : fs::directory_iterator(dir_ / "messages", ec)) {
        const auto n = number_stem(e.path(), ".eml");
        if (!n || !referenced.contains(*n)) fs::remove(e.path(), ec);
    }
    for (const auto& e : fs::directory_iterator(dir_ / "accounts", ec))
        if (e.path().extension() == ".tmp") fs::remove(e.path(), ec);
    return {};
}

Result<std::uint64_t> Persistence::write_submission(std::string_view envelope_json,
                                                    std::string_view bytes) {
    const std::uint64_t n = next_submission_++;
    const fs::path base = dir_ / "submissions";
    if (auto w = write_file_atomically(base / fmt::format("{}.eml", n), bytes); !w)
        return w.error();
    if (auto w = write_file_atomically(base / fmt::format("{}.json", n), envelope_json); !w)
        return w.error();
    return n;
}

}  // namespace coitest::peer
