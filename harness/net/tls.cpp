#include "net/tls.hpp"

#include <fmt/format.h>
#include <openssl/err.h>

#include <filesystem>

namespace coitest::net {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> make_client_tls_context(const TlsOptions& options) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (options.insecure) {
        ctx->set_verify_mode(ssl::verify_none);
        return ctx;
    }
    ctx->set_verify_mode(ssl::verify_peer);
    if (!options.ca_file.empty()) {
        std::error_code fec;
        if (!std::filesystem::is_regular_file(options.ca_file, fec))
            return make_error(
                ErrorKind::config,
                fmt::format("CA file '{}' does not exist or is not a file", options.ca_file));
        ctx->load_verify_file(options.ca_file, ec);
        if (ec)
            return make_error(
                ErrorKind::config,
                fmt::format("CA file '{}' holds no usable PEM certificate", options.ca_file));
    } else {
        ctx->set_default_verify_paths(ec);
        if (ec)
            return make_error(ErrorKind::config,
                              fmt::format("cannot load the system's CA roots: {}", ec.message()));
    }
    return ctx;
}

}  // namespace coitest::net
