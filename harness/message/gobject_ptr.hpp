#pragma once
// Owning pointers for GObject-based GMime types, so no reference leaks on any exit path.
// Private to the message library's .cpp files (keeps GMime headers out of public headers).
#include <gmime/gmime.h>

#include <memory>

namespace coitest::message::detail {

struct GObjectUnref {
    void operator()(void* p) const {
        if (p != nullptr) g_object_unref(p);
    }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct ParserOptionsFree {
    void operator()(GMimeParserOptions* p) const {
        if (p != nullptr) g_mime_parser_options_free(p);
    }
};
using ParserOptionsPtr = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

struct GFree {
    void operator()(void* p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

}  // namespace coitest::message::detail
