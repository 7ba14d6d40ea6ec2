#pragma once
// TLS for the reference peer's listeners: a throwaway CA and a server certificate for
// 127.0.0.1/localhost generated at start (EC P-256, milliseconds), or PEM files the user gives.
#include "model/error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace coitest::peer {

struct TlsMaterial {
    std::string ca_pem;    // the CA clients verify against
    std::string cert_pem;  // the server's certificate (signed by the CA)
    std::string key_pem;   // its private key
};

// A fresh CA and a server certificate whose subjectAltName lists `names` (IP addresses and DNS
// names), valid from a day ago for ten years.
Result<TlsMaterial> generate_tls_material(const std::vector<std::string>& names);

Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const std::string& cert_pem, const std::string& key_pem);

// Reads a PEM certificate (chain) and key from files.
Result<TlsMaterial> load_tls_material(const std::filesystem::path& cert,
                                      const std::filesystem::path& key);

}  // namespace coitest::peer
