#include "model/error.hpp"

namespace coitest {

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::usage:
            return "usage";
        case ErrorKind::config:
            return "config";
        case ErrorKind::network:
            return "network";
        case ErrorKind::timeout:
            return "timeout";
        case ErrorKind::tls:
            return "tls";
        case ErrorKind::protocol:
            return "protocol";
        case ErrorKind::limit:
            return "limit";
        case ErrorKind::io:
            return "io";
        case ErrorKind::internal:
            return "internal";
        case ErrorKind::interrupted:
            return "interrupted";
    }
    return "internal";
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
    throw ErrorException(e);
}

}  // namespace coitest
