#include "net/transcript.hpp"

#include <gtest/gtest.h>

namespace coitest::net {
namespace {

TEST(Transcript, RedactsSecretsAndTheirBase64Forms) {
    Transcript t;
    t.add_secret("hunter2");
    t.record("c1", Direction::client, "a1 LOGIN alice hunter2\r\n");
    t.record("c1", Direction::client, "aHVudGVyMg==\r\n");  // base64("hunter2")
    ASSERT_EQ(t.entries().size(), 2u);
    EXPECT_EQ(t.entries()[0].data, "a1 LOGIN alice ***\r\n");
    EXPECT_EQ(t.entries()[1].data, "***\r\n");
    EXPECT_EQ(t.entries()[0].direction, Direction::client);
}

TEST(Transcript, StaysBoundedUnderAFlood) {
    Transcript t(1000);
    const std::string chunk(300, 'x');
    for (int i = 0; i < 10000; ++i) t.record("c1", Direction::server, chunk);
    std::size_t bytes = 0;
    for (const auto& e : t.entries()) bytes += e.data.size();
    EXPECT_LT(bytes, 1200u);
    EXPECT_LE(t.entries().size(), 6u);
    EXPECT_NE(t.entries().back().data.find("more bytes not kept"), std::string::npos);
}

TEST(Transcript, OffsetsIncrease) {
    Transcript t;
    t.note("c1", "a");
    t.note("c1", "b");
    EXPECT_LE(t.entries()[0].offset_seconds, t.entries()[1].offset_seconds);
}

}  // namespace
}  // namespace coitest::net
