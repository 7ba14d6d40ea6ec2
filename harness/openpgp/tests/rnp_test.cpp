// RNP: key inspection of Autocrypt keydata and decryption, including the NOTES §2 rewrite of
// anonymous recipients, with the Autocrypt appendix keys.
#include "openpgp/rnp.hpp"
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

std::string payload(const std::string& eml) {
    return dearmor(read(eml))->data;
}

TEST(Rnp, InspectsAliceAutocryptKey) {
    auto armor = dearmor(read("fixtures/messages/keys/alice@autocrypt.example.pub.asc"));
    ASSERT_TRUE(armor);
    auto facts = inspect_public_key(armor->data);
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_EQ(facts->key_id, "F231550C4F47E38E");
    EXPECT_EQ(facts->algorithm, "EDDSA");
    EXPECT_TRUE(facts->can_sign);
    EXPECT_FALSE(facts->has_secret);
    ASSERT_EQ(facts->user_ids.size(), 1u);
    EXPECT_EQ(facts->user_ids[0].text, "alice@autocrypt.example");
    EXPECT_TRUE(facts->user_ids[0].signature_valid);
    ASSERT_EQ(facts->subkeys.size(), 1u);
    EXPECT_EQ(facts->subkeys[0].key_id, "4766F6B9D5F21EB6");
    EXPECT_TRUE(facts->subkeys[0].can_encrypt);
    EXPECT_EQ(facts->subkeys[0].curve, "Curve25519");
    EXPECT_TRUE(facts->subkeys[0].signature_valid);
}

TEST(Rnp, TamperedSelfSignatureDoesNotVerify) {
    auto armor = dearmor(read("fixtures/messages/keys/alice@autocrypt.example.pub.asc"));
    ASSERT_TRUE(armor);
    std::string key = armor->data;
    // Flip a byte of the user ID text: its self-signature no longer matches.
    auto pos = key.find("alice@");
    ASSERT_NE(pos, std::string::npos);
    key[pos] = 'b';
    auto facts = inspect_public_key(key);
    ASSERT_TRUE(facts) << facts.error().message;
    ASSERT_EQ(facts->user_ids.size(), 1u);
    EXPECT_FALSE(facts->user_ids[0].signature_valid);
}

TEST(Rnp, GarbageKeyIsAnError) {
    EXPECT_FALSE(inspect_public_key("not a key at all"));
}

TEST(Rnp, DecryptsTheGossipExampleForBobNotAlice) {
    Keyring bob;
    ASSERT_TRUE(bob.import_keys(read("fixtures/messages/keys/bob@autocrypt.example.sec.asc")));
    EXPECT_EQ(bob.secret_key_count(), 2u);
    auto r = bob.decrypt(payload("fixtures/messages/autocrypt/example-gossip.eml"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_NE(r->plaintext.find("Autocrypt-Gossip: addr=bob@autocrypt.example"), std::string::npos);
    EXPECT_FALSE(r->rewrote_wildcard);
    // The appendix says Alice can decrypt it too; she cannot (not among the recipients).
    Keyring alice;
    ASSERT_TRUE(alice.import_keys(read("fixtures/messages/keys/alice@autocrypt.example.sec.asc")));
    EXPECT_FALSE(alice.decrypt(payload("fixtures/messages/autocrypt/example-gossip.eml")));
}

TEST(Rnp, NamesAnonymousRecipientsToDecrypt) {
    std::string data =
        payload("fixtures/messages/chatmail/encrypted-group.anonymous-recipients.eml");
    bool wildcard = false;
    for (const auto& p : *parse_packets(data))
        if (auto k = parse_pkesk(p, data)) wildcard = wildcard || k->wildcard;
    ASSERT_TRUE(wildcard);
    Keyring bob;
    ASSERT_TRUE(bob.import_keys(read("fixtures/messages/keys/bob@autocrypt.example.sec.asc")));
    ASSERT_TRUE(bob.import_keys(read("fixtures/messages/keys/alice@autocrypt.example.pub.asc")));
    auto r = bob.decrypt(data);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->rewrote_wildcard);
    EXPECT_NE(r->plaintext.find("Chat-Group-ID"), std::string::npos);
    ASSERT_FALSE(r->signatures.empty());
    EXPECT_TRUE(r->signatures[0].valid) << r->signatures[0].status;
}

TEST(Rnp, RefusesRfc9580Packets) {
    // A v6 PKESK (anonymous) followed by nothing: RNP 0.16 cannot read it; we say so.
    std::string v6("\xC1\x04\x06\x00\x19\xAA", 6);
    Keyring ring;
    auto r = ring.decrypt(v6);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("RFC 9580"), std::string::npos);
}

// The Autocrypt Setup Message payload opens with its Setup Code only (level1.rst example).
TEST(Rnp, DecryptsTheSetupMessageWithItsCode) {
    auto msg = payload("fixtures/messages/autocrypt/example-setup-message.eml");
    auto plain = decrypt_with_passphrase(msg, "1742-0185-6197-1303-7016-8412-3581-4441-0597");
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(plain->rfind("-----BEGIN PGP PRIVATE KEY BLOCK-----", 0), 0u);
    EXPECT_FALSE(decrypt_with_passphrase(msg, "1742-0185-6197-1303-7016-8412-3581-4441-0598"));
    EXPECT_FALSE(decrypt_with_passphrase("garbage", "1742"));
}

}  // namespace
}  // namespace coitest::openpgp
