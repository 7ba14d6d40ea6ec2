#pragma once
// One connection to the target before any test: an unreachable target ends the run at once with
// one clear reason (exit 3) instead of N identical test errors after N timeouts.
#include "model/error.hpp"
#include "runner/target.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>

namespace coitest {

Result<void> preflight(const Target& target, std::shared_ptr<boost::asio::ssl::context> tls,
                       std::chrono::milliseconds connect_timeout);

}  // namespace coitest
