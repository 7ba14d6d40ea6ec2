#include "runner/context.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>

namespace coitest {

TestContext::TestContext(const TestCase& test, const Target& target, const Catalog& catalog,
                         std::vector<const Account*> accounts, ContextSettings settings)
    : test_(test),
      target_(target),
      catalog_(catalog),
      accounts_(std::move(accounts)),
      settings_(std::move(settings)) {
    std::random_device rd;
    run_token_ = fmt::format("{:08x}", rd());
    for (const auto* a : accounts_) {
        transcript_.add_secret(a->password);
        // SASL PLAIN's whole message, base64-encoded, must not leak either.
        transcript_.add_secret(std::string(1, '\0') + a->login + std::string(1, '\0') +
                               a->password);
    }
}

const Account& TestContext::account(std::size_t i) const {
    if (i >= accounts_.size())
        throw ErrorException(make_error(
            ErrorKind::internal, fmt::format("test {} asked for account {} but declared only {}",
                                             test_.id, i + 1, accounts_.size())));
    return *accounts_[i];
}

net::ConnectOptions TestContext::connect_options(std::string name) const {
    net::ConnectOptions o;
    o.name = std::move(name);
    o.connect_timeout = settings_.connect_timeout;
    o.step_timeout = settings_.step_timeout;
    o.hard_deadline = settings_.deadline;
    o.tls = settings_.tls;
    return o;
}

std::string TestContext::unique(std::string_view prefix) {
    return fmt::format("{}-{}-{}", prefix, run_token_, ++counter_);
}

const Requirement& TestContext::requirement(std::string_view id) const {
    const bool declared = std::find(test_.requirements.begin(), test_.requirements.end(), id) !=
                          test_.requirements.end();
    const Requirement* r = catalog_.find(id);
    if (!declared || !r)
        throw ErrorException(make_error(
            ErrorKind::internal,
            fmt::format("test {} judged requirement {} without declaring it", test_.id, id)));
    return *r;
}

void TestContext::met(std::string_view id, std::string where) {
    const auto& r = requirement(id);
    findings_.push_back({r.id, r.level, Verdict::pass, std::move(where), {}, {}});
}

void TestContext::unmet(std::string_view id, std::string expected, std::string seen,
                        std::string where) {
    const auto& r = requirement(id);
    findings_.push_back({r.id, r.level, verdict_when_unmet(r.level), std::move(where),
                         std::move(expected), std::move(seen)});
    transcript_.note("judge",
                     fmt::format("{} {} not met: expected {} / seen {}", to_string(r.level), r.id,
                                 findings_.back().expected, findings_.back().seen));
}

bool TestContext::check(std::string_view id, bool ok, std::string expected, std::string seen,
                        std::string where) {
    if (ok)
        met(id, std::move(where));
    else
        unmet(id, std::move(expected), std::move(seen), std::move(where));
    return ok;
}

void TestContext::observed(std::string_view id, std::string seen, std::string where) {
    const auto& r = requirement(id);
    findings_.push_back({r.id, r.level, Verdict::info, std::move(where), {}, std::move(seen)});
}

void TestContext::not_applicable(std::string reason) {
    throw NotApplicable(std::move(reason));
}

void TestContext::environment_error(std::string message) {
    throw ErrorException(make_error(ErrorKind::protocol, std::move(message)));
}

void TestContext::note(std::string_view text) {
    transcript_.note("note", text);
}

void TestContext::fail_environment(const Error& e, std::string_view doing) {
    throw ErrorException(make_error(e.kind, fmt::format("{}: {}", doing, e.message)));
}

boost::asio::awaitable<void> TestContext::sleep(net::Duration d) {
    auto ex = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer t(ex, std::min(net::Clock::now() + d, settings_.deadline));
    co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

}  // namespace coitest
