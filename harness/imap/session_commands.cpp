// The command helpers of Session: each builds its Command, runs it, and reads the typed value
// out of the responses. None judges NO or BAD; the caller does.
#include "imap/session.hpp"

#include <fmt/format.h>
#include <boost/beast/core/detail/base64.hpp>

namespace coitest::imap {

namespace asio = boost::asio;

namespace {

std::string base64(std::string_view in) {
    namespace b64 = boost::beast::detail::base64;
    std::string out(b64::encoded_size(in.size()), '\0');
    out.resize(b64::encode(out.data(), in.data(), in.size()));
    return out;
}

void add_list(Command& c, const std::vector<std::string>& items) {
    c.open();
    for (const auto& item : items) c.raw(item);
    c.close();
}

template <class T>
Result<Reply<T>> reply(Result<CommandResult>&& r, T (*extract)(const CommandResult&)) {
    if (!r) return r.error();
    Reply<T> out;
    out.value = extract(*r);
    out.result = std::move(*r);
    return out;
}

std::vector<Fetch> fetches(const CommandResult& r) {
    std::vector<Fetch> out;
    for (const Fetch* f : r.all<Fetch>()) out.push_back(*f);
    return out;
}

}  // namespace

asio::awaitable<Result<CommandResult>> Session::command(const Command& command, Deadline d) {
    co_return co_await run(command, d);
}

asio::awaitable<Result<CommandResult>> Session::command(std::string_view text, Deadline d) {
    co_return co_await run(Command(std::string(text)), d);
}

asio::awaitable<Result<Reply<std::vector<std::string>>>> Session::capability(Deadline d) {
    auto r = co_await run(Command("CAPABILITY"), d);
    co_return reply<std::vector<std::string>>(std::move(r), [](const CommandResult& c) {
        std::vector<std::string> out;
        for (const Capability* cap : c.all<Capability>()) out = cap->capabilities;
        return out;
    });
}

asio::awaitable<Result<CommandResult>> Session::login(std::string_view user,
                                                      std::string_view password, Deadline d) {
    connection_->transcript().add_secret(password);
    Command c("LOGIN");
    c.astring(user).astring(password, true);
    const auto updates = capability_updates_;
    auto r = co_await run(c, d);
    // RFC 3501 §6.2.3: capabilities may change after login; keep only what came with it.
    if (r && r->ok() && capability_updates_ == updates) forget_capabilities();
    co_return r;
}

asio::awaitable<Result<CommandResult>> Session::authenticate_plain(std::string_view user,
                                                                   std::string_view password,
                                                                   std::string_view authzid,
                                                                   Deadline d) {
    connection_->transcript().add_secret(password);
    std::string token(authzid);
    token += '\0';
    token += user;
    token += '\0';
    token += password;
    const std::string blob = base64(token);
    connection_->transcript().add_secret(blob);
    const auto updates = capability_updates_;
    Result<CommandResult> r = make_error(ErrorKind::internal, "not run");
    if (has_capability("SASL-IR")) {  // RFC 4959: the response rides on the command line
        Command c("AUTHENTICATE");
        c.raw("PLAIN").astring(blob, true);
        r = co_await run(c, d);
    } else {
        if (auto ready = check_ready("AUTHENTICATE"); !ready) co_return ready.error();
        const auto deadline = resolve(d);
        CommandResult result;
        result.tag = tags_.next();
        result.command = "AUTHENTICATE";
        command_bytes_ = 0;
        const std::string what = result.tag + " AUTHENTICATE PLAIN";
        auto written = co_await write(what + "\r\n", nullptr, what);
        if (!written) co_return written.error();
        auto go_on = co_await await_continuation(result, deadline);
        if (!go_on) co_return go_on.error();
        if (*go_on) {
            const std::string shown = "***\r\n";
            auto sent = co_await write(blob + "\r\n", &shown, what);
            if (!sent) co_return sent.error();
            auto done =
                co_await await_completion(result, deadline, OnBye::fail, OnContinuation::cancel);
            if (!done) co_return done.error();
        }
        r = std::move(result);
    }
    if (r && r->ok() && capability_updates_ == updates) forget_capabilities();
    co_return r;
}

asio::awaitable<Result<Reply<std::vector<std::string>>>> Session::enable(
    const std::vector<std::string>& capabilities, Deadline d) {
    Command c("ENABLE");
    for (const auto& cap : capabilities) c.raw(cap);
    auto r = co_await run(c, d);
    co_return reply<std::vector<std::string>>(std::move(r), [](const CommandResult& c) {
        std::vector<std::string> out;
        for (const Enabled* e : c.all<Enabled>())
            out.insert(out.end(), e->capabilities.begin(), e->capabilities.end());
        return out;
    });
}

asio::awaitable<Result<Reply<std::optional<IdParams>>>> Session::id(
    const std::optional<IdParams>& params, Deadline d) {
    Command c("ID");
    if (!params) {
        c.raw("NIL");
    } else {
        c.open();
        for (const auto& [key, value] : *params) c.string(key).nstring(value);
        c.close();
    }
    auto r = co_await run(c, d);
    co_return reply<std::optional<IdParams>>(std::move(r), [](const CommandResult& c) {
        const auto ids = c.all<Id>();
        return ids.empty() ? std::optional<IdParams>{} : ids.front()->params;
    });
}

asio::awaitable<Result<Reply<std::vector<ListResponse>>>> Session::list(std::string_view reference,
                                                                        std::string_view pattern,
                                                                        const ListOptions& options,
                                                                        Deadline d) {
    Command c("LIST");
    if (!options.selection.empty()) add_list(c, options.selection);
    c.astring(reference).string(pattern);
    if (!options.return_options.empty()) {
        c.raw("RETURN");
        add_list(c, options.return_options);
    }
    auto r = co_await run(c, d);
    co_return reply<std::vector<ListResponse>>(std::move(r), [](const CommandResult& c) {
        std::vector<ListResponse> out;
        for (const ListResponse* l : c.all<ListResponse>()) out.push_back(*l);
        return out;
    });
}

asio::awaitable<Result<Reply<SelectInfo>>> Session::select(std::string_view mailbox,
                                                           SelectOptions options, Deadline d) {
    Command c("SELECT");
    c.astring(mailbox);
    if (options.condstore) c.open().raw("CONDSTORE").close();
    auto r = co_await run(c, d);
    co_return reply<SelectInfo>(std::move(r), &select_info_from);
}

asio::awaitable<Result<Reply<SelectInfo>>> Session::examine(std::string_view mailbox,
                                                            SelectOptions options, Deadline d) {
    Command c("EXAMINE");
    c.astring(mailbox);
    if (options.condstore) c.open().raw("CONDSTORE").close();
    auto r = co_await run(c, d);
    co_return reply<SelectInfo>(std::move(r), &select_info_from);
}

asio::awaitable<Result<Reply<std::optional<AppendUid>>>> Session::append(
    std::string_view mailbox, std::string_view message, const AppendOptions& options, Deadline d) {
    Command c("APPEND");
    c.astring(mailbox);
    if (!options.flags.empty()) add_list(c, options.flags);
    if (options.internal_date) c.string(*options.internal_date);
    c.literal(message);
    auto r = co_await run(c, d);
    co_return reply<std::optional<AppendUid>>(std::move(r), [](const CommandResult& c) {
        if (!c.has_code(CodeKind::appenduid)) return std::optional<AppendUid>{};
        return std::optional<AppendUid>(
            AppendUid{static_cast<std::uint32_t>(c.code()->number), c.code()->uids});
    });
}

asio::awaitable<Result<Reply<std::vector<Fetch>>>> Session::fetch(std::string_view set,
                                                                  std::string_view items, bool uid,
                                                                  Deadline d) {
    Command c(uid ? "UID FETCH" : "FETCH");
    c.raw(set).raw(items);
    auto r = co_await run(c, d);
    co_return reply<std::vector<Fetch>>(std::move(r), &fetches);
}

asio::awaitable<Result<Reply<std::vector<Fetch>>>> Session::store(
    std::string_view set, std::string_view item, const std::vector<std::string>& flags, bool uid,
    Deadline d) {
    Command c(uid ? "UID STORE" : "STORE");
    c.raw(set).raw(item);
    add_list(c, flags);
    auto r = co_await run(c, d);
    co_return reply<std::vector<Fetch>>(std::move(r), &fetches);
}

asio::awaitable<Result<Reply<std::vector<std::uint32_t>>>> Session::search(
    std::string_view criteria, bool uid, Deadline d) {
    Command c(uid ? "UID SEARCH" : "SEARCH");
    c.raw(criteria);
    auto r = co_await run(c, d);
    co_return reply<std::vector<std::uint32_t>>(std::move(r), [](const CommandResult& c) {
        std::vector<std::uint32_t> out;
        for (const Search* s : c.all<Search>())
            out.insert(out.end(), s->numbers.begin(), s->numbers.end());
        return out;
    });
}

asio::awaitable<Result<Reply<std::vector<MetadataEntry>>>> Session::getmetadata(
    std::string_view mailbox, const std::vector<std::string>& entries,
    const MetadataOptions& options, Deadline d) {
    Command c("GETMETADATA");
    // RFC 5464 §4.2: options come before the mailbox name.
    if (options.maxsize || options.depth) {
        c.open();
        if (options.maxsize) c.raw(fmt::format("MAXSIZE {}", *options.maxsize));
        if (options.depth) c.raw("DEPTH").raw(*options.depth);
        c.close();
    }
    c.astring(mailbox);
    if (entries.size() == 1) {
        c.astring(entries.front());
    } else {
        c.open();
        for (const auto& e : entries) c.astring(e);
        c.close();
    }
    auto r = co_await run(c, d);
    co_return reply<std::vector<MetadataEntry>>(std::move(r), [](const CommandResult& c) {
        std::vector<MetadataEntry> out;
        for (const Metadata* m : c.all<Metadata>())
            out.insert(out.end(), m->entries.begin(), m->entries.end());
        return out;
    });
}

asio::awaitable<Result<CommandResult>> Session::setmetadata(
    std::string_view mailbox, const std::vector<MetadataEntry>& entries, Deadline d) {
    Command c("SETMETADATA");
    c.astring(mailbox).open();
    for (const auto& e : entries) c.astring(e.name).nstring(e.value);
    c.close();
    co_return co_await run(c, d);
}

asio::awaitable<Result<CommandResult>> Session::noop(Deadline d) {
    co_return co_await run(Command("NOOP"), d);
}

asio::awaitable<Result<CommandResult>> Session::logout(Deadline d) {
    auto r = co_await run(Command("LOGOUT"), d, OnBye::keep);
    if (r) {
        connection_->close();
        if (!broken_) broken_ = make_error(ErrorKind::network, "the session has logged out");
    }
    co_return r;
}

}  // namespace coitest::imap
