#include "webpush/openssl_util.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

namespace coitest::webpush::detail {

Error openssl_error(ErrorKind kind, std::string_view what) {
    std::string message(what);
    // The first queued entry is the root cause; later ones are the call chain above it.
    if (unsigned long code = ERR_get_error(); code != 0) {
        char reason[256];
        ERR_error_string_n(code, reason, sizeof reason);
        message += " (OpenSSL: ";
        message += reason;
        message += ")";
    }
    ERR_clear_error();
    return {kind, std::move(message)};
}

void clear_openssl_errors() {
    ERR_clear_error();
}

Result<std::string> random_octets(std::size_t n) {
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(bytes(out), static_cast<int>(n)) != 1)
        return openssl_error(ErrorKind::internal, "the random number generator failed");
    return out;
}

}  // namespace coitest::webpush::detail
