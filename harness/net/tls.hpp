#pragma once
// TLS client settings: verification is on unless the user explicitly says --insecure.
#include "model/error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace coitest::net {

struct TlsOptions {
    std::string ca_file;    // PEM bundle; empty = the system's default roots
    bool insecure = false;  // no certificate or host name verification
};

Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const TlsOptions& options);

}  // namespace coitest::net
