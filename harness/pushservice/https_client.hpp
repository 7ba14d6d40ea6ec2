#pragma once
// A small HTTPS client on Beast, for driving the push endpoint in tests and for the scripted
// fake WebPush servers of the server-suite tests (never used to judge anything itself). One
// request per connection; a deadline on the whole exchange and a cap on the response size.
#include "model/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::pushservice {

struct HttpsRequest {
    std::string url;  // https://host:port/path
    std::string method = "POST";
    std::vector<std::pair<std::string, std::string>> headers;  // besides Host, Content-Length
    std::string body;
};

struct HttpsResponse {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::optional<std::string> header(std::string_view name) const;
};

// Verifies the server against `ca_pem` (and the URL's host); empty: no verification.
Result<std::shared_ptr<boost::asio::ssl::context>> client_tls_trusting(const std::string& ca_pem);

// Sends `request` and reads the response by `deadline`. The caller co_awaits at once, so the
// references outlive the call. No answer (the server hung up) is a `network` Error; none in
// time a `timeout` Error.
boost::asio::awaitable<Result<HttpsResponse>> https_request(
    const HttpsRequest& request, const std::shared_ptr<boost::asio::ssl::context>& tls,
    std::chrono::steady_clock::time_point deadline, std::size_t max_response = 64 * 1024);

struct ParsedUrl {
    std::string host;  // without brackets
    std::string port;
    std::string target;  // "/" at least
};
Result<ParsedUrl> parse_https_url(std::string_view url);

}  // namespace coitest::pushservice
