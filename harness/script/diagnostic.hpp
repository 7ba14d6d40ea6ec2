#pragma once
// Where something is in a .coi script, and what is wrong there.
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>

namespace coitest::script {

// A problem at a column of the line being parsed (the parser adds file and line).
struct ParseError {
    int col = 0;
    std::string message;
};

class ParseErrorException : public std::runtime_error {
  public:
    explicit ParseErrorException(const ParseError& e) : std::runtime_error(e.message) {}
};

[[noreturn]] inline void throw_exception_from_error(const ParseError& e,
                                                    const boost::source_location&) {
    throw ParseErrorException(e);
}

template <class T>
using Parsed = boost::system::result<T, ParseError>;

struct Location {
    std::string file;  // as shown to people: "suites/server/scripts/imap-baseline/select.coi"
    int line = 0;      // 1-based
    int col = 0;       // 1-based byte column; 0 when only the line is known

    std::string where() const { return file + ":" + std::to_string(line); }  // "file:line"
    std::string str() const;  // "file:line:col" (or "file:line")
};

// One problem found while reading a script: "file:line:col: message".
struct Diagnostic {
    Location at;
    std::string message;

    std::string str() const { return at.str() + ": " + message; }
};

inline std::string Location::str() const {
    std::string s = where();
    if (col > 0) s += ":" + std::to_string(col);
    return s;
}

}  // namespace coitest::script
