// OpenPGP framing without keys: armor, packet sequence, PKESK/SKESK fields, the key-ID rewrite.
#include "openpgp/packets.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace coitest::openpgp {
namespace {

std::string read(const std::string& rel) {
    const char* src = std::getenv("COITEST_SOURCE_DIR");
    std::filesystem::path p = std::filesystem::path(src ? src : ".") / rel;
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<int> tags(std::string_view data) {
    std::vector<int> out;
    auto packets = parse_packets(data);
    if (packets)
        for (const auto& p : *packets) out.push_back(p.tag);
    return out;
}

TEST(Armor, DecodesTheAppendixKeyWithChecksum) {
    auto a = dearmor(read("fixtures/messages/keys/alice@autocrypt.example.pub.asc"));
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->label, "PGP PUBLIC KEY BLOCK");
    EXPECT_TRUE(a->checksum_present);
    EXPECT_TRUE(a->checksum_ok);
    EXPECT_EQ(tags(a->data), (std::vector<int>{6, 13, 2, 14, 2}));
}

TEST(Armor, ReadsHeadersAndRejectsDamage) {
    std::string setup = read("fixtures/messages/autocrypt/example-setup-message.eml");
    auto a = dearmor(setup);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_NE(a->header("Passphrase-Format"), nullptr);
    EXPECT_EQ(*a->header("Passphrase-Begin"), "17");
    EXPECT_EQ(tags(a->data), (std::vector<int>{3, 18}));
    auto sk = parse_skesk(parse_packets(a->data)->front());
    ASSERT_TRUE(sk);
    EXPECT_EQ(sk->cipher, 7);  // AES-128
    EXPECT_EQ(sk->s2k_type, 3);
    EXPECT_FALSE(dearmor("no armor here"));
    EXPECT_FALSE(dearmor("-----BEGIN PGP MESSAGE-----\n\nAAAA\n"));  // no END
    EXPECT_FALSE(dearmor("-----BEGIN PGP MESSAGE-----\n\n!!!!\n-----END PGP MESSAGE-----\n"));
    auto bad_crc = dearmor(
        "-----BEGIN PGP MESSAGE-----\n\nxA0DAAoBAAAAAAAAAAAB\n=AAAA\n-----END PGP MESSAGE-----\n");
    ASSERT_TRUE(bad_crc);
    EXPECT_FALSE(bad_crc->checksum_ok);
}

TEST(Packets, PkeskKeyIdsOfTheGossipExample) {
    auto a = dearmor(read("fixtures/messages/autocrypt/example-gossip.eml"));
    ASSERT_TRUE(a);
    auto packets = parse_packets(a->data);
    ASSERT_TRUE(packets);
    std::vector<std::string> ids;
    for (const auto& p : *packets)
        if (auto k = parse_pkesk(p, a->data)) ids.push_back(to_hex(k->key_id));
    EXPECT_EQ(ids, (std::vector<std::string>{"0DD1498BCB3E545C", "79A7894F248E0180"}));
}

TEST(Packets, RejectsTruncationAndNonPackets) {
    EXPECT_FALSE(parse_packets(std::string("\x01\x02", 2)));
    EXPECT_FALSE(parse_packets(std::string("\xC1\x05\x03", 3)));  // new format, body missing
    EXPECT_FALSE(parse_packets(std::string("\xC1\xFF\x00", 3)));  // 4-octet length truncated
    EXPECT_FALSE(
        parse_packets(std::string("\x85\x01\x00", 3)));  // old format 2-octet length truncated
    auto partial =
        parse_packets(std::string("\xD2\xE1\x01\x02\x01\x03", 6));  // partial 2 bytes, then final 1
    ASSERT_TRUE(partial) << partial.error().message;
    EXPECT_TRUE(partial->front().partial);
    EXPECT_EQ(partial->front().body, std::string("\x01\x02\x03", 3));
}

TEST(Packets, RewritesWildcardKeyIds) {
    // A v3 PKESK with the wildcard key ID, algorithm 18, two bytes of junk key material.
    std::string pkesk("\xC1\x0C\x03\0\0\0\0\0\0\0\0\x12\xAA\xBB", 14);
    auto k = parse_pkesk(parse_packets(pkesk)->front(), pkesk);
    ASSERT_TRUE(k);
    EXPECT_TRUE(k->wildcard);
    auto rewritten = rewrite_wildcard_key_ids(pkesk, "ABCDEFGH");
    ASSERT_TRUE(rewritten);
    auto k2 = parse_pkesk(parse_packets(*rewritten)->front(), *rewritten);
    EXPECT_FALSE(k2->wildcard);
    EXPECT_EQ(k2->key_id, "ABCDEFGH");
    EXPECT_EQ(rewritten->substr(11), pkesk.substr(11));              // only the key ID changed
    EXPECT_FALSE(rewrite_wildcard_key_ids(*rewritten, "ABCDEFGH"));  // nothing left to rewrite
}

TEST(Hex, RoundTrip) {
    EXPECT_EQ(to_hex("\x0D\xD1"), "0DD1");
    EXPECT_EQ(from_hex("0dd1"), std::optional<std::string>("\x0D\xD1"));
    EXPECT_FALSE(from_hex("0g"));
}

}  // namespace
}  // namespace coitest::openpgp
