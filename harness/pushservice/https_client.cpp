#include "pushservice/https_client.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace coitest::pushservice {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

Error net_error(const boost::system::error_code& ec, std::string_view doing) {
    const auto kind = ec == beast::error::timeout                        ? ErrorKind::timeout
                      : ec.category() == asio::error::get_ssl_category() ? ErrorKind::tls
                                                                         : ErrorKind::network;
    return make_error(
        kind, fmt::format("{}: {}", doing,
                          ec == beast::error::timeout ? "no answer in time" : ec.message()));
}

}  // namespace

std::optional<std::string> HttpsResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return std::nullopt;
}

Result<ParsedUrl> parse_https_url(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (url.size() > 2048 || !url.starts_with(scheme))
        return make_error(ErrorKind::usage, fmt::format("'{}' is not an https:// URL", url));
    std::string_view rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    ParsedUrl out;
    out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    out.port = "443";
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return make_error(ErrorKind::usage, fmt::format("'{}': unclosed [", url));
        out.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size() && authority[close + 1] == ':')
            out.port = std::string(authority.substr(close + 2));
    } else {
        const auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
    }
    if (out.host.empty() || out.port.empty() ||
        out.port.find_first_not_of("0123456789") != std::string::npos)
        return make_error(ErrorKind::usage, fmt::format("'{}': bad host or port", url));
    return out;
}

Result<std::shared_ptr<ssl::context>> client_tls_trusting(const std::string& ca_pem) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    if (ca_pem.empty()) {
        ctx->set_verify_mode(ssl::verify_none);
        return ctx;
    }
    boost::system::error_code ec;
    ctx->add_certificate_authority(asio::buffer(ca_pem), ec);
    if (ec) return make_error(ErrorKind::tls, "the CA certificate: " + ec.message());
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

asio::awaitable<Result<HttpsResponse>> https_request(const HttpsRequest& request_in,
                                                     const std::shared_ptr<ssl::context>& tls_in,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     std::size_t max_response) {
    const HttpsRequest request = request_in;  // copied before the first suspension
    const auto tls = tls_in;
    auto url = parse_https_url(request.url);
    if (!url) co_return url.error();
    auto ex = co_await asio::this_coro::executor;

    tcp::resolver resolver(ex);
    auto resolved = co_await resolver.async_resolve(url->host, url->port, kTuple);
    if (std::get<0>(resolved)) co_return net_error(std::get<0>(resolved), "resolving " + url->host);
    const auto endpoints = std::get<1>(resolved);

    beast::ssl_stream<beast::tcp_stream> stream(ex, *tls);
    if (tls->native_handle() && SSL_CTX_get_verify_mode(tls->native_handle()) != SSL_VERIFY_NONE) {
        boost::system::error_code ignored;
        asio::ip::make_address(url->host, ignored);
        if (ignored)  // a name: SNI and host name verification
            SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str());
        stream.set_verify_callback(ssl::host_name_verification(url->host));
    }
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_at(deadline);
    auto connected = co_await lowest.async_connect(endpoints, kTuple);
    if (std::get<0>(connected))
        co_return net_error(std::get<0>(connected), "connecting to " + request.url);
    auto hs = co_await stream.async_handshake(ssl::stream_base::client, kTuple);
    if (std::get<0>(hs)) co_return net_error(std::get<0>(hs), "TLS handshake with " + request.url);

    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(url->target);
    req.version(11);
    const bool v6 = url->host.find(':') != std::string::npos;
    req.set(http::field::host, v6 ? fmt::format("[{}]:{}", url->host, url->port)
                                  : fmt::format("{}:{}", url->host, url->port));
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    req.prepare_payload();
    auto written = co_await http::async_write(stream, req, kTuple);
    if (std::get<0>(written))
        co_return net_error(std::get<0>(written), "sending to " + request.url);

    beast::flat_buffer buffer(max_response + 16 * 1024);
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_response);
    auto read = co_await http::async_read(stream, buffer, parser, kTuple);
    if (std::get<0>(read))
        co_return net_error(std::get<0>(read), "reading the answer of " + request.url);
    HttpsResponse out;
    const auto& res = parser.get();
    out.status = res.result_int();
    for (const auto& f : res)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = res.body();
    lowest.expires_after(std::chrono::milliseconds(500));
    auto shut = co_await stream.async_shutdown(kTuple);
    (void)shut;
    co_return out;
}

}  // namespace coitest::pushservice
