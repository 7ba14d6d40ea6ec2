// spec-lint on the shipped specs: example extraction, and the findings a standards editor should
// see (asserted individually, so a regression in either the rules or the extraction shows).
#include "messages/spec_lint.hpp"
#include "tests/test_support.hpp"

namespace coitest::messages {
namespace {

using testing::lookup;
using testing::specs_dir;

TEST(SpecLint, ExtractsFencedIndentedAndRstExamples) {
    std::string md =
        "text\n\n```\nFrom: a@b.c\nTo: d@e.f\nSubject: x\n \nbody\n```\n\n    From: a@b.c\n    To: "
        "x@y.z\n"
        "    Chat-Version: 1.0\n\n    hi\n\nC: a1 CAPABILITY\nS: * OK\n";
    auto ex = extract_examples(md, "x/spec.md", [](const std::string&) { return std::nullopt; });
    ASSERT_EQ(ex.size(), 2u);
    EXPECT_EQ(ex[0].line, 4);
    EXPECT_EQ(ex[0].kind, SpecExample::Kind::message);
    EXPECT_NE(ex[0].text.find("x\n\nbody"), std::string::npos)
        << "a white-space line reads as empty";
    EXPECT_EQ(ex[1].line, 11);
    std::string rst =
        "Intro::\n\n    Autocrypt-Draft-State: encrypt=yes;\n\n.. literalinclude:: "
        "appendix/m.eml\n";
    auto r = extract_examples(
        rst, "autocrypt/level1.rst", [](const std::string& p) -> std::optional<std::string> {
            if (p == "appendix/m.eml")
                return std::string("From: a@b.c\nTo: a@b.c\nSubject: s\n\nbody\n");
            return std::nullopt;
        });
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].kind, SpecExample::Kind::fragment);
    EXPECT_EQ(r[1].file, "autocrypt/appendix/m.eml");
}

struct Found {
    std::string test, requirement, where;
    Verdict verdict;
};

std::vector<Found> run_on(const std::string& spec, std::vector<std::string> keys = {}) {
    auto run = run_spec_lint({(specs_dir() / spec).string()}, keys, lookup());
    EXPECT_TRUE(run) << (run ? "" : run.error().message);
    std::vector<Found> out;
    if (!run) return out;
    for (const auto& t : run->suites.at(0).tests)
        for (const auto& f : t.findings) out.push_back({t.id, f.requirement, f.where, f.verdict});
    return out;
}

bool has(const std::vector<Found>& found, std::string_view test_suffix, std::string_view req,
         Verdict v) {
    for (const auto& f : found)
        if (f.test.size() >= test_suffix.size() &&
            f.test.compare(f.test.size() - test_suffix.size(), test_suffix.size(), test_suffix) ==
                0 &&
            f.requirement == req && f.verdict == v)
            return true;
    return false;
}

TEST(SpecLint, CoiClientSpecExamplesBreakTheirOwnRules) {
    COITEST_REQUIRE_SPECS();
    auto found = run_on("coi/coi-client-spec.md");
    // "Mon, 4 Dec 2019" was a Wednesday (every COI example).
    EXPECT_TRUE(has(found, "coi-client-spec.md:201", "coi-client.header.date", Verdict::fail));
    // The edit example says "Chat-Content: edit;" where line 394 requires editrequest, and its
    // In-Reply-To lacks the closing ">".
    EXPECT_TRUE(has(found, "coi-client-spec.md:437", "coi-client.chat-content.client-prefix",
                    Verdict::fail));
    EXPECT_TRUE(has(found, "coi-client-spec.md:437", "rfc5322.msg-id.syntax", Verdict::fail));
    // Group examples separate addresses with ";".
    EXPECT_TRUE(has(found, "coi-client-spec.md:824", "rfc5322.address.syntax", Verdict::fail));
    // The read receipt example has no human-readable part (RFC 8098 §3).
    EXPECT_TRUE(
        has(found, "coi-client-spec.md:490", "rfc8098.mdn.human-readable-first", Verdict::fail));
    // The group storage example is text/html although line 848 asks for multipart/mixed.
    EXPECT_TRUE(
        has(found, "coi-client-spec.md:864", "coi-client.group-storage.structure", Verdict::fail));
    // The pinned example's timeout parameter is neither a token nor a quoted string.
    EXPECT_TRUE(has(found, "coi-client-spec.md:1233", "coi-client.pinned.timeout", Verdict::fail));
}

TEST(SpecLint, ChatmailSpecGroupMessageIdsLackBrackets) {
    COITEST_REQUIRE_SPECS();
    auto found = run_on("chatmail/spec.md");
    // Gr.<id>.<unique> form is met, and no RFC 5322 rule is the chatmail spec's own.
    EXPECT_TRUE(has(found, "spec.md:169", "chatmail.group.message-id-format", Verdict::pass));
    EXPECT_TRUE(has(found, "spec.md:116", "chatmail.outgoing.subject", Verdict::warn));
    for (const auto& f : found)
        EXPECT_EQ(f.requirement.rfind("rfc", 0), std::string::npos) << f.requirement;
}

TEST(SpecLint, AutocryptAppendixGossipExampleIsNotEncryptedToAlice) {
    COITEST_REQUIRE_SPECS();
    auto keys = {(specs_dir() / "autocrypt/appendix/bob@autocrypt.example.sec.asc").string()};
    auto found = run_on("autocrypt/level1.rst", keys);
    EXPECT_TRUE(has(found, "appendix/example-gossip.eml:1", "autocrypt.encryption.recipients",
                    Verdict::fail));
    EXPECT_TRUE(
        has(found, "appendix/example-gossip.eml:1", "autocrypt.encryption.signed", Verdict::pass));
    EXPECT_TRUE(has(found, "appendix/example-simple-autocrypt.eml:1",
                    "autocrypt.keydata.five-packets", Verdict::pass));
}

}  // namespace
}  // namespace coitest::messages

static ::testing::Environment* const kGMimeSpec =
    ::testing::AddGlobalTestEnvironment(new coitest::messages::testing::GMimeEnvironment);
