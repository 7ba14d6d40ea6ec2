#include "net/endpoint.hpp"

#include <gtest/gtest.h>

namespace coitest::net {
namespace {

TEST(Endpoint, ParsesEverySchemeWithDefaultsAndPorts) {
    auto e = parse_endpoint("imap+starttls://127.0.0.1:14143");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->protocol, Protocol::imap);
    EXPECT_EQ(e->security, Security::starttls);
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 14143);
    EXPECT_EQ(e->url(), "imap+starttls://127.0.0.1:14143");

    EXPECT_EQ(parse_endpoint("imaps://mail.example.org")->port, 993);
    EXPECT_EQ(parse_endpoint("smtps://mail.example.org")->security, Security::tls);
    EXPECT_EQ(parse_endpoint("smtp+starttls://h")->port, 587);
    EXPECT_EQ(parse_endpoint("lmtp://h:24")->protocol, Protocol::lmtp);
    auto v6 = parse_endpoint("imap://[::1]:1430");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->url(), "imap://[::1]:1430");
}

TEST(Endpoint, RejectsMalformedUrlsWithAReason) {
    for (const char* bad :
         {"127.0.0.1:143", "pop3://h", "imap://", "imap://h:0", "imap://h:70000", "imap://h:12x",
          "imap://h:", "imap://user@h", "imap://h/INBOX", "imap://[::1", "imap://h st"}) {
        auto e = parse_endpoint(bad);
        ASSERT_FALSE(e) << bad;
        EXPECT_EQ(e.error().kind, ErrorKind::usage) << bad;
        EXPECT_NE(e.error().message.find(bad), std::string::npos) << e.error().message;
    }
}

}  // namespace
}  // namespace coitest::net
