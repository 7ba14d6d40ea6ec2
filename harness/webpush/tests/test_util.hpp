#pragma once
// Helpers shared by the webpush tests.
#include "webpush/base64url.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace coitest::webpush::testing {

// Decodes a published vector; a typo in a vector fails the test instead of passing silently.
inline std::string b64u(std::string_view text) {
    auto decoded = base64url_decode(text);
    if (!decoded) throw std::runtime_error(std::string(text) + ": " + decoded.error().message);
    return *decoded;
}

inline std::string hex(std::string_view digits) {
    std::string out;
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(digits.substr(i, 2)), nullptr, 16)));
    return out;
}

// The value of a Result that must succeed; GoogleTest reports the thrown message as a failure.
template <class T>
T ok(Result<T> result) {
    if (!result) throw std::runtime_error("unexpected error: " + result.error().message);
    return std::move(*result);
}

// The message of a Result that must fail.
template <class T>
std::string err(const Result<T>& result) {
    if (result) throw std::runtime_error("expected an error, got a value");
    return result.error().message;
}

}  // namespace coitest::webpush::testing
