#include "model/verdict.hpp"

#include <array>
#include <utility>

namespace coitest {

namespace {
constexpr std::array<std::pair<Level, std::string_view>, 5> kLevels{{
    {Level::must, "MUST"},
    {Level::must_not, "MUST NOT"},
    {Level::should, "SHOULD"},
    {Level::should_not, "SHOULD NOT"},
    {Level::may, "MAY"},
}};
constexpr std::array<std::pair<Verdict, std::string_view>, 6> kVerdicts{{
    {Verdict::pass, "pass"},
    {Verdict::fail, "fail"},
    {Verdict::warn, "warn"},
    {Verdict::info, "info"},
    {Verdict::not_applicable, "not-applicable"},
    {Verdict::error, "error"},
}};

int rank(Verdict v) {
    switch (v) {
        case Verdict::not_applicable:
            return 0;
        case Verdict::pass:
            return 1;
        case Verdict::info:
            return 2;
        case Verdict::warn:
            return 3;
        case Verdict::fail:
            return 4;
        case Verdict::error:
            return 5;
    }
    return 5;
}
}  // namespace

std::string_view to_string(Level level) {
    for (const auto& [l, s] : kLevels)
        if (l == level) return s;
    return "MUST";
}

std::string_view to_string(Verdict verdict) {
    for (const auto& [v, s] : kVerdicts)
        if (v == verdict) return s;
    return "error";
}

std::optional<Level> parse_level(std::string_view text) {
    for (const auto& [l, s] : kLevels)
        if (s == text) return l;
    return std::nullopt;
}

std::optional<Verdict> parse_verdict(std::string_view text) {
    for (const auto& [v, s] : kVerdicts)
        if (s == text) return v;
    return std::nullopt;
}

Verdict verdict_when_unmet(Level level) {
    switch (level) {
        case Level::must:
        case Level::must_not:
            return Verdict::fail;
        case Level::should:
        case Level::should_not:
            return Verdict::warn;
        case Level::may:
            return Verdict::info;
    }
    return Verdict::fail;
}

Verdict worst(Verdict a, Verdict b) {
    return rank(a) >= rank(b) ? a : b;
}

}  // namespace coitest
