#include "peer/smtp_session.hpp"

#include <fmt/format.h>
#include "peer/base64.hpp"

#include <algorithm>
#include <set>

namespace coitest::peer {

namespace {

std::string decode_base64(std::string_view in, bool& ok) {
    auto d = base64_decode(in);
    ok = d.has_value();
    return d.value_or(std::string());
}

std::string encode_base64(std::string_view in) {
    return base64_encode(in);
}

bool istarts(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = s[i];
        if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 32);
        if (a != prefix[i]) return false;
    }
    return true;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

// "<addr> PARAMS" after "FROM:"/"TO:": the address (without brackets) and the parameters.
std::optional<std::pair<std::string, std::string>> path_and_params(std::string_view rest) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty() || rest.front() != '<') return std::nullopt;
    const auto close = rest.find('>');
    if (close == std::string_view::npos) return std::nullopt;
    std::string addr(rest.substr(1, close - 1));
    // A source route (<@a,@b:user@host>) is accepted and dropped (RFC 5321 §4.1.2).
    if (!addr.empty() && addr.front() == '@') {
        const auto colon = addr.find(':');
        if (colon == std::string::npos) return std::nullopt;
        addr.erase(0, colon + 1);
    }
    if (addr.find_first_of(" <>\r\n") != std::string::npos) return std::nullopt;
    std::string params(rest.substr(close + 1));
    while (!params.empty() && params.front() == ' ') params.erase(0, 1);
    return std::make_pair(std::move(addr), std::move(params));
}

}  // namespace

SmtpSession::SmtpSession(Store& store, Recorder* recorder, SmtpSessionConfig config,
                         std::uint64_t connection_id)
    : store_(store),
      recorder_(recorder),
      config_(std::move(config)),
      id_(connection_id),
      tls_(config_.tls) {}

std::string SmtpSession::greeting() const {
    return fmt::format("220 {} {} coitest ready\r\n", config_.hostname,
                       config_.lmtp ? "LMTP" : "ESMTP");
}

void SmtpSession::reply(std::string_view text) {
    out_ += text;
    out_ += "\r\n";
}

void SmtpSession::record(std::string_view line) {
    if (!recorder_) return;
    CommandRecord r;
    r.connection = id_;
    r.protocol = config_.lmtp ? "lmtp" : "smtp";
    r.user = user_ ? user_->address : std::string();
    r.line = summarize_line(line);
    recorder_->command(std::move(r));
}

void SmtpSession::bad_command(std::string_view text) {
    reply(text);
    if (++bad_commands_ > config_.max_bad_commands) {
        reply("421 4.7.0 Too many errors, closing");
        close_ = true;
    }
}

void SmtpSession::tls_started() {
    tls_ = true;
    // RFC 3207 §4.2: forget everything learnt before TLS; plain-text leftovers are dropped.
    in_.clear();
    in_start_ = 0;
    helo_.reset();
    user_ = nullptr;
    reset_transaction();
}

void SmtpSession::reset_transaction() {
    mail_from_.reset();
    rcpts_.clear();
    in_data_ = false;
    message_.clear();
    too_big_ = false;
}

SmtpOutput SmtpSession::receive(std::string_view bytes) {
    in_.append(bytes);
    while (!close_ && !start_tls_) {
        const std::string_view pending = std::string_view(in_).substr(in_start_);
        const std::size_t lf = pending.find('\n');
        if (lf == std::string_view::npos) {
            const std::size_t limit = in_data_ ? config_.max_message + 2 : config_.max_line;
            if (pending.size() > limit) {
                if (in_data_) {
                    too_big_ = true;  // keep reading to the end of the message, storing nothing
                    message_.clear();
                } else {
                    discarding_line_ = true;
                }
                in_.clear();
                in_start_ = 0;
            }
            break;
        }
        const std::string_view line = pending.substr(0, lf + 1);
        std::string copy(line);
        in_start_ += lf + 1;
        if (in_data_) {
            data_line(copy);
            continue;
        }
        if (discarding_line_) {
            discarding_line_ = false;
            bad_command("500 5.5.6 Line too long");
            continue;
        }
        if (copy.size() > config_.max_line) {
            bad_command("500 5.5.6 Line too long");
            continue;
        }
        std::string_view cmd = copy;
        while (!cmd.empty() && (cmd.back() == '\n' || cmd.back() == '\r')) cmd.remove_suffix(1);
        command(cmd);
    }
    if (in_start_ > 0 && (in_start_ == in_.size() || in_start_ > 65536)) {
        in_.erase(0, in_start_);
        in_start_ = 0;
    }
    SmtpOutput o;
    o.data = std::move(out_);
    out_.clear();
    o.close = close_;
    o.start_tls = start_tls_;
    start_tls_ = false;
    return o;
}

void SmtpSession::data_line(std::string_view line) {
    if (line == ".\r\n" || line == ".\n") {
        in_data_ = false;
        finish_message();
        return;
    }
    if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-unstuffing
    if (too_big_) return;
    if (message_.size() + line.size() > config_.max_message) {
        too_big_ = true;
        message_.clear();
        return;
    }
    message_.append(line);
}

void SmtpSession::command(std::string_view line) {
    ++commands_;
    const std::string verb = upper(line.substr(0, line.find(' ')));
    const std::string_view arg = line.find(' ') == std::string_view::npos
                                     ? std::string_view()
                                     : line.substr(line.find(' ') + 1);

    if (auth_ != Auth::none) {
        record("(AUTH response) ***");
        if (line == "*") {
            auth_ = Auth::none;
            reply("501 5.7.0 Authentication cancelled");
            return;
        }
        bool ok = true;
        if (auth_ == Auth::plain_wait) {
            auth_ = Auth::none;
            auth_plain(line);
        } else if (auth_ == Auth::login_user) {
            login_user_ = decode_base64(line, ok);
            if (!ok) {
                auth_ = Auth::none;
                reply("501 5.5.2 Invalid base64");
                return;
            }
            auth_ = Auth::login_password;
            reply("334 " + encode_base64("Password:"));
        } else {
            auth_ = Auth::none;
            const std::string password = decode_base64(line, ok);
            if (!ok) {
                reply("501 5.5.2 Invalid base64");
                return;
            }
            auth_done(login_user_, password);
        }
        return;
    }
    record(verb == "AUTH" ? fmt::format("AUTH {}", upper(arg.substr(0, arg.find(' ')))) : line);

    if (verb == "QUIT") {
        reply(fmt::format("221 2.0.0 {} closing", config_.hostname));
        close_ = true;
        return;
    }
    if (verb == "NOOP") return reply("250 2.0.0 Ok");
    if (verb == "RSET") {
        reset_transaction();
        return reply("250 2.0.0 Ok");
    }
    if (verb == "VRFY") return reply("252 2.5.0 Cannot verify, will attempt delivery");
    if (verb == "HELP") return reply("214 2.0.0 See RFC 5321");
    const bool hello = config_.lmtp ? verb == "LHLO" : (verb == "EHLO" || verb == "HELO");
    if (hello) {
        if (arg.empty()) return bad_command("501 5.5.4 A domain or address is needed");
        helo_ = std::string(arg);
        reset_transaction();
        if (verb == "HELO") return reply(fmt::format("250 {}", config_.hostname));
        std::vector<std::string> ext = {"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES",
                                        fmt::format("SIZE {}", config_.max_message)};
        if (config_.starttls_available && !tls_) ext.push_back("STARTTLS");
        if (!config_.lmtp) ext.push_back("AUTH PLAIN LOGIN");
        out_ += fmt::format("250-{}\r\n", config_.hostname);
        for (std::size_t i = 0; i < ext.size(); ++i)
            out_ += fmt::format("250{}{}\r\n", i + 1 == ext.size() ? ' ' : '-', ext[i]);
        return;
    }
    if (verb == "EHLO" || verb == "HELO" || verb == "LHLO")
        return bad_command(config_.lmtp ? "500 5.5.1 This is LMTP: use LHLO"
                                        : "500 5.5.1 LHLO is for LMTP");
    if (verb == "STARTTLS") {
        if (!config_.starttls_available || tls_) return bad_command("454 4.7.0 TLS not available");
        reply("220 2.0.0 Ready to start TLS");
        start_tls_ = true;
        return;
    }
    if (!helo_)
        return bad_command(config_.lmtp ? "503 5.5.1 Send LHLO first"
                                        : "503 5.5.1 Send EHLO first");
    if (verb == "AUTH") {
        if (config_.lmtp) return bad_command("502 5.5.1 No AUTH in LMTP");
        if (user_) return bad_command("503 5.5.1 Already authenticated");
        if (mail_from_) return bad_command("503 5.5.1 Not during a mail transaction");
        const std::string mech = upper(arg.substr(0, arg.find(' ')));
        const std::string_view ir = arg.find(' ') == std::string_view::npos
                                        ? std::string_view()
                                        : arg.substr(arg.find(' ') + 1);
        if (mech == "PLAIN") {
            if (ir.empty()) {
                auth_ = Auth::plain_wait;
                return reply("334 ");
            }
            return auth_plain(ir);
        }
        if (mech == "LOGIN") {
            if (ir.empty()) {
                auth_ = Auth::login_user;
                return reply("334 " + encode_base64("Username:"));
            }
            bool ok = true;
            login_user_ = decode_base64(ir, ok);
            if (!ok) return bad_command("501 5.5.2 Invalid base64");
            auth_ = Auth::login_password;
            return reply("334 " + encode_base64("Password:"));
        }
        return bad_command("504 5.5.4 Unsupported mechanism");
    }
    if (verb == "MAIL") {
        if (!config_.lmtp && !user_) return bad_command("530 5.7.0 Authentication required");
        if (mail_from_) return bad_command("503 5.5.1 Nested MAIL command");
        if (!istarts(arg, "FROM:")) return bad_command("501 5.5.4 Syntax: MAIL FROM:<address>");
        auto p = path_and_params(arg.substr(5));
        if (!p) return bad_command("501 5.1.7 Bad sender address syntax");
        const std::string params = upper(p->second);
        if (const auto s = params.find("SIZE="); s != std::string::npos) {
            const std::uint64_t size = std::strtoull(params.c_str() + s + 5, nullptr, 10);
            if (size > config_.max_message) return reply("552 5.3.4 Message too big");
        }
        mail_from_ = p->first;
        return reply("250 2.1.0 Ok");
    }
    if (verb == "RCPT") {
        if (!mail_from_) return bad_command("503 5.5.1 Need MAIL first");
        if (!istarts(arg, "TO:")) return bad_command("501 5.5.4 Syntax: RCPT TO:<address>");
        auto p = path_and_params(arg.substr(3));
        if (!p || p->first.empty()) return bad_command("501 5.1.3 Bad recipient address syntax");
        if (rcpts_.size() >= config_.max_recipients) return reply("452 4.5.3 Too many recipients");
        if (config_.lmtp && !store_.find_account(p->first))
            return reply(fmt::format("550 5.1.1 <{}> No such user here", p->first));
        rcpts_.push_back(p->first);
        return reply("250 2.1.5 Ok");
    }
    if (verb == "DATA") {
        if (!mail_from_) return bad_command("503 5.5.1 Need MAIL first");
        if (rcpts_.empty()) return bad_command("554 5.5.1 No valid recipients");
        in_data_ = true;
        message_.clear();
        too_big_ = false;
        return reply("354 End data with <CR><LF>.<CR><LF>");
    }
    if (verb == "BDAT") return bad_command("502 5.5.1 CHUNKING is not offered");
    bad_command("500 5.5.2 Unknown command");
}

void SmtpSession::auth_plain(std::string_view b64) {
    bool ok = true;
    const std::string decoded = b64 == "=" ? std::string() : decode_base64(b64, ok);
    const auto first = decoded.find('\0');
    const auto second = first == std::string::npos ? first : decoded.find('\0', first + 1);
    if (!ok || second == std::string::npos)
        return bad_command("501 5.5.2 Malformed PLAIN response");
    const std::string authzid = decoded.substr(0, first);
    const std::string user = decoded.substr(first + 1, second - first - 1);
    Account* a = store_.authenticate(user, decoded.substr(second + 1));
    if (a && !authzid.empty() && store_.find_account(authzid) != a)
        return reply("535 5.7.8 Cannot act as another user");
    auth_done(user, decoded.substr(second + 1));
}

void SmtpSession::auth_done(std::string_view user, std::string_view password) {
    Account* a = store_.authenticate(user, password);
    if (!a) return bad_command("535 5.7.8 Authentication credentials invalid");
    user_ = a;
    reply("235 2.7.0 Authentication successful");
}

void SmtpSession::finish_message() {
    if (too_big_) {
        const std::size_t replies = config_.lmtp ? std::max<std::size_t>(1, rcpts_.size()) : 1;
        reset_transaction();
        for (std::size_t i = 0; i < replies; ++i) reply("552 5.3.4 Message too big");
        return;
    }
    Submission s;
    s.protocol = config_.lmtp ? "lmtp" : "smtp";
    s.user = user_ ? user_->address : std::string();
    s.helo = helo_.value_or("");
    s.mail_from = mail_from_.value_or("");
    s.rcpt_to = rcpts_;
    s.tls = tls_;
    std::vector<std::string> replies;
    std::set<const Account*> done;
    for (const auto& rcpt : rcpts_) {
        Account* a = store_.find_account(rcpt);
        if (!a) {
            replies.push_back(
                fmt::format("250 2.1.5 <{}> accepted for relay (recorded only)", rcpt));
            continue;
        }
        if (done.contains(a)) {
            replies.push_back(fmt::format("250 2.0.0 <{}> delivered", rcpt));
            continue;
        }
        auto r = store_.deliver(*a, message_);
        if (!r) {
            replies.push_back(r.error().code == "OVERQUOTA"
                                  ? fmt::format("552 5.2.2 <{}> {}", rcpt, r.error().message)
                                  : fmt::format("451 4.3.0 <{}> {}", rcpt, r.error().message));
            continue;
        }
        done.insert(a);
        s.delivered_to.push_back(a->address);
        replies.push_back(fmt::format("250 2.0.0 <{}> delivered to {}", rcpt, r->mailbox));
    }
    if (auto c = store_.commit(); !c) {
        for (auto& r : replies) r = fmt::format("451 4.3.0 {}", c.error().message);
    }
    s.bytes = std::move(message_);
    const std::uint64_t number =
        recorder_ ? recorder_->submission(std::move(s), store_.persistence()) : 0;
    if (config_.lmtp) {
        for (const auto& r : replies) reply(r);
    } else {
        // Submission takes responsibility for the whole message at once.
        const bool any_failed = std::any_of(replies.begin(), replies.end(),
                                            [](const std::string& r) { return r[0] != '2'; });
        if (any_failed && replies.size() == 1)
            reply(replies.front());
        else
            reply(fmt::format("250 2.0.0 Ok: queued as {}", number));
    }
    reset_transaction();
}

}  // namespace coitest::peer
