#pragma once
// Runs webpush-profile tests through the real scheduler against a target, and reads the verdicts.
#include "model/results.hpp"
#include "net/tls.hpp"
#include "runner/catalog.hpp"
#include "runner/scheduler.hpp"
#include "suites/server/webpush/webpush_suite.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

namespace coitest::suites::testing {

inline Catalog shipped_catalog() {
    const char* root = std::getenv("COITEST_SOURCE_DIR");
    return Catalog::load(std::string(root ? root : ".") + "/suites/requirements").value();
}

struct Verdicts {
    std::map<std::string, TestResult> by_test;

    const TestResult& at(const std::string& id) const {
        static const TestResult none{};
        auto it = by_test.find(id);
        return it == by_test.end() ? none : it->second;
    }
    // The worst verdict any finding of `requirement` got in test `id` (nullopt: not judged).
    std::optional<Verdict> requirement(const std::string& id, const std::string& req) const {
        std::optional<Verdict> v;
        for (const auto& f : at(id).findings)
            if (f.requirement == req) v = v ? worst(*v, f.verdict) : f.verdict;
        return v;
    }
    std::string summary() const {
        std::string out;
        for (const auto& [id, r] : by_test)
            out += id + ": " + std::string(to_string(r.verdict)) +
                   (r.reason.empty() ? "" : " — " + r.reason) + "\n";
        return out;
    }
};

// Runs the webpush tests matching `filters` (all when empty) against `target`.
inline Verdicts run_webpush(const Target& target, std::vector<std::string> filters = {},
                            int jobs = 4) {
    Registry registry;
    register_webpush_suite(registry);
    const Catalog catalog = shipped_catalog();
    EXPECT_TRUE(registry.validate(catalog));
    auto tls = net::make_client_tls_context(target.tls);
    EXPECT_TRUE(tls);
    RunOptions options;
    options.handle_signals = false;
    options.jobs = jobs;
    options.test_timeout = std::chrono::seconds(90);
    options.step_timeout = std::chrono::seconds(10);
    Scheduler scheduler(target, catalog, options, tls ? *tls : nullptr);
    Selection selection{std::move(filters), {}, {}, {}};
    RunObserver quiet;
    bool interrupted = false;
    auto suite = scheduler.run(registry.select(selection), quiet, interrupted);
    Verdicts out;
    for (auto& r : suite.tests) out.by_test[r.id] = std::move(r);
    return out;
}

}  // namespace coitest::suites::testing
