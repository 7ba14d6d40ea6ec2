// ImapSession core: the input loop, states, completions, untagged updates, authentication.
#include "peer/imap_session.hpp"

#include "peer/imap_lexer.hpp"
#include "peer/mime.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include "peer/base64.hpp"

#include <algorithm>

namespace coitest::peer {

using namespace imap;

namespace {

std::string decode_base64(std::string_view in, bool& ok) {
    auto d = base64_decode(in);
    ok = d.has_value();
    return d.value_or(std::string());
}

}  // namespace

ImapSession::ImapSession(Store& store, Recorder* recorder, ImapSessionConfig config,
                         std::uint64_t connection_id)
    : store_(store),
      recorder_(recorder),
      config_(std::move(config)),
      id_(connection_id),
      framer_(config_.framer),
      tls_(config_.tls) {}

ImapSession::~ImapSession() {
    deselect();
}

std::vector<std::string> ImapSession::capabilities() const {
    std::vector<std::string> caps = {"IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE"};
    if (state_ == State::not_authenticated) {
        if (config_.starttls_available && !tls_) caps.push_back("STARTTLS");
        caps.push_back("AUTH=PLAIN");
        // webpush-spec "Capability": not before authentication (unless deviating).
        if (!config_.plain && store_.webpush() &&
            store_.deviations().has(Deviation::webpush_before_login))
            caps.emplace_back(push::kCapability);
        return caps;
    }
    for (const char* c :
         {"NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS",
          "SPECIAL-USE", "CREATE-SPECIAL-USE", "CONDSTORE", "ESEARCH", "QUOTA"})
        caps.push_back(c);
    if (!config_.plain) {
        caps.push_back("METADATA");
        if (!store_.deviations().has(Deviation::no_coi_capability)) caps.push_back("COI");
        if (store_.webpush()) caps.emplace_back(push::kCapability);
    }
    return caps;
}

std::string ImapSession::capability_line() const {
    return fmt::format("{}", fmt::join(capabilities(), " "));
}

std::chrono::seconds ImapSession::timeout() const {
    return state_ == State::not_authenticated ? config_.login_timeout : config_.autologout;
}

std::string ImapSession::greeting() {
    return fmt::format("* OK [CAPABILITY {}] {} ready\r\n", capability_line(), config_.server_name);
}

void ImapSession::record(std::string_view line) {
    if (!recorder_) return;
    CommandRecord r;
    r.connection = id_;
    r.protocol = "imap";
    r.user = account_ ? account_->address : std::string();
    r.line = summarize_line(line);
    recorder_->command(std::move(r));
}

// --- input -------------------------------------------------------------------------------
ImapOutput ImapSession::receive(std::string_view bytes) {
    if (!bytes.empty() && !close_) framer_.feed(bytes);
    bool more = false;
    while (!close_ && !start_tls_) {
        if (out_.size() > config_.output_budget) {
            more = true;  // let the driver write before running more pipelined commands
            break;
        }
        if (idle_tag_ || auth_tag_) {
            auto line = framer_.next_line();
            if (!line) break;
            if (line->kind == FrameEvent::Kind::error) {
                out_ += fmt::format("* BYE {}\r\n", line->message);
                close_ = true;
                break;
            }
            if (auth_tag_) {
                auth_line(line->text);
                continue;
            }
            const std::string tag = *idle_tag_;
            idle_tag_.reset();
            if (detail::iequals(line->text, "DONE")) {
                record("DONE");
                complete(tag, "OK", "IDLE terminated");
            } else {
                record(line->text);
                complete(tag, "BAD", "expected DONE to end IDLE");
            }
            continue;
        }
        FrameEvent ev = framer_.next();
        if (ev.kind == FrameEvent::Kind::need_more) break;
        if (ev.kind == FrameEvent::Kind::continuation) {
            out_ += "+ Ready for literal data\r\n";
            continue;
        }
        if (ev.kind == FrameEvent::Kind::error) {
            record(fmt::format("{} (refused: {})", ev.tag, ev.message));
            if (ev.fatal) {
                out_ += fmt::format("* BYE {}\r\n", ev.message);
                close_ = true;
                break;
            }
            bad(ev.tag, ev.message);
            continue;
        }
        run_line(ev.text);
    }
    ImapOutput o;
    o.data = std::move(out_);
    out_.clear();
    o.close = close_;
    o.start_tls = start_tls_;
    o.more = more && !close_ && !start_tls_;
    start_tls_ = false;
    return o;
}

void ImapSession::tls_started() {
    tls_ = true;
    framer_.clear();  // nothing sent in plain text after STARTTLS may be executed
}

ImapOutput ImapSession::take_pending() {
    ImapOutput o;
    o.data = std::move(out_);
    out_.clear();
    o.close = close_;
    return o;
}

void ImapSession::run_line(std::string_view text) {
    ++commands_;
    auto parsed = parse_command(text, config_.parser);
    if (auto* err = std::get_if<ParseError>(&parsed)) {
        record(text);
        bad(err->tag, err->message);
        return;
    }
    Command& cmd = std::get<Command>(parsed);
    // Credentials never reach records or logs.
    if (std::holds_alternative<LoginCmd>(cmd.body)) {
        record(fmt::format("{} LOGIN {} ***", cmd.tag, std::get<LoginCmd>(cmd.body).user));
    } else if (std::holds_alternative<AuthenticateCmd>(cmd.body)) {
        const auto& a = std::get<AuthenticateCmd>(cmd.body);
        record(fmt::format("{} AUTHENTICATE {}{}", cmd.tag, a.mechanism, a.initial ? " ***" : ""));
    } else {
        record(text);
    }
    execute(cmd);
}

bool ImapSession::allowed(const CommandBody& body) const {
    const bool any = std::holds_alternative<CapabilityCmd>(body) ||
                     std::holds_alternative<NoopCmd>(body) ||
                     std::holds_alternative<LogoutCmd>(body) || std::holds_alternative<IdCmd>(body);
    if (any) return true;
    const bool nonauth = std::holds_alternative<LoginCmd>(body) ||
                         std::holds_alternative<AuthenticateCmd>(body) ||
                         std::holds_alternative<StartTlsCmd>(body);
    if (state_ == State::not_authenticated) return nonauth;
    if (nonauth) return false;
    const bool selected_only =
        std::holds_alternative<CheckCmd>(body) || std::holds_alternative<CloseCmd>(body) ||
        std::holds_alternative<UnselectCmd>(body) || std::holds_alternative<ExpungeCmd>(body) ||
        std::holds_alternative<FetchCmd>(body) || std::holds_alternative<StoreCmd>(body) ||
        std::holds_alternative<CopyCmd>(body) || std::holds_alternative<SearchCmd>(body);
    return !selected_only || state_ == State::selected;
}

void ImapSession::execute(Command& cmd) {
    if (!allowed(cmd.body)) {
        std::string why;
        if (state_ == State::not_authenticated)
            why = fmt::format("{} needs authentication first", cmd.name);
        else if (state_ == State::authenticated && !std::holds_alternative<LoginCmd>(cmd.body) &&
                 !std::holds_alternative<AuthenticateCmd>(cmd.body) &&
                 !std::holds_alternative<StartTlsCmd>(cmd.body))
            why = fmt::format("{} needs a selected mailbox", cmd.name);
        else
            why = fmt::format("{} is not allowed after authentication", cmd.name);
        bad(cmd.tag, why);
        return;
    }
    const bool metadata_cmd = std::holds_alternative<GetMetadataCmd>(cmd.body) ||
                              std::holds_alternative<SetMetadataCmd>(cmd.body);
    if (config_.plain && metadata_cmd) {
        bad(cmd.tag, fmt::format("unknown command {}", cmd.name));
        return;
    }
    bad_commands_ = 0;
    in_command_ = true;
    std::visit([&](const auto& body) { on(cmd.tag, body); }, cmd.body);
    in_command_ = false;
}

// --- output ------------------------------------------------------------------------------
void ImapSession::untagged(std::string_view line) {
    out_ += "* ";
    out_ += line;
    out_ += "\r\n";
}

void ImapSession::complete(const std::string& tag, std::string_view status, std::string_view text,
                           bool allow_expunge) {
    // Acknowledged means on disk (under --data).
    if (auto c = store_.commit(); !c && status == "OK") {
        out_ += fmt::format("{} NO [SERVERBUG] the change could not be saved: {}\r\n", tag,
                            c.error().message);
        return;
    }
    if (sel_ || selected_deleted_) flush_updates(allow_expunge);
    if (close_) return;  // the updates ended in BYE
    out_ += fmt::format("{} {} {}\r\n", tag, status, text);
    if (recorder_) recorder_->log(fmt::format("imap {} S: {} {} {}", id_, tag, status, text));
}

void ImapSession::bad(const std::string& tag, std::string_view why) {
    out_ += fmt::format("{} BAD {}\r\n", tag.empty() ? "*" : tag, why);
    if (++bad_commands_ > config_.max_bad_commands) {
        out_ += "* BYE Too many invalid commands\r\n";
        close_ = true;
    }
}

void ImapSession::no(const std::string& tag, std::string_view code, std::string_view why) {
    if (code.empty())
        complete(tag, "NO", why);
    else
        complete(tag, "NO", fmt::format("[{}] {}", code, why));
}

void ImapSession::no_refusal(const std::string& tag, const Refusal& r) {
    if (r.code == "BAD") {
        bad(tag, r.message);
        return;
    }
    no(tag, r.code, r.message);
}

// --- notifications -----------------------------------------------------------------------
void ImapSession::mailbox_changed() {
    // While the client IDLEs, the updates are computed now, in the order the changes happen
    // (a message stored and moved away again shows as EXISTS, then EXPUNGE); the driver is
    // woken to send them.
    if (!idle_tag_ || in_command_ || close_) return;
    flush_updates(true);
    if (!out_.empty() && wake_) wake_();
}

void ImapSession::mailbox_deleted() {
    if (sel_) sel_->mailbox->remove_observer(this);
    sel_.reset();
    if (state_ == State::selected) state_ = State::authenticated;
    // Another session deleted it: this client must learn that its selection is gone.
    if (!in_command_) {
        selected_deleted_ = true;
        if (idle_tag_) {
            flush_updates(true);
            if (wake_) wake_();
        }
    }
}

void ImapSession::flush_updates(bool allow_expunge) {
    if (selected_deleted_) {
        selected_deleted_ = false;
        out_ += "* BYE The selected mailbox was deleted\r\n";
        close_ = true;
        return;
    }
    if (!sel_) return;
    Mailbox& m = *sel_->mailbox;
    auto& view = sel_->view;
    if (allow_expunge) {
        // Highest sequence number first: no renumbering to track in between.
        for (std::size_t i = view.size(); i-- > 0;) {
            if (!m.find(view[i])) {
                untagged(fmt::format("{} EXPUNGE", i + 1));
                sel_->recent.erase(view[i]);
                sel_->own.erase(view[i]);
                view.erase(view.begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
    }
    // Flag changes made elsewhere.
    for (std::size_t i = 0; i < view.size(); ++i) {
        const StoredMessage* msg = m.find(view[i]);
        if (!msg || msg->modseq <= sel_->reported_modseq) continue;
        auto own = sel_->own.find(msg->uid);
        if (own != sel_->own.end() && own->second == msg->modseq) continue;
        untagged(fmt::format("{} FETCH (UID {} FLAGS ({}){})", i + 1, msg->uid, flags_of(*msg),
                             condstore_ ? fmt::format(" MODSEQ ({})", msg->modseq) : ""));
    }
    // New messages.
    const std::uint32_t last = view.empty() ? 0 : view.back();
    std::size_t added = 0;
    for (const auto& msg : m.messages) {
        if (msg.uid <= last) continue;
        view.push_back(msg.uid);
        ++added;
    }
    if (added > 0) {
        if (!sel_->read_only) {
            for (auto& msg : m.messages)
                if (msg.uid > last && msg.recent) {
                    msg.recent = false;
                    sel_->recent.insert(msg.uid);
                }
        }
        untagged(fmt::format("{} EXISTS", view.size()));
        untagged(fmt::format("{} RECENT", sel_->recent.size()));
    }
    sel_->reported_modseq = m.highestmodseq;
    sel_->own.clear();
}

void ImapSession::deselect() {
    if (sel_) sel_->mailbox->remove_observer(this);
    sel_.reset();
    if (state_ == State::selected) state_ = State::authenticated;
}

// --- authentication ------------------------------------------------------------------------
void ImapSession::login_succeeded(Account& a, const std::string& tag) {
    account_ = &a;
    state_ = State::authenticated;
    failed_logins_ = 0;
    complete(tag, "OK", fmt::format("[CAPABILITY {}] Logged in", capability_line()));
}

void ImapSession::on(const std::string& tag, const LoginCmd& c) {
    if (Account* a = store_.authenticate(c.user, c.password)) {
        login_succeeded(*a, tag);
        return;
    }
    no(tag, "AUTHENTICATIONFAILED", "Invalid credentials");
    if (++failed_logins_ >= config_.max_failed_logins) {
        out_ += "* BYE Too many failed logins\r\n";
        close_ = true;
    }
}

void ImapSession::on(const std::string& tag, const AuthenticateCmd& c) {
    if (c.mechanism != "PLAIN") {
        no(tag, "CANNOT", fmt::format("unsupported mechanism {}", c.mechanism));
        return;
    }
    auth_tag_ = tag;
    if (c.initial) {
        auth_line(*c.initial);
        return;
    }
    out_ += "+ \r\n";
}

void ImapSession::auth_line(std::string_view line) {
    const std::string tag = *auth_tag_;
    auth_tag_.reset();
    record(fmt::format("{} (AUTHENTICATE response) ***", tag));
    if (line == "*") {
        bad(tag, "AUTHENTICATE cancelled");
        return;
    }
    bool ok = true;
    const std::string decoded = line == "=" ? std::string() : decode_base64(line, ok);
    // authzid NUL authcid NUL passwd (RFC 4616)
    const auto first = decoded.find('\0');
    const auto second = first == std::string::npos ? first : decoded.find('\0', first + 1);
    if (!ok || second == std::string::npos) {
        bad(tag, "malformed PLAIN response");
        return;
    }
    const std::string authzid = decoded.substr(0, first);
    const std::string authcid = decoded.substr(first + 1, second - first - 1);
    const std::string password = decoded.substr(second + 1);
    Account* a = store_.authenticate(authcid, password);
    if (a && !authzid.empty() && store_.find_account(authzid) != a) {
        no(tag, "AUTHORIZATIONFAILED", "cannot act as another user");
        return;
    }
    if (!a) {
        no(tag, "AUTHENTICATIONFAILED", "Invalid credentials");
        if (++failed_logins_ >= config_.max_failed_logins) {
            out_ += "* BYE Too many failed logins\r\n";
            close_ = true;
        }
        return;
    }
    login_succeeded(*a, tag);
}

void ImapSession::on(const std::string& tag, const StartTlsCmd&) {
    if (!config_.starttls_available || tls_) {
        bad(tag, tls_ ? "TLS is already active" : "STARTTLS is not offered here");
        return;
    }
    out_ += fmt::format("{} OK Begin TLS negotiation now\r\n", tag);
    start_tls_ = true;
}

// --- commands valid in every state ---------------------------------------------------------
void ImapSession::on(const std::string& tag, const CapabilityCmd&) {
    untagged("CAPABILITY " + capability_line());
    complete(tag, "OK", "CAPABILITY completed");
}

void ImapSession::on(const std::string& tag, const NoopCmd&) {
    complete(tag, "OK", "NOOP completed");
}

void ImapSession::on(const std::string& tag, const LogoutCmd&) {
    untagged("BYE Logging out");
    out_ += fmt::format("{} OK LOGOUT completed\r\n", tag);
    deselect();
    state_ = State::logout;
    close_ = true;
}

void ImapSession::on(const std::string& tag, const IdCmd&) {
    untagged(fmt::format("ID (\"name\" \"{}\" \"vendor\" \"coitest\")", config_.server_name));
    complete(tag, "OK", "ID completed");
}

void ImapSession::on(const std::string& tag, const EnableCmd& c) {
    std::vector<std::string> enabled;
    for (const auto& cap : c.capabilities)
        if (cap == "CONDSTORE") {
            condstore_ = true;
            enabled.push_back(cap);
        }
    untagged(fmt::format("ENABLED{}{}", enabled.empty() ? "" : " ", fmt::join(enabled, " ")));
    complete(tag, "OK", "ENABLE completed");
}

void ImapSession::on(const std::string& tag, const IdleCmd&) {
    out_ += "+ idling\r\n";
    idle_tag_ = tag;
    if (sel_) flush_updates(true);  // anything already waiting goes out at once
}

void ImapSession::on(const std::string& tag, const NamespaceCmd&) {
    untagged(fmt::format("NAMESPACE ((\"\" \"{}\")) NIL NIL", store_.options().delimiter));
    complete(tag, "OK", "NAMESPACE completed");
}

}  // namespace coitest::peer
