#include "script/interpreter.hpp"

#include "script/assertions.hpp"

#include "imap/command.hpp"
#include "imap/response_reader.hpp"
#include "imap/session.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <set>

namespace coitest::script {

namespace {

namespace asio = boost::asio;
using Clock = net::Clock;

// A MUST section failed without keep-going: the body ends here, cleanup still runs.
struct StopScript {};

constexpr std::size_t kSeenResponses = 12;
constexpr std::size_t kSeenLineBytes = 240;

bool iequal(std::string_view a, std::string_view b) {
    return imap::iequals(a, b);
}

std::string clip(std::string_view s, std::size_t max = kSeenLineBytes) {
    std::string out(s.substr(0, max));
    if (s.size() > max) out += "…";
    return out;
}

// One IMAP connection of the script, read with our own response reader (the session only
// connects, reads the greeting and does STARTTLS), so the interpreter sees every response in
// order and can wait without closing the socket.
struct Conn {
    std::string name;
    std::optional<std::size_t> account;
    std::optional<imap::Session> session;
    imap::ResponseReader reader;
    std::vector<WireView> pending;  // read but not yet judged by an expectation block
    std::vector<WireView> last;     // what the last block received (assert, seen)
    std::vector<std::string> unparseable;
    std::vector<std::string> caps;
    bool caps_known = false;
    imap::TagGenerator tags{"x"};
    std::string last_auto_tag;
    std::string last_command_tag;
    std::set<std::string, std::less<>> outstanding;  // tags sent without a completion yet
    bool awaiting_data = false;  // a block matched "+": the next C: line is data
    std::string data_for;        // the tag of the command that waits for that data
    bool broken = false;

    bool usable() const { return session && session->usable() && !broken; }
};

struct Piece {
    std::string wire;
    std::string shown;
    bool wait = false;  // ends with a synchronizing literal's announcement
};

struct SectionState {
    bool any = false;
    bool failed = false;
    std::string expected, seen, where;
};

struct LineResult {
    bool ok = false;
    std::string seen;
};

class Interpreter {
  public:
    Interpreter(TestContext& ctx, const Script& script, const ScriptHooks& hooks)
        : ctx_(ctx), script_(script), hooks_(hooks), states_(script.sections.size()) {
        const auto& names = script.header.accounts;
        for (std::size_t i = 0; i < names.size(); ++i) {
            const Account& a = ctx.account(i);
            vars_[names[i] + ".address"] = a.address;
            vars_[names[i] + ".login"] = a.login;
            vars_[names[i] + ".password"] = a.password;
            const std::string plain = std::string(1, '\0') + a.login + '\0' + a.password;
            vars_[names[i] + ".sasl_plain"] = base64_encode(plain);
            ctx.transcript().add_secret(base64_encode(plain));
        }
    }

    asio::awaitable<void> run() {
        std::exception_ptr failure;
        try {
            co_await body(script_.body);
        } catch (const StopScript&) {
            ctx_.note("the script stopped after a failed MUST; cleanup follows");
        } catch (...) {
            failure = std::current_exception();
        }
        aborted_ = failure != nullptr;
        in_cleanup_ = true;
        // A connection left in the middle of a command (IDLE, an unanswered command) is in a
        // state cleanup lines cannot know: cleanup gets a fresh one when it uses it.
        for (auto& entry : conns_) {
            Conn& c = *entry.second;
            if (c.usable() && (c.awaiting_data || !c.outstanding.empty())) {
                ctx_.note(fmt::format("{} is in the middle of a command; cleanup will reconnect it",
                                      c.name));
                c.session->close();
                c.broken = true;
            }
        }
        for (const auto& st : script_.cleanup) {
            std::string problem;
            try {
                co_await statement(st);
            } catch (const std::exception& e) {
                problem = e.what();
            } catch (const StopScript&) {
            }
            if (!problem.empty())
                ctx_.note(
                    fmt::format("cleanup at {} did not complete: {}", st.at.where(), problem));
        }
        for (auto& [name, c] : conns_)
            if (c->session) c->session->close();
        emit_findings();
        if (failure) std::rethrow_exception(failure);
    }

  private:
    // --- errors -----------------------------------------------------------------------------
    [[noreturn]] void script_error(const Location& at, const std::string& message) {
        throw ErrorException(
            make_error(ErrorKind::config, fmt::format("{}: {}", at.where(), message)));
    }
    [[noreturn]] void io_error(const Location& at, const Error& e, std::string_view doing) {
        throw ErrorException(
            make_error(e.kind, fmt::format("{}: {}: {}", at.where(), doing, e.message)));
    }

    // --- variables --------------------------------------------------------------------------
    const std::string* lookup(std::string_view name) const {
        const auto it = vars_.find(name);
        return it == vars_.end() ? nullptr : &it->second;
    }
    Lookup lookup_fn() const {
        return [this](std::string_view name) { return lookup(name); };
    }
    std::string expand_or_fail(const Template& t, const Location& at) {
        auto v = expand(t, lookup_fn());
        if (!v) script_error(at, v.error().message);
        return std::move(*v);
    }
    std::string shown(std::string_view s) const { return ctx_.transcript().redact(std::string(s)); }

    // --- judging ----------------------------------------------------------------------------
    void record(int section, const Location& at, bool ok, const std::string& expected,
                const std::string& seen) {
        if (in_cleanup_) {
            if (!ok)
                ctx_.note(fmt::format("cleanup at {}: expected {} / seen {}", at.where(),
                                      shown(expected), shown(seen)));
            return;
        }
        if (section == kSetup) {
            if (!ok && !setup_failure_)
                setup_failure_ = fmt::format("{}: a set-up step failed: expected {} / seen {}",
                                             at.where(), shown(expected), shown(seen));
            return;
        }
        SectionState& st = states_[static_cast<std::size_t>(section)];
        st.any = true;
        last_section_ = section;
        if (ok || st.failed) return;
        st.failed = true;
        st.expected = shown(expected);
        st.seen = shown(seen);
        st.where = at.where();
        if (script_.sections[static_cast<std::size_t>(section)].stop_on_failure) stop_ = true;
    }

    // After a block or an assertion: a set-up failure is an error, a MUST failure stops.
    void settle() {
        if (setup_failure_) {
            std::string message = std::move(*setup_failure_);
            setup_failure_.reset();
            throw ErrorException(make_error(ErrorKind::protocol, message));
        }
        if (stop_ && !in_cleanup_) {
            stop_ = false;
            throw StopScript{};
        }
    }

    void emit_findings() {
        for (std::size_t i = 0; i < states_.size(); ++i) {
            const SectionState& st = states_[i];
            const Section& s = script_.sections[i];
            if (!st.any) continue;
            if (st.failed) {
                ctx_.unmet(s.requirement, st.expected, st.seen, st.where);
            } else if (!(aborted_ && static_cast<int>(i) == last_section_)) {
                // (A section cut short by an error is not claimed as met.)
                ctx_.met(s.requirement, s.at.where());
            }
        }
    }

    // --- statements -------------------------------------------------------------------------
    asio::awaitable<void> body(const Body& statements) {
        for (const auto& st : statements) co_await statement(st);
    }

    asio::awaitable<void> statement(const Statement& st) {
        if (const auto* s = std::get_if<Send>(&st.node)) {
            co_await send(*s, st.at);
        } else if (const auto* b = std::get_if<ExpectBlock>(&st.node)) {
            co_await block(*b);
        } else if (const auto* c = std::get_if<Connect>(&st.node)) {
            co_await connect(*c, st.at);
        } else if (const auto* v = std::get_if<Set>(&st.node)) {
            set(*v, st.at);
        } else if (const auto* d = std::get_if<Deliver>(&st.node)) {
            co_await deliver(*d, st.at);
        } else if (const auto* a = std::get_if<Assert>(&st.node)) {
            co_await assertion(*a);
        } else if (const auto* r = std::get_if<Require>(&st.node)) {
            if (in_cleanup_) co_return;
            const bool holds = co_await condition(r->condition, st.at);
            if (!holds) {
                if (r->because.empty()) ctx_.not_applicable(reason(r->condition, st.at));
                // An assertion condition also says what it saw.
                const bool detail = r->condition.kind == Condition::Kind::assertion;
                ctx_.not_applicable(fmt::format("{} (precondition at {}{}{})", r->because,
                                                st.at.where(), detail ? "; " : "",
                                                detail ? last_condition_ : std::string()));
            }
        } else if (const auto* i = std::get_if<If>(&st.node)) {
            const bool holds = co_await condition(i->condition, st.at);
            if (holds) {
                co_await body(*i->then_body);
            } else {
                co_await body(*i->else_body);
            }
        } else if (const auto* rep = std::get_if<Repeat>(&st.node)) {
            for (std::size_t n = 0; n < rep->count; ++n) co_await body(*rep->body);
        }
    }

    // --- connections ------------------------------------------------------------------------
    asio::awaitable<void> connect(const Connect& c, const Location& at) {
        if (!ctx_.target().imap) ctx_.not_applicable("the target has no IMAP endpoint");
        auto fresh = std::make_unique<Conn>();
        fresh->name = c.conn;
        fresh->account = c.account;
        imap::SessionOptions options;
        options.connect = ctx_.connect_options(c.conn);
        auto session =
            co_await imap::Session::connect(*ctx_.target().imap, options, ctx_.transcript());
        if (!session) io_error(at, session.error(), fmt::format("connecting {}", c.conn));
        fresh->session.emplace(std::move(*session));
        if (fresh->session->capabilities_known()) {
            fresh->caps = fresh->session->capabilities();
            fresh->caps_known = true;
        }
        if (auto old = conns_.find(c.conn); old != conns_.end() && old->second->session)
            old->second->session->close();
        Conn* conn = fresh.get();
        conns_[c.conn] = std::move(fresh);
        if (c.account) co_await login(*conn, *c.account, at);
        if (c.account && !header_checked_ && !in_cleanup_) {
            header_checked_ = true;
            for (const auto& alternatives : script_.header.capabilities) {
                Condition cond;
                cond.kind = Condition::Kind::capability;
                cond.conn = c.conn;
                cond.names = alternatives;
                const bool holds = co_await condition(cond, at);
                if (!holds)
                    ctx_.not_applicable(fmt::format(
                        "the test requires capability {} after login (the script's header); {} "
                        "advertises {}",
                        fmt::join(alternatives, " or "), c.conn, describe_caps(*conn)));
            }
        }
    }

    asio::awaitable<void> login(Conn& c, std::size_t account, const Location& at) {
        const Account& a = ctx_.account(account);
        imap::Command cmd("LOGIN");
        cmd.astring(a.login).astring(a.password, true);
        const std::string tag = c.tags.next();
        std::vector<Piece> pieces;
        for (auto& p : cmd.render(tag, imap::LiteralMode::synchronizing))
            pieces.push_back({std::move(p.wire), std::move(p.shown), p.wait_continuation});
        c.outstanding.insert(tag);
        co_await send_pieces(c, pieces, tag, at);
        // The exchange belongs to `connect`, not to the script's expectations.
        std::optional<WireView> done;
        for (;;) {
            if (auto it = completion_in(c.pending, tag); it != c.pending.end()) {
                done = std::move(*it);
                c.pending.erase(it);
                break;
            }
            auto r = co_await next_response(c, Clock::now() + ctx_.step_timeout(), false);
            if (!r) io_error(at, r.error(), fmt::format("logging in as {}", a.address));
            c.pending.push_back(std::move(**r));
        }
        c.pending.clear();  // CAPABILITY and the like, sent during login
        const imap::StatusResponse* s = done->response().status();
        if (!s || s->status != imap::Status::ok)
            ctx_.environment_error(fmt::format(
                "{}: the target refused LOGIN for {} ({}); check the account's password",
                at.where(), a.address, done->line()));
        if (!(done->response().code() &&
              done->response().code()->kind == imap::CodeKind::capability)) {
            // Capabilities change with authentication (RFC 3501 §6.2.3): ask again when needed.
            c.caps.clear();
            c.caps_known = false;
        }
    }

    // The connection `name`; in cleanup, a broken one is opened again first.
    asio::awaitable<Conn*> use(const std::string& name, const Location& at) {
        auto it = conns_.find(name);
        if (in_cleanup_ && (it == conns_.end() || !it->second->usable())) {
            std::optional<std::size_t> account;
            if (it != conns_.end()) account = it->second->account;
            if (it == conns_.end()) script_error(at, fmt::format("{} was never connected", name));
            ctx_.note(fmt::format("cleanup: reconnecting {}", name));
            Connect again{name, account};
            co_await connect(again, at);
            it = conns_.find(name);
        }
        if (it == conns_.end()) script_error(at, fmt::format("{} is not connected", name));
        if (!it->second->usable())
            script_error(at, fmt::format("{} cannot be used any more (it failed or was closed "
                                         "earlier)",
                                         name));
        co_return it->second.get();
    }

    void learn(Conn& c, const imap::Response& r) {
        if (const auto* caps = r.get<imap::Capability>()) {
            c.caps = caps->capabilities;
            c.caps_known = true;
        } else if (const imap::ResponseCode* code = r.code();
                   code && code->kind == imap::CodeKind::capability) {
            c.caps = code->list;
            c.caps_known = true;
        }
        if (const auto* t = r.get<imap::Tagged>()) {
            const auto it = c.outstanding.find(t->tag);
            if (it != c.outstanding.end()) c.outstanding.erase(it);
            // The command that asked for continuation data is over.
            if (c.awaiting_data && t->tag == c.data_for) c.awaiting_data = false;
        }
    }

    // The next response on `c`. gentle: wait without closing the connection, nullopt at the
    // deadline; otherwise the deadline is an Error (and the connection is closed).
    asio::awaitable<Result<std::optional<WireView>>> next_response(Conn& c,
                                                                   Clock::time_point deadline,
                                                                   bool gentle) {
        for (;;) {
            imap::ReadResult next = c.reader.next();
            if (auto* r = std::get_if<imap::Response>(&next)) {
                learn(c, *r);
                co_return std::optional<WireView>(WireView(std::move(*r)));
            }
            if (auto* e = std::get_if<Error>(&next)) {
                if (c.reader.failed()) {
                    c.broken = true;
                    co_return *e;
                }
                c.unparseable.push_back(e->message);
                continue;
            }
            net::Connection& conn = c.session->connection();
            Clock::time_point read_deadline = deadline;
            if (gentle) {
                auto ready = co_await conn.wait_readable(deadline);
                if (!ready) {
                    c.broken = true;
                    co_return ready.error();
                }
                if (!*ready) co_return std::optional<WireView>{};
                read_deadline = std::max(deadline, Clock::now() + ctx_.step_timeout());
            }
            auto bytes = co_await conn.read_some(read_deadline);
            if (!bytes) {
                c.broken = true;
                co_return bytes.error();
            }
            c.reader.feed(*bytes);
        }
    }

    static std::vector<WireView>::iterator completion_in(std::vector<WireView>& v,
                                                         std::string_view tag) {
        return std::find_if(v.begin(), v.end(), [&](const WireView& w) {
            const auto* t = w.response().get<imap::Tagged>();
            return t && t->tag == tag;
        });
    }

    // Writes the pieces; after each synchronizing literal announcement, waits for "+". When the
    // server completes the command instead, the rest is not sent (the completion is pending).
    asio::awaitable<void> send_pieces(Conn& c, const std::vector<Piece>& pieces,
                                      const std::string& tag, const Location& at) {
        net::Connection& conn = c.session->connection();
        for (const auto& p : pieces) {
            auto written = co_await conn.write(p.wire, p.shown.empty() ? nullptr : &p.shown);
            if (!written) {
                c.broken = true;
                io_error(at, written.error(), fmt::format("sending on {}", c.name));
            }
            if (!p.wait) continue;
            for (;;) {
                auto r = co_await next_response(c, Clock::now() + ctx_.step_timeout(), false);
                if (!r) io_error(at, r.error(), "waiting for the server's \"+\" before a literal");
                WireView w = std::move(**r);
                if (w.response().is_continuation()) break;
                const auto* t = w.response().get<imap::Tagged>();
                const bool refused = t && t->tag == tag;
                c.pending.push_back(std::move(w));
                if (refused) co_return;
            }
        }
    }

    asio::awaitable<void> send(const Send& s, const Location& at) {
        Conn* c = co_await use(s.conn, at);
        std::string tag;
        const Template* text = &s.full;
        if (c->awaiting_data) {
            c->awaiting_data = false;  // continuation data (IDLE's DONE, a SASL response)
        } else if (s.tag == ".") {
            tag = c->tags.next();
            c->last_auto_tag = tag;
            text = &s.rest;
        } else if (s.tag.empty()) {
            script_error(at, "a client line needs a tag first (or must follow an expected '+')");
        } else {
            tag = s.tag;
        }
        auto parts = expand_parts(*text, lookup_fn());
        if (!parts) script_error(at, parts.error().message);
        std::vector<Piece> pieces(1);
        if (text == &s.rest) pieces.back().wire = tag + " ";
        for (const auto& p : *parts) {
            if (!p.literal) {
                pieces.back().wire += p.text;
                continue;
            }
            pieces.back().wire += fmt::format("{{{}{}}}\r\n", p.text.size(), p.non_sync ? "+" : "");
            if (!p.non_sync) {
                pieces.back().wait = true;
                pieces.emplace_back();
            }
            pieces.back().wire += p.text;
        }
        pieces.back().wire += "\r\n";
        if (!tag.empty()) {
            c->outstanding.insert(tag);
            c->last_command_tag = tag;
        }
        co_await send_pieces(*c, pieces, tag, at);
    }

    // --- expectation blocks -----------------------------------------------------------------
    struct Evaluation {
        std::vector<LineResult> lines;
        bool required_untagged_ok = true;
        bool forbidden_seen = false;
        std::vector<bool> continuation_matched;
    };

    std::string seen_text(const std::vector<WireView>& window,
                          const std::vector<std::string>& unparseable) const {
        std::vector<std::string> lines;
        for (std::size_t i = 0; i < window.size() && i < kSeenResponses; ++i)
            lines.push_back(clip(window[i].line()));
        if (window.size() > kSeenResponses)
            lines.push_back(fmt::format("… and {} more", window.size() - kSeenResponses));
        for (const auto& u : unparseable) lines.push_back("(unparseable: " + clip(u) + ")");
        if (lines.empty()) return "nothing";
        return fmt::format("{}", fmt::join(lines, " | "));
    }

    std::string expected_text(const Expect& e, const Captures& block) const {
        std::string out = e.source;
        std::vector<std::string> shown_vars;
        for (const auto& v : e.pattern->variables()) {
            if (std::find(shown_vars.begin(), shown_vars.end(), v) != shown_vars.end()) continue;
            shown_vars.push_back(v);
            const std::string* value = nullptr;
            for (auto it = block.rbegin(); it != block.rend() && !value; ++it)
                if (it->first == v) value = &it->second;
            if (!value) value = lookup(v);
            if (value) out += fmt::format(" [{} = {}]", v, clip(*value, 80));
        }
        return out;
    }

    Evaluation evaluate(const ExpectBlock& b, const std::vector<std::string>& tags,
                        const std::vector<WireView>& window, Captures& block) const {
        Evaluation ev;
        ev.lines.resize(b.lines.size());
        ev.continuation_matched.resize(b.lines.size(), false);
        std::vector<bool> used(window.size(), false);
        const Lookup look = [&](std::string_view name) -> const std::string* {
            for (auto it = block.rbegin(); it != block.rend(); ++it)
                if (it->first == name) return &it->second;
            return lookup(name);
        };
        for (std::size_t i = 0; i < b.lines.size(); ++i) {
            const Expect& e = b.lines[i];
            if (e.kind == Expect::Kind::forbidden) continue;
            bool found = false, exhausted = false;
            for (std::size_t j = 0; j < window.size() && !found; ++j) {
                if (used[j]) continue;
                Captures caps;
                MatchBudget budget;
                if (match(*e.pattern, window[j], tags[i], look, caps, budget)) {
                    used[j] = found = true;
                    block.insert(block.end(), caps.begin(), caps.end());
                }
                exhausted = exhausted || budget.exhausted;
            }
            ev.lines[i].ok = found || e.kind == Expect::Kind::optional;
            ev.continuation_matched[i] = found && e.pattern->head == Pattern::Head::continuation;
            // (The text of what was seen is made only for failures, by the caller.)
            if (exhausted)
                ev.lines[i].seen = " (the pattern was too complex to finish on some responses)";
            if (!found && e.kind == Expect::Kind::required &&
                e.pattern->head == Pattern::Head::untagged)
                ev.required_untagged_ok = false;
        }
        for (std::size_t i = 0; i < b.lines.size(); ++i) {
            const Expect& e = b.lines[i];
            if (e.kind != Expect::Kind::forbidden) continue;
            ev.lines[i].ok = true;
            std::vector<std::string> offending;
            for (std::size_t j = 0; j < window.size(); ++j) {
                if (used[j]) continue;
                Captures caps;
                MatchBudget budget;
                if (match(*e.pattern, window[j], tags[i], look, caps, budget))
                    offending.push_back(clip(window[j].line()));
            }
            if (!offending.empty()) {
                ev.lines[i].ok = false;
                ev.forbidden_seen = true;
                ev.lines[i].seen = fmt::format("{}", fmt::join(offending, " | "));
            }
        }
        return ev;
    }

    asio::awaitable<void> block(const ExpectBlock& b) {
        const Location& at = b.lines.front().at;
        Conn* cp = co_await use(b.conn, at);
        Conn& c = *cp;
        std::vector<std::string> tags(b.lines.size());
        std::set<std::string, std::less<>> needed;
        bool need_cont = false, has_required_untagged = false;
        std::optional<Millis> within, during;
        std::vector<std::string> captured;  // by earlier lines of this block
        for (std::size_t i = 0; i < b.lines.size(); ++i) {
            const Expect& e = b.lines[i];
            const Pattern& p = *e.pattern;
            for (const auto& v : p.variables())
                if (!vars_.count(v) &&
                    std::find(captured.begin(), captured.end(), v) == captured.end())
                    script_error(e.at, fmt::format("${{{}}} has no value here (the step that sets "
                                                   "it did not run or did not match)",
                                                   v));
            for (auto& cap : p.captures()) captured.push_back(std::move(cap));
            if (p.head == Pattern::Head::tagged) {
                std::string t = p.tag == "." ? c.last_auto_tag : p.tag;
                if (t.empty())
                    script_error(e.at, fmt::format("'.' stands for the last automatic tag, but no "
                                                   "'C: . COMMAND' was sent on {}",
                                                   c.name));
                if (!c.outstanding.count(t) && completion_in(c.pending, t) == c.pending.end())
                    script_error(e.at, fmt::format("no command with tag {} is waiting for its "
                                                   "completion on {}",
                                                   t, c.name));
                needed.insert(t);
                tags[i] = std::move(t);
            }
            if (p.head == Pattern::Head::continuation && e.kind == Expect::Kind::required)
                need_cont = true;
            if (p.head == Pattern::Head::untagged && e.kind == Expect::Kind::required)
                has_required_untagged = true;
            if (e.within) within = std::max(within.value_or(Millis(0)), *e.within);
            if (e.during) during = std::max(during.value_or(Millis(0)), *e.during);
        }
        // Untagged lines are awaited when the block has nothing else to wait for, or when they
        // say how long ("within"); otherwise they are judged on what came before completion.
        const bool wait_untagged =
            has_required_untagged && (within || (needed.empty() && !need_cont));
        const auto start = Clock::now();
        const auto step_deadline = start + ctx_.step_timeout();
        const auto wait_deadline =
            start + (within ? Clock::duration(*within) : Clock::duration(ctx_.step_timeout()));
        const auto watch_deadline =
            start + (during ? Clock::duration(*during) : Clock::duration(0));

        std::vector<WireView> window = std::move(c.pending);
        c.pending.clear();
        std::vector<std::string> unparseable = std::move(c.unparseable);
        c.unparseable.clear();
        bool waited_out = false, watched_out = !during.has_value();
        for (;;) {
            const bool tags_done = std::all_of(needed.begin(), needed.end(), [&](const auto& t) {
                return completion_in(window, t) != window.end();
            });
            const bool cont_done =
                !need_cont ||
                std::any_of(window.begin(), window.end(),
                            [](const WireView& w) { return w.response().is_continuation(); }) ||
                completion_in(window, c.last_command_tag) != window.end();
            bool untagged_done = true, forbidden = false;
            if (wait_untagged || during) {
                Captures scratch;
                const Evaluation ev = evaluate(b, tags, window, scratch);
                untagged_done = !wait_untagged || ev.required_untagged_ok;
                forbidden = ev.forbidden_seen;
            }
            if (tags_done && cont_done && (untagged_done || waited_out) &&
                (watched_out || forbidden))
                break;
            if (!tags_done || !cont_done) {
                auto r = co_await next_response(c, step_deadline, false);
                if (!r) {
                    std::string waiting = "waiting for ";
                    waiting += tags_done
                                   ? std::string("a continuation request (+)")
                                   : fmt::format("the completion of {}", fmt::join(needed, ", "));
                    io_error(at, r.error(), fmt::format("{} on {}", waiting, c.name));
                }
                window.push_back(std::move(**r));
                continue;
            }
            const bool for_untagged = !untagged_done && !waited_out;
            const auto deadline = for_untagged ? wait_deadline : watch_deadline;
            auto r = co_await next_response(c, deadline, true);
            if (!r) io_error(at, r.error(), fmt::format("waiting on {}", c.name));
            if (!*r) {
                if (for_untagged)
                    waited_out = true;
                else
                    watched_out = true;
                continue;
            }
            window.push_back(std::move(**r));
        }

        Captures block_caps;
        const Evaluation ev = evaluate(b, tags, window, block_caps);
        std::optional<std::string> seen_all;  // made once, and only when a line failed
        for (std::size_t i = 0; i < b.lines.size(); ++i) {
            const Expect& e = b.lines[i];
            const LineResult& r = ev.lines[i];
            if (e.kind == Expect::Kind::optional) continue;
            if (r.ok) {
                record(e.section, e.at, true, {}, {});
                continue;
            }
            if (e.kind == Expect::Kind::forbidden) {
                record(e.section, e.at, false, "no response like " + expected_text(e, block_caps),
                       r.seen);
                continue;
            }
            if (!seen_all) {
                seen_all = seen_text(window, unparseable);
                if (waited_out)
                    *seen_all += fmt::format(
                        " (nothing more within {} ms)",
                        within ? within->count()
                               : std::chrono::duration_cast<Millis>(ctx_.step_timeout()).count());
            }
            record(e.section, e.at, false, expected_text(e, block_caps), *seen_all + r.seen);
        }
        for (auto& [name, value] : block_caps) vars_[name] = value;
        if (std::any_of(ev.continuation_matched.begin(), ev.continuation_matched.end(),
                        [](bool m) { return m; })) {
            c.awaiting_data = true;
            c.data_for = c.last_command_tag;
        }
        c.last = std::move(window);
        settle();
    }

    // --- conditions, assertions -------------------------------------------------------------
    asio::awaitable<void> ensure_caps(Conn& c, const Location& at) {
        if (c.caps_known) co_return;
        if (c.awaiting_data)
            script_error(at, fmt::format("the capabilities of {} are needed while it waits for "
                                         "continuation data",
                                         c.name));
        const std::string tag = c.tags.next();
        const std::vector<Piece> pieces{{tag + " CAPABILITY\r\n", {}, false}};
        c.outstanding.insert(tag);
        co_await send_pieces(c, pieces, tag, at);
        for (;;) {
            auto r = co_await next_response(c, Clock::now() + ctx_.step_timeout(), false);
            if (!r) io_error(at, r.error(), "asking for CAPABILITY");
            const auto* t = (*r)->response().get<imap::Tagged>();
            if (t && t->tag == tag) break;
            if (!(*r)->response().get<imap::Capability>()) c.pending.push_back(std::move(**r));
        }
        c.caps_known = true;
    }

    static std::string describe_caps(const Conn& c) {
        if (c.caps.empty()) return "no capabilities";
        return fmt::format("{}", fmt::join(c.caps, " "));
    }
    static bool has_cap(const Conn& c, std::string_view name) {
        return std::any_of(c.caps.begin(), c.caps.end(),
                           [&](const std::string& x) { return iequal(x, name); });
    }

    asio::awaitable<bool> condition(const Condition& cond, const Location& at) {
        // `defined` and assertions on values need no connection (assertions on responses
        // find theirs themselves).
        Conn* c = nullptr;
        if (cond.kind == Condition::Kind::capability || cond.kind == Condition::Kind::tls ||
            cond.kind == Condition::Kind::seen) {
            Conn* used = co_await use(cond.conn, at);
            c = used;
        }
        bool holds = false;
        switch (cond.kind) {
            case Condition::Kind::capability:
                co_await ensure_caps(*c, at);
                holds = std::any_of(cond.names.begin(), cond.names.end(),
                                    [&](const std::string& n) { return has_cap(*c, n); });
                break;
            case Condition::Kind::tls:
                holds = c->session->is_tls();
                break;
            case Condition::Kind::defined:
                holds = vars_.count(cond.names.front()) > 0;
                break;
            case Condition::Kind::assertion: {
                const AssertOutcome outcome = co_await evaluate_assert(*cond.assertion);
                holds = outcome.ok;
                // For the not-applicable reason, should this be a failed `require`.
                last_condition_ =
                    fmt::format("expected {}{} / seen {}", cond.negate ? "the opposite of " : "",
                                outcome.expected, outcome.seen);
                break;
            }
            case Condition::Kind::seen: {
                for (const auto& w : c->last) {
                    Captures caps;
                    MatchBudget budget;
                    if (match(*cond.pattern, w, c->last_command_tag, lookup_fn(), caps, budget)) {
                        holds = true;
                        for (auto& [k, v] : caps) vars_[k] = v;
                        break;
                    }
                }
                break;
            }
        }
        co_return holds != cond.negate;
    }

    std::string reason(const Condition& cond, const Location& at) const {
        const auto it = conns_.find(cond.conn);
        const Conn* c = it == conns_.end() ? nullptr : it->second.get();
        std::string why;
        switch (cond.kind) {
            case Condition::Kind::capability:
                why = fmt::format("capability {} {} ({} advertises {})",
                                  fmt::join(cond.names, " or "),
                                  cond.negate ? "must be absent" : "is required", cond.conn,
                                  c ? describe_caps(*c) : "nothing");
                break;
            case Condition::Kind::tls:
                why = cond.negate ? "the connection must not use TLS"
                                  : "the connection must be protected by TLS";
                break;
            case Condition::Kind::defined:
                why = fmt::format("${{{}}} must {}have a value", cond.names.front(),
                                  cond.negate ? "not " : "");
                break;
            case Condition::Kind::seen:
                why = fmt::format("the last exchange on {} must {}include a response like {}",
                                  cond.conn, cond.negate ? "not " : "", cond.source);
                break;
            case Condition::Kind::assertion:
                why = fmt::format("{}{} does not hold ({})", cond.negate ? "not " : "", cond.source,
                                  last_condition_);
                break;
        }
        return fmt::format("{} (precondition at {})", why, at.where());
    }

    std::string value(const Value& v, const Location& at) { return expand_or_fail(v.text, at); }

    asio::awaitable<void> assertion(const Assert& a) {
        const AssertOutcome outcome = co_await evaluate_assert(a);
        record(a.section, a.at, outcome.ok, outcome.expected, outcome.seen);
        settle();
    }

    // An assertion on the connection's last block (or on values), without recording it.
    asio::awaitable<AssertOutcome> evaluate_assert(const Assert& a) {
        const bool values_only = a.kind == Assert::Kind::equals ||
                                 a.kind == Assert::Kind::differs || a.kind == Assert::Kind::matches;
        AssertInput in;
        const std::vector<WireView> none;
        const std::vector<std::string> no_caps;
        in.last = &none;
        in.capabilities = &no_caps;
        if (!values_only) {
            Conn* c = co_await use(a.conn, a.at);
            if (a.kind == Assert::Kind::capability) co_await ensure_caps(*c, a.at);
            in.connection = c->name;
            in.last = &c->last;
            in.capabilities = &c->caps;
        }
        for (const auto& v : a.args) in.args.push_back(value(v, a.at));
        if (a.uid) in.selector = value(*a.uid, a.at);
        if (a.seq) in.selector = value(*a.seq, a.at);
        auto outcome = check_assertion(a, in);
        if (!outcome) script_error(a.at, outcome.error().message);
        co_return std::move(*outcome);
    }

    // --- set, deliver -----------------------------------------------------------------------
    void set(const Set& s, const Location& at) {
        switch (s.kind) {
            case Set::Kind::value:
            case Set::Kind::block:
                vars_[s.name] = expand_or_fail(s.value, at);
                break;
            case Set::Kind::unique:
                vars_[s.name] = ctx_.unique(s.prefix);
                break;
        }
    }

    static std::string crlf(std::string_view in) {
        std::string out;
        out.reserve(in.size() + in.size() / 32);
        for (std::size_t i = 0; i < in.size(); ++i) {
            if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
            out += in[i];
        }
        return out;
    }

    asio::awaitable<void> deliver(const Deliver& d, const Location& at) {
        if (!hooks_.deliver)
            ctx_.environment_error(
                fmt::format("{}: this run has no delivery path for 'deliver'", at.where()));
        const Account& from = ctx_.account(d.from);
        const Account& to = ctx_.account(d.to);
        const std::string domain = from.address.substr(from.address.find('@') + 1);
        const std::string message_id = fmt::format("{}@{}", ctx_.unique("coitest"), domain);
        std::string bytes;
        if (d.inline_text) {
            bytes = expand_or_fail(*d.inline_text, at);
        } else {
            std::map<std::string, std::string, std::less<>> extra{
                {"message_id", message_id},
                {"from", from.address},
                {"to", to.address},
                {"date", fmt::format("{:%a, %d %b %Y %H:%M:%S +0000}",
                                     fmt::gmtime(std::chrono::system_clock::to_time_t(
                                         std::chrono::system_clock::now())))}};
            const Lookup look = [&](std::string_view name) -> const std::string* {
                if (auto it = extra.find(name); it != extra.end()) return &it->second;
                return lookup(name);
            };
            auto v = expand(d.fixture, look);
            if (!v)
                script_error(at, fmt::format("fixture {}: {}", d.fixture_name, v.error().message));
            bytes = std::move(*v);
        }
        bytes = crlf(bytes);
        ctx_.note(
            fmt::format("{}: delivering {} octets to {}", at.where(), bytes.size(), to.address));
        co_await hooks_.deliver(ctx_, bytes, message_id, d.to);
        if (d.bind) vars_[*d.bind] = message_id;
    }

    TestContext& ctx_;
    const Script& script_;
    const ScriptHooks& hooks_;
    std::map<std::string, std::unique_ptr<Conn>, std::less<>> conns_;
    std::map<std::string, std::string, std::less<>> vars_;
    std::vector<SectionState> states_;
    std::optional<std::string> setup_failure_;
    bool stop_ = false;
    bool in_cleanup_ = false;
    bool aborted_ = false;
    bool header_checked_ = false;
    int last_section_ = kSetup;
    std::string last_condition_;  // expected/seen of the last assertion condition
};

}  // namespace

asio::awaitable<void> run_script(TestContext& ctx, const Script& script, const ScriptHooks& hooks) {
    Interpreter interpreter(ctx, script, hooks);
    co_await interpreter.run();
}

}  // namespace coitest::script
