#pragma once
// Internal to spec-lint (spec_exchange.cpp): the rules the COI server and WebPush specs give for
// what their C:/S: examples show. The framing hands over each completed command with the
// untagged responses it received and every capability list, in order.
#include "imap/response.hpp"
#include "message/check.hpp"
#include "messages/spec_exchange.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coitest::messages::exchange {

bool is_rfc3339(std::string_view s);  // date-time of RFC 3339 §5.6
bool starts_with_ci(std::string_view s, std::string_view prefix);

// "FILE:LINE what" — where a finding of an exchange points.
std::string where_of(std::string_view file, int line, std::string_view what);

struct Observed {
    bool authenticated = false;  // after a LOGIN or AUTHENTICATE answered OK
    std::vector<std::string> capabilities;
    int line = 0;
};

struct Completed {
    const ClientCommand* command = nullptr;
    int command_line = 0;
    std::vector<std::pair<int, const imap::Response*>> untagged;  // (spec line, response)
    imap::Status status = imap::Status::ok;
};

class SpecRules {
  public:
    SpecRules(std::string_view file, std::string_view spec, message::Findings& f)
        : file_(file), spec_(spec), f_(f) {}

    void capabilities(const Observed& o);
    void completed(const Completed& c);

  private:
    bool coi() const;
    bool webpush() const;
    void setmetadata(const Completed& c);
    void getmetadata(const Completed& c);
    void subscription_entry(const std::string& entry, const imap::SExpr& value,
                            const std::string& where);
    void listed_subscription(const std::string& value, const std::string& where);

    std::string_view file_;
    std::string_view spec_;
    message::Findings& f_;
};

}  // namespace coitest::messages::exchange
