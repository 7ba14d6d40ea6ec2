#pragma once
// Test helpers: run bytes through a ResponseReader in chunks of a given size.
#include "imap/response_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace coitest::imap::testing {

// Feeds `bytes` `chunk` bytes at a time, draining next() after each feed. The final entry is
// NeedMore unless the stream ended on an error.
inline std::vector<ReadResult> read_all(std::string_view bytes, std::size_t chunk = 1 << 20,
                                        ReaderLimits limits = {}) {
    ResponseReader reader(limits);
    std::vector<ReadResult> out;
    std::size_t at = 0;
    do {
        const std::size_t n = std::min(chunk, bytes.size() - at);
        reader.feed(bytes.substr(at, n));
        at += n;
        for (;;) {
            ReadResult r = reader.next();
            if (std::holds_alternative<NeedMore>(r)) break;
            const bool error = std::holds_alternative<Error>(r);
            out.push_back(std::move(r));
            if (error && reader.failed()) return out;
        }
    } while (at < bytes.size());
    out.push_back(NeedMore{});
    return out;
}

// Exactly one response parsed from `bytes`; a test failure otherwise.
inline Response one(std::string_view bytes) {
    auto all = read_all(bytes);
    if (all.size() != 2 || !std::holds_alternative<Response>(all[0])) {
        std::string what = all.empty() ? "nothing" : "";
        if (!all.empty() && std::holds_alternative<Error>(all[0]))
            what = "error: " + std::get<Error>(all[0]).message;
        ADD_FAILURE() << "expected exactly one response from: " << bytes << " got "
                      << all.size() - 1 << " results " << what;
        return {};
    }
    return std::get<Response>(std::move(all[0]));
}

inline Error error_of(std::string_view bytes, std::size_t chunk = 1 << 20,
                      ReaderLimits limits = {}) {
    auto all = read_all(bytes, chunk, limits);
    for (auto& r : all) {
        if (auto* e = std::get_if<Error>(&r)) return *e;
    }
    ADD_FAILURE() << "expected an error from: " << bytes;
    return {};
}

}  // namespace coitest::imap::testing
