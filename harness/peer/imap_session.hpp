#pragma once
// One IMAP connection of the reference peer as a sans-I/O state machine: bytes in, bytes out.
// The network driver (server.cpp) only moves bytes, performs the TLS handshake when asked and
// enforces time; everything IMAP is here, so unit tests drive sessions without sockets.
//
// States (RFC 3501 §3): not authenticated -> authenticated -> selected -> logout. Changes made
// by other sessions reach this one through MailboxObserver: as untagged EXISTS/EXPUNGE/FETCH
// before the next tagged completion (EXPUNGE held back during FETCH, STORE and SEARCH, §7.4.1),
// or at once while the client IDLEs (the driver is woken through the wake-up callback).
#include "peer/imap_command.hpp"
#include "peer/imap_command_parser.hpp"
#include "peer/recorder.hpp"
#include "peer/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::peer {

struct ImapSessionConfig {
    bool starttls_available = false;  // offer STARTTLS (plain connection, TLS configured)
    bool tls = false;                 // the connection is already TLS (implicit)
    bool plain = false;               // --plain: no COI, no METADATA
    imap::FramerLimits framer;
    imap::ParserOptions parser;
    std::size_t max_bad_commands = 20;    // then BYE
    std::size_t max_failed_logins = 5;    // then BYE
    std::size_t output_budget = 1 << 20;  // stop running pipelined commands above this
    std::chrono::seconds login_timeout{60};
    std::chrono::seconds autologout{30 * 60};  // RFC 3501 §5.4: at least 30 minutes
    std::string server_name = "coitest";
};

struct ImapOutput {
    std::string data;
    bool start_tls = false;  // send `data`, then handshake, then call tls_started()
    bool close = false;      // send `data`, then close
    bool more = false;       // commands may be waiting: call receive({}) again after writing
};

class ImapSession : public MailboxObserver {
  public:
    enum class State { not_authenticated, authenticated, selected, logout };

    ImapSession(Store& store, Recorder* recorder, ImapSessionConfig config,
                std::uint64_t connection_id);
    ~ImapSession() override;
    ImapSession(const ImapSession&) = delete;
    ImapSession& operator=(const ImapSession&) = delete;

    std::string greeting();
    ImapOutput receive(std::string_view bytes);
    void tls_started();

    // The driver's hook, called (on the store's thread) when untagged output is waiting while
    // the client IDLEs; the driver then calls take_pending().
    void set_wakeup(std::function<void()> wake) { wake_ = std::move(wake); }
    ImapOutput take_pending();

    State state() const { return state_; }
    bool idling() const { return idle_tag_.has_value(); }
    std::chrono::seconds timeout() const;
    const Account* account() const { return account_; }

    // MailboxObserver
    void mailbox_changed() override;
    void mailbox_deleted() override;

    std::vector<std::string> capabilities() const;
    std::uint64_t commands() const { return commands_; }  // run so far (rate limiting)

  private:
    struct Selected {
        Mailbox* mailbox = nullptr;
        bool read_only = false;
        std::vector<std::uint32_t> view;    // UIDs by sequence number
        std::set<std::uint32_t> recent;     // \Recent for this session
        std::uint64_t reported_modseq = 0;  // flag changes up to here are known to the client
        std::map<std::uint32_t, std::uint64_t> own;  // changes this session reported itself
    };

    void run_line(std::string_view text);
    void execute(imap::Command& cmd);
    bool allowed(const imap::CommandBody& body) const;
    void complete(const std::string& tag, std::string_view status, std::string_view text,
                  bool allow_expunge = true);
    void untagged(std::string_view line);
    void bad(const std::string& tag, std::string_view why);
    void no(const std::string& tag, std::string_view code, std::string_view why);
    void no_refusal(const std::string& tag, const Refusal& r);
    // Untagged updates of the selected mailbox since they were last reported.
    void flush_updates(bool allow_expunge);
    void deselect();
    void record(std::string_view line);
    void login_succeeded(Account& a, const std::string& tag);
    void auth_line(std::string_view line);
    std::string capability_line() const;

    // Resolves a sequence or UID set against the view: (sequence number, UID) pairs, ascending.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> resolve(const imap::SeqSet& set,
                                                                 bool uid) const;
    std::string fetch_response(std::uint32_t seq, const StoredMessage& msg,
                               const imap::FetchCmd& cmd, bool with_modseq) const;
    std::string flags_of(const StoredMessage& msg) const;

    // Command handlers (imap_commands_*.cpp).
    void on(const std::string& tag, const imap::CapabilityCmd&);
    void on(const std::string& tag, const imap::NoopCmd&);
    void on(const std::string& tag, const imap::LogoutCmd&);
    void on(const std::string& tag, const imap::StartTlsCmd&);
    void on(const std::string& tag, const imap::IdleCmd&);
    void on(const std::string& tag, const imap::CheckCmd&);
    void on(const std::string& tag, const imap::CloseCmd&);
    void on(const std::string& tag, const imap::UnselectCmd&);
    void on(const std::string& tag, const imap::NamespaceCmd&);
    void on(const std::string& tag, const imap::ExpungeCmd&);
    void on(const std::string& tag, const imap::LoginCmd&);
    void on(const std::string& tag, const imap::AuthenticateCmd&);
    void on(const std::string& tag, const imap::IdCmd&);
    void on(const std::string& tag, const imap::EnableCmd&);
    void on(const std::string& tag, const imap::SelectCmd&);
    void on(const std::string& tag, const imap::CreateCmd&);
    void on(const std::string& tag, const imap::DeleteCmd&);
    void on(const std::string& tag, const imap::RenameCmd&);
    void on(const std::string& tag, const imap::SubscribeCmd&);
    void on(const std::string& tag, const imap::ListCmd&);
    void on(const std::string& tag, const imap::StatusCmd&);
    void on(const std::string& tag, const imap::AppendCmd&);
    void on(const std::string& tag, const imap::FetchCmd&);
    void on(const std::string& tag, const imap::StoreCmd&);
    void on(const std::string& tag, const imap::CopyCmd&);
    void on(const std::string& tag, const imap::SearchCmd&);
    void on(const std::string& tag, const imap::GetQuotaRootCmd&);
    void on(const std::string& tag, const imap::GetQuotaCmd&);
    void on(const std::string& tag, const imap::GetMetadataCmd&);
    void on(const std::string& tag, const imap::SetMetadataCmd&);

    std::optional<std::string> status_line(const Mailbox& m,
                                           const std::vector<std::string>& items) const;
    bool search_matches(const imap::SearchKey& key, std::uint32_t seq,
                        const StoredMessage& msg) const;

    Store& store_;
    Recorder* recorder_;
    ImapSessionConfig config_;
    std::uint64_t id_;
    imap::CommandFramer framer_;
    State state_ = State::not_authenticated;
    Account* account_ = nullptr;
    std::optional<Selected> sel_;
    bool tls_;
    bool condstore_ = false;
    bool selected_deleted_ = false;
    std::optional<std::string> idle_tag_;
    std::optional<std::string> auth_tag_;  // AUTHENTICATE waiting for the client's response
    std::size_t bad_commands_ = 0;
    std::size_t failed_logins_ = 0;
    std::string out_;
    bool close_ = false;
    bool start_tls_ = false;
    bool in_command_ = false;
    std::function<void()> wake_;
    std::uint64_t commands_ = 0;
};

}  // namespace coitest::peer
