#pragma once
// RAII guard for GMime's global state (NOTES §1 pitfall 5: parsing before g_mime_init crashes).
// g_mime_init/g_mime_shutdown are reference counted inside GMime, so every object that parses
// owns one guard; no global or static initialisation is needed.
namespace coitest::message {

class GMimeLibrary {
  public:
    GMimeLibrary();
    ~GMimeLibrary();
    GMimeLibrary(const GMimeLibrary&);
    GMimeLibrary& operator=(const GMimeLibrary&) = default;
};

}  // namespace coitest::message
