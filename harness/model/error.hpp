#pragma once
// Errors as values at every protocol and I/O boundary. A test that meets one gets an `error`
// verdict carrying `message`, which must read well to a user without the source at hand.
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>

namespace coitest {

enum class ErrorKind {
    usage,        // the user asked for something impossible (bad flag, bad URL)
    config,       // a target or catalog file is wrong
    network,      // connect refused, reset, closed by the peer
    timeout,      // a deadline passed
    tls,          // handshake or verification failure
    protocol,     // the peer said something unparseable or out of sequence
    limit,        // the peer exceeded a size limit (line, literal, flood)
    io,           // local files
    internal,     // a bug in coitest
    interrupted,  // the user stopped the run (SIGINT/SIGTERM)
};

const char* to_string(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::internal;
    std::string message;
};

// Thrown only inside test bodies (where unwinding to the runner is the right control flow);
// the runner turns it into an `error` verdict.
class ErrorException : public std::runtime_error {
  public:
    explicit ErrorException(Error e) : std::runtime_error(e.message), error_(std::move(e)) {}
    const Error& error() const { return error_; }

  private:
    Error error_;
};

[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

inline Error make_error(ErrorKind kind, std::string message) {
    return {kind, std::move(message)};
}

}  // namespace coitest
