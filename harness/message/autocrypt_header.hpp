#pragma once
// Sans-I/O parser for the attribute list of Autocrypt, Autocrypt-Gossip and
// Autocrypt-Draft-State header fields (autocrypt/level1.rst "The Autocrypt Header"):
// "name=value" pairs separated by ";", white space and folding allowed around them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coitest::message {

struct AutocryptAttribute {
    std::string name;   // as written
    std::string value;  // trimmed; for keydata all white space removed
};

struct AutocryptHeader {
    std::vector<AutocryptAttribute> attributes;  // in the order written
    std::vector<std::string> problems;           // syntax problems, in words

    const AutocryptAttribute* find(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    // Critical attributes (no leading underscore) other than those in `known`.
    std::vector<std::string> unknown_critical(const std::vector<std::string_view>& known) const;
};

AutocryptHeader parse_autocrypt_attributes(std::string_view raw_value);

}  // namespace coitest::message
