#include "message/gmime.hpp"

#include <gmime/gmime.h>

namespace coitest::message {

GMimeLibrary::GMimeLibrary() {
    g_mime_init();
}
GMimeLibrary::GMimeLibrary(const GMimeLibrary&) {
    g_mime_init();
}
GMimeLibrary::~GMimeLibrary() {
    g_mime_shutdown();
}

}  // namespace coitest::message
