// RFC 5464 §4.2 (GETMETADATA) and §4.3 (SETMETADATA) on server entries.
#include "suites/server/common/sessions.hpp"
#include "suites/server/imap_baseline/imap_baseline.hpp"

#include <fmt/format.h>

namespace coitest::suites {

namespace {

namespace asio = boost::asio;

std::string shown(const std::optional<std::string>& v) {
    return v ? fmt::format("\"{}\"", *v) : std::string("NIL/absent");
}

// The value GETMETADATA returns for `entry` on the server (nullopt: NIL or not returned).
asio::awaitable<std::optional<std::string>> get_entry(TestContext& ctx, imap::Session& s,
                                                      const std::string& entry) {
    const std::vector<std::string> entries{entry};
    auto r = co_await s.getmetadata("", entries);
    auto got = ctx.need(std::move(r), "GETMETADATA");
    if (!got.result.ok())
        ctx.unmet("rfc5464.getmetadata.value", "GETMETADATA completes with OK",
                  describe_status(got.result), "GETMETADATA");
    for (const auto& e : got.value)
        if (e.name == entry) co_return e.value;
    co_return std::nullopt;
}

asio::awaitable<void> metadata_server_private(TestContext& ctx) {
    auto s = co_await login_imap(ctx, "c1", 0);
    auto caps = co_await s.capability();
    ctx.need(std::move(caps), "CAPABILITY");
    if (!s.has_capability("METADATA") && !s.has_capability("METADATA-SERVER"))
        ctx.not_applicable("the server advertises neither METADATA nor METADATA-SERVER");

    // A fresh entry per run, under the vendor tree a COI server uses for its own settings.
    const std::string entry = "/private/vendor/vendor.coitest/" + ctx.unique("baseline");
    const std::string value = ctx.unique("value");
    const std::vector<imap::MetadataEntry> set{{entry, value}};
    auto r = co_await s.setmetadata("", set);
    auto stored = ctx.need(std::move(r), "SETMETADATA");
    if (!ctx.check("rfc5464.setmetadata.private-server", stored.ok(), "OK", describe_status(stored),
                   "SETMETADATA \"\""))
        co_return;
    const auto got = co_await get_entry(ctx, s, entry);
    ctx.check("rfc5464.getmetadata.value", got == value, shown(value), shown(got),
              "GETMETADATA \"\"");

    // CR and LF force a literal both ways.
    const std::string multiline = "line one\r\nline two\r\n" + ctx.unique("x");
    const std::vector<imap::MetadataEntry> set_literal{{entry, multiline}};
    auto r2 = co_await s.setmetadata("", set_literal);
    auto stored2 = ctx.need(std::move(r2), "SETMETADATA with a literal value");
    const auto got2 = co_await get_entry(ctx, s, entry);
    ctx.check("rfc5464.getmetadata.literal-value", stored2.ok() && got2 == multiline,
              "SETMETADATA OK and the multi-line value back unchanged",
              fmt::format("SETMETADATA {}, value {}", describe_status(stored2),
                          got2 == multiline ? "unchanged" : "different or absent"),
              "GETMETADATA \"\"");

    const std::vector<imap::MetadataEntry> remove{{entry, std::nullopt}};
    auto r3 = co_await s.setmetadata("", remove);
    auto deleted = ctx.need(std::move(r3), "SETMETADATA NIL");
    const auto gone = co_await get_entry(ctx, s, entry);
    ctx.check("rfc5464.setmetadata.nil-deletes", deleted.ok() && !gone,
              "SETMETADATA NIL OK, then no value",
              fmt::format("{}, then {}", describe_status(deleted), shown(gone)), "SETMETADATA NIL");
}

}  // namespace

void register_baseline_metadata(Registry& r) {
    r.add(baseline_test("metadata.server-private",
                        "METADATA stores, returns and deletes a private server entry",
                        "rfc5464.4.3",
                        {"rfc5464.setmetadata.private-server", "rfc5464.getmetadata.value",
                         "rfc5464.getmetadata.literal-value", "rfc5464.setmetadata.nil-deletes"},
                        {"metadata"}, metadata_server_private));
}

}  // namespace coitest::suites
