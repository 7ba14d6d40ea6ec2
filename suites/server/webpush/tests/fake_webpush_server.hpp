#pragma once
// A scripted WebPush IMAP server for the suite's own tests: just enough IMAP (LOGIN, CAPABILITY,
// GETMETADATA/SETMETADATA, APPEND as the delivery path, EXAMINE, UID SEARCH/FETCH) and WebPush
// (subscriptions, validation, pushes encrypted and signed with the webpush library, reactions to
// 404/410/429) to pass every webpush test -- and a knob per rule to break it, so each check is
// shown to fail on a broken server. Never a stand-in for a real server in integration tests.
#include "pushservice/ca.hpp"
#include "runner/target.hpp"
#include "testing/fake_peer.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <thread>

namespace coitest::suites::testing {

struct FakeWebPushOptions {
    bool webpush_after_login = true;
    bool webpush_before_login = false;
    enum class Vapid { pem, base64_of_pem, raw_point, none } vapid = Vapid::pem;
    bool check_id = true;
    bool check_msgtype = true;
    bool keep_unknown_keys = false;
    enum class Created { rfc3339, epoch_number, none } created = Created::rfc3339;
    bool add_validated = true;
    std::size_t max_subscriptions = 10;  // 0: no limit
    bool limit_answers_bad = false;
    bool several = true;      // false: a new subscription replaces the old one
    bool nil_removes = true;  // false: NIL answers OK and keeps the subscription (and pushes)
    bool send_validation = true;
    bool validation_header = true;
    bool validation_extra_member = false;
    bool validate_accepts_anything = false;
    bool send_ttl = true;
    bool reuse_sender_key = false;
    bool wrong_uid = false;
    bool cut_inside_utf8 = false;
    bool oversize_payload = false;
    bool ignore_msgtype = false;
    bool push_mdn = false;
    bool honour_gone = true;
    bool honour_retry_after = true;  // false: retries a 429 at once
};

class FakeWebPushServer {
  public:
    // `push_ca`: the CA whose certificates the fake accepts from push endpoints.
    FakeWebPushServer(FakeWebPushOptions options, pushservice::CaMaterial push_ca);
    ~FakeWebPushServer();
    // A target for it: IMAP plain, delivery by APPEND, two accounts, profile webpush-server, the CA
    // files under `dir` as its [webpush] section.
    Target target(const std::filesystem::path& ca_cert, const std::filesystem::path& ca_key) const;

    struct State;

  private:
    boost::asio::io_context io_;
    std::shared_ptr<State> state_;
    std::unique_ptr<coitest::testing::FakePeer> peer_;
    std::thread thread_;
};

}  // namespace coitest::suites::testing
