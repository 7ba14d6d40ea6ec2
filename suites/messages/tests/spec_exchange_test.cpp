// spec-lint of C:/S: exchanges and JSON examples: each rule fails on a broken exchange and passes
// on its twin, and the findings on the shipped COI server and WebPush specs are asserted one by
// one (each was checked by hand; suites/messages/README.md lists them).
#include "messages/spec_exchange.hpp"
#include "messages/spec_lint.hpp"
#include "tests/test_support.hpp"

#include <set>

namespace coitest::messages {
namespace {

using testing::lookup;
using testing::specs_dir;

// requirement=verdict of every finding that is not a pass, and separately the passes.
struct Judged {
    std::set<std::string> unmet, passed;
};

Judged judge(const std::string& text, std::string_view spec = "coi/coi-server-spec.md") {
    message::Findings f(lookup());
    judge_exchange(split_exchange(text, 1), "x.md", spec, f);
    Judged j;
    for (const auto& x : f.items()) {
        EXPECT_NE(x.verdict, Verdict::error) << x.requirement << ": " << x.seen;
        if (x.verdict == Verdict::pass)
            j.passed.insert(x.requirement);
        else if (x.verdict != Verdict::not_applicable)
            j.unmet.insert(x.requirement + "=" + std::string(to_string(x.verdict)));
    }
    return j;
}

Judged judge_json(const std::string& text) {
    message::Findings f(lookup());
    judge_json_example(text, "x.md", 1, "coi/webpush-spec.md", f);
    Judged j;
    for (const auto& x : f.items()) {
        if (x.verdict == Verdict::pass)
            j.passed.insert(x.requirement);
        else if (x.verdict != Verdict::not_applicable)
            j.unmet.insert(x.requirement + "=" + std::string(to_string(x.verdict)));
    }
    return j;
}

TEST(SpecExchange, SplitsMarkersAndKeepsLineNumbers) {
    auto lines = split_exchange("C: a NOOP  \nS: a OK done\nliteral data  \n", 40);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].side, ExchangeSide::client);
    EXPECT_EQ(lines[0].text, "a NOOP") << "trailing white space of a marked line is invisible";
    EXPECT_EQ(lines[1].line, 41);
    EXPECT_EQ(lines[2].side, ExchangeSide::unmarked);
    EXPECT_EQ(lines[2].text, "literal data  ") << "literal data keeps every octet";
}

TEST(SpecExchange, ClientCommandTokens) {
    auto c = parse_client_command("a1 SETMETADATA \"\" (/x/y {5+}\r\nhello /x/z NIL)\r\n");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->tag, "a1");
    EXPECT_EQ(c->name, "SETMETADATA");
    ASSERT_EQ(c->args.size(), 2u);
    ASSERT_TRUE(c->args[1].is_list());
    ASSERT_EQ(c->args[1].items.size(), 4u);
    EXPECT_TRUE(c->args[1].items[1].is_string());
    EXPECT_EQ(c->args[1].items[1].text, "hello");
    EXPECT_TRUE(c->args[1].items[3].is_nil());
    for (const char* bad : {"", "a1\r\n", "a+ NOOP\r\n", "a1 X (unclosed\r\n",
                            "a1 X {9}\r\nshort)\r\n", "a1 X \"open\r\n", "a1 X y\r\nextra"})
        EXPECT_FALSE(parse_client_command(bad)) << bad;
    std::string deep = "a1 X " + std::string(100, '(') + std::string(100, ')') + "\r\n";
    EXPECT_FALSE(parse_client_command(deep)) << "nesting is bounded";
}

TEST(SpecExchange, LiteralCountMustMatchTheData) {
    std::string good =
        "C: a GETMETADATA \"\" /p/e\nS: * METADATA \"\" (/p/e {5}\nhello)\nS: a OK done\n";
    auto ok = judge(good);
    EXPECT_TRUE(ok.unmet.empty()) << *ok.unmet.begin();
    EXPECT_TRUE(ok.passed.count("rfc3501.syntax.literal-octets"));
    std::string bad = good;
    bad.replace(bad.find("{5}"), 3, "{9}");
    EXPECT_EQ(judge(bad).unmet, std::set<std::string>{"rfc3501.syntax.literal-octets=fail"});
}

TEST(SpecExchange, EachCommandGetsExactlyOneTaggedCompletion) {
    std::string good = "C: a NOOP\nS: a OK done\nC: b NOOP\nS: b OK done\n";
    EXPECT_TRUE(judge(good).unmet.empty());
    EXPECT_EQ(judge(good + "S: b OK again\n").unmet,
              std::set<std::string>{"rfc3501.syntax.tagged-completion=fail"});
    EXPECT_EQ(judge("C: a NOOP\n").unmet,
              std::set<std::string>{"rfc3501.syntax.tagged-completion=fail"});
    EXPECT_EQ(judge("C: a NOOP\nS: a MAYBE done\n").unmet,
              (std::set<std::string>{"rfc3501.syntax.response=fail",
                                     "rfc3501.syntax.tagged-completion=fail"}));
}

TEST(SpecExchange, SetmetadataValuesAreStringsOrNil) {
    std::string quoted =
        "C: a SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled "
        "\"yes\")\nS: a OK done\n";
    auto ok = judge(quoted);
    EXPECT_TRUE(ok.unmet.empty());
    EXPECT_TRUE(ok.passed.count("rfc5464.syntax.value"));
    EXPECT_TRUE(ok.passed.count("coi-server.metadata.setmetadata-paths"));
    std::string atom = quoted;
    atom.replace(atom.find("\"yes\""), 5, "yes");
    EXPECT_EQ(judge(atom).unmet, std::set<std::string>{"rfc5464.syntax.value=fail"});
}

TEST(SpecExchange, CoiValueRulesFollowTheAnswer) {
    std::string enable =
        "C: a SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled "
        "\"yes\")\nS: a NO refused\n";
    EXPECT_EQ(judge(enable).unmet,
              std::set<std::string>{"coi-server.metadata.setmetadata-paths=fail"});
    std::string invalid =
        "C: a SETMETADATA \"\" (/private/vendor/vendor.dovecot/coi/config/enabled "
        "\"true\")\nS: a OK stored\n";
    EXPECT_EQ(judge(invalid).unmet,
              std::set<std::string>{"coi-server.enable.invalid-value-no=warn"});
    std::string refused = invalid;
    refused.replace(refused.find("a OK stored"), 11, "a NO [CANNOT] no");
    EXPECT_TRUE(judge(refused).unmet.empty());
}

TEST(SpecExchange, CoiCapabilitiesAfterLogin) {
    std::string good =
        "C: a LOGIN u p\nS: a OK done\nC: b CAPABILITY\nS: * CAPABILITY IMAP4rev1 COI "
        "WEBPUSH\nS: b OK\n";
    auto ok = judge(good);
    EXPECT_TRUE(ok.unmet.empty());
    EXPECT_TRUE(ok.passed.count("coi-server.capability.coi-after-login"));
    std::string bad = good;
    bad.replace(bad.find(" COI "), 5, " ");
    EXPECT_EQ(judge(bad).unmet,
              std::set<std::string>{"coi-server.capability.coi-after-login=fail"});
    // Before authentication the COI spec asks for nothing.
    EXPECT_TRUE(judge("C: b CAPABILITY\nS: * CAPABILITY IMAP4rev1\nS: b OK\n").unmet.empty());
}

TEST(SpecExchange, CoiConfigurationListsMailboxRoot) {
    std::string good =
        "C: a GETMETADATA (DEPTH 1) \"\" (/private/vendor/vendor.dovecot/coi/config)\n"
        "S: * METADATA \"\" (/private/vendor/vendor.dovecot/coi/config/mailbox-root \"COI\")\n"
        "S: a OK done\n";
    auto ok = judge(good);
    EXPECT_TRUE(ok.unmet.empty());
    EXPECT_TRUE(ok.passed.count("coi-server.config.mailbox-root-exists"));
    std::string bad = good;
    bad.replace(bad.find("mailbox-root"), 12, "enabled");
    EXPECT_EQ(judge(bad).unmet,
              std::set<std::string>{"coi-server.config.mailbox-root-exists=fail"});
}

TEST(SpecExchange, WebpushCapabilityOnlyAfterLogin) {
    std::string good =
        "C: a CAPABILITY\nS: * CAPABILITY IMAP4rev1\nS: a OK\nC: b LOGIN u p\n"
        "S: b OK [CAPABILITY IMAP4rev1 WEBPUSH] in\n";
    auto ok = judge(good, "coi/webpush-spec.md");
    EXPECT_TRUE(ok.unmet.empty());
    EXPECT_TRUE(ok.passed.count("webpush.capability.advertised"));
    EXPECT_TRUE(ok.passed.count("webpush.capability.not-before-auth"));
    std::string early = good;
    early.replace(early.find("IMAP4rev1\n"), 9, "IMAP4rev1 WEBPUSH");
    EXPECT_EQ(judge(early, "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.capability.not-before-auth=warn"});
}

const std::string kSubscription =
    "{\"client\": \"c\", \"device\": \"d\", \"msgtype\": \"chat\", \"resource\": {\"endpoint\": "
    "\"https://push.example/x\", \"keys\": {\"p256dh\": \"BNc...kM=\", \"auth\": "
    "\"tBHItJI5svbpez7KI4CCXg==\"}}}";

std::string subscribe(const std::string& id, const std::string& json) {
    return "C: a SETMETADATA \"\" (/private/vendor/vendor.dovecot/webpush/subscriptions/" + id +
           " {" + std::to_string(json.size()) + "+}\n" + json + ")\nS: a OK done\n";
}

TEST(SpecExchange, WebpushSubscriptionIdAndJson) {
    auto ok = judge(subscribe("31754ee7-d3ee", kSubscription), "coi/webpush-spec.md");
    EXPECT_TRUE(ok.unmet.empty()) << *ok.unmet.begin();
    for (const char* id : {"webpush.subscribe.path-prefix", "webpush.subscribe.id-rules",
                           "webpush.subscribe.supported", "webpush.subscribe.msgtype-values"})
        EXPECT_TRUE(ok.passed.count(id)) << id;
    EXPECT_EQ(judge(subscribe("short", kSubscription), "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.subscribe.id-rules=fail"});
    EXPECT_EQ(judge(subscribe("31754ee7.d3ee", kSubscription), "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.subscribe.id-rules=fail"});
    std::string no_auth = kSubscription;
    no_auth.replace(no_auth.find(", \"auth\""), no_auth.find("}}}") - no_auth.find(", \"auth\""),
                    "");
    EXPECT_EQ(judge(subscribe("31754ee7-d3ee", no_auth), "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.subscribe.supported=fail"});
    std::string msgtype = kSubscription;
    msgtype.replace(msgtype.find("\"chat\""), 6, "\"Chat\"");
    EXPECT_EQ(judge(subscribe("31754ee7-d3ee", msgtype), "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.subscribe.msgtype-values=warn"});
}

TEST(SpecExchange, WebpushListingHasCreatedAndValidated) {
    std::string json = "{\"created\":\"2019-10-16T16:14:17+00:00\",\"validated\":true}";
    auto listing = [](const std::string& j) {
        return "C: a GETMETADATA (DEPTH 1) \"\" (/private/vendor/vendor.dovecot/webpush/"
               "subscriptions)\nS: * METADATA \"\" (/private/vendor/vendor.dovecot/webpush/"
               "subscriptions/0123456789 {" +
               std::to_string(j.size()) + "}\n" + j + ")\nS: a OK done\n";
    };
    auto ok = judge(listing(json), "coi/webpush-spec.md");
    EXPECT_TRUE(ok.unmet.empty());
    EXPECT_TRUE(ok.passed.count("webpush.list.depth-one"));
    EXPECT_TRUE(ok.passed.count("webpush.subscribe.created-added"));
    std::string bad = json;
    bad.replace(bad.find("T16"), 3, " 16");
    EXPECT_EQ(judge(listing(bad), "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.subscribe.created-added=fail"});
    EXPECT_EQ(judge(listing("{\"created\":\"2019-10-16T16:14:17Z\"}"), "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.list.depth-one=fail"});
}

TEST(SpecExchange, WebpushVapidKeyIsPemP256) {
    std::string pem =
        "-----BEGIN PUBLIC "
        "KEY-----\nMDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgACYHfTQ0biATut1VhK/AW2KmZespz+\n"
        "DEQ1yH3nvbayCuY=\n-----END PUBLIC KEY-----";
    auto vapid = [](const std::string& v) {
        return "C: a GETMETADATA \"\" /private/vendor/vendor.dovecot/webpush/vapid\nS: * METADATA "
               "\"\" (/private/vendor/vendor.dovecot/webpush/vapid {" +
               std::to_string(v.size()) + "}\n" + v + ")\nS: a OK done\n";
    };
    auto ok = judge(vapid(pem), "coi/webpush-spec.md");
    EXPECT_TRUE(ok.passed.count("webpush.vapid.pem-base64"));
    EXPECT_TRUE(ok.unmet.empty());
    std::string broken = pem;
    broken.replace(broken.find("MDkw"), 4, "MDkx");
    EXPECT_EQ(judge(vapid(broken), "coi/webpush-spec.md").unmet,
              std::set<std::string>{"webpush.vapid.pem-base64=fail"});
}

TEST(SpecExchange, WebpushJsonExamples) {
    EXPECT_TRUE(
        judge_json("{\"validation\": \"abc\"}\n").passed.count("webpush.validation.payload"));
    EXPECT_EQ(judge_json("{\"validation\": \"abc\", \"x\": 1}\n").unmet,
              std::set<std::string>{"webpush.validation.payload=fail"});
    std::string payload =
        "{\"from-email\": \"a@b.c\", \"msg-id\": \"m@b.c\", \"uid\": 1,\n"
        "\"uidvalidity\": 2, \"folder\": \"INBOX\", \"date\": "
        "\"2019-12-31T23:20:50.52Z\"}\n";
    auto ok = judge_json(payload);
    EXPECT_TRUE(ok.unmet.empty());
    EXPECT_TRUE(ok.passed.count("webpush.payload.fields"));
    std::string broken = payload;
    broken.erase(broken.find(", \"date\""), 1);  // a missing comma
    EXPECT_EQ(judge_json(broken).unmet, std::set<std::string>{"webpush.payload.fields=warn"});
    std::string content = payload;
    content.replace(content.find("\"uid\""), 5, "\"content\": \"x\", \"uid\"");
    EXPECT_EQ(judge_json(content).unmet,
              std::set<std::string>{"webpush.payload.content-type=warn"});
}

struct Found {
    std::string test, requirement, where;
    Verdict verdict;
};

std::vector<Found> run_on(const std::string& spec) {
    auto run = run_spec_lint({(specs_dir() / spec).string()}, {}, lookup());
    EXPECT_TRUE(run) << (run ? "" : run.error().message);
    std::vector<Found> out;
    if (!run) return out;
    for (const auto& t : run->suites.at(0).tests)
        for (const auto& f : t.findings)
            if (f.verdict == Verdict::fail || f.verdict == Verdict::warn)
                out.push_back({t.id, f.requirement, f.where, f.verdict});
    return out;
}

std::set<std::string> summary(const std::vector<Found>& found) {
    std::set<std::string> out;
    for (const auto& f : found)
        out.insert(f.where.substr(0, f.where.find(' ')) + " " + f.requirement + "=" +
                   std::string(to_string(f.verdict)));
    return out;
}

TEST(SpecExchange, CoiServerSpecFindings) {
    COITEST_REQUIRE_SPECS();
    // Values sent as bare atoms (RFC 5464 §5 wants a string, a literal or NIL).
    EXPECT_EQ(summary(run_on("coi/coi-server-spec.md")),
              (std::set<std::string>{"coi/coi-server-spec.md:111 rfc5464.syntax.value=fail",
                                     "coi/coi-server-spec.md:142 rfc5464.syntax.value=fail",
                                     "coi/coi-server-spec.md:155 rfc5464.syntax.value=fail",
                                     "coi/coi-server-spec.md:199 rfc5464.syntax.value=fail",
                                     "coi/coi-server-spec.md:205 rfc5464.syntax.value=fail"}));
}

TEST(SpecExchange, WebpushSpecFindings) {
    COITEST_REQUIRE_SPECS();
    EXPECT_EQ(summary(run_on("coi/webpush-spec.md")),
              (std::set<std::string>{
                  // {370+} before 349 octets of JSON (362 with CRLF line ends).
                  "coi/webpush-spec.md:144 rfc3501.syntax.literal-octets=fail",
                  // {380} before 249 octets of JSON.
                  "coi/webpush-spec.md:218 rfc3501.syntax.literal-octets=fail",
                  // Line 220 (no S: marker) completes tag a, line 221 completes it again.
                  "coi/webpush-spec.md:221 rfc3501.syntax.tagged-completion=fail",
                  // The push payload example misses a comma after content-encoding.
                  "coi/webpush-spec.md:255 webpush.payload.fields=warn"}));
}

}  // namespace
}  // namespace coitest::messages
// GMime: the environments registered by corpus_test.cpp and spec_lint_test.cpp cover this file.
