#pragma once
// `coitest serve --data DIR`: the store on disk, crash-safe. Every message body is its own file
// (written and fsynced before anything refers to it); each account's state (mailboxes, UIDs,
// flags, mod-sequences, subscriptions, METADATA) is one JSON file replaced atomically (write a
// temporary, fsync, rename, fsync the folder). Sessions commit before they acknowledge, so
// nothing acknowledged is lost to a restart or a kill -9. Bodies no state refers to are removed
// at the next start. A lock file keeps a second server out of the same folder.
//
//   DIR/lock                  flock()ed while a server runs
//   DIR/messages/N.eml        message bodies (hard links for copies)
//   DIR/accounts/HEX.json     one per account (HEX: the address in hexadecimal)
//   DIR/submissions/N.eml     every message taken by SMTP submission, byte-exact,
//   DIR/submissions/N.json    with its envelope
#include "model/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::peer {

class Store;

class Persistence {
  public:
    static Result<std::unique_ptr<Persistence>> open(const std::filesystem::path& dir);
    ~Persistence();
    Persistence(const Persistence&) = delete;
    Persistence& operator=(const Persistence&) = delete;

    // Replaces the mailboxes, METADATA and subscriptions of the store's accounts by what the
    // folder holds for them; removes bodies that no account file refers to.
    Result<void> load(Store& store);

    // A new body file holding `bytes`, fsynced; its id.
    Result<std::uint64_t> write_body(std::string_view bytes);
    // Another id for the same bytes (a hard link, or a copy where links fail).
    Result<std::uint64_t> link_body(std::uint64_t id, std::string_view bytes);
    // The body is no longer referred to once the next commit is on disk.
    void forget_body(std::uint64_t id);

    // Writes every account marked dirty, then removes forgotten bodies.
    Result<void> commit(Store& store);

    // Keeps a submitted message and its envelope (JSON text); returns its number.
    Result<std::uint64_t> write_submission(std::string_view envelope_json, std::string_view bytes);

    const std::filesystem::path& dir() const { return dir_; }

  private:
    Persistence(std::filesystem::path dir, int lock_fd);
    std::filesystem::path body_path(std::uint64_t id) const;

    std::filesystem::path dir_;
    int lock_fd_ = -1;
    std::uint64_t next_body_ = 1;
    std::uint64_t next_submission_ = 1;
    bool bodies_unsynced_ = false;
    std::vector<std::uint64_t> forgotten_;
};

// Writes `data` to `path` atomically and durably: temporary file, fsync, rename, fsync of the
// folder.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view data);

}  // namespace coitest::peer
