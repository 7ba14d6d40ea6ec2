#pragma once
// The peer's push client: sends PushJobs to push services over HTTPS (Boost.Beast on Asio SSL,
// the service's certificate verified against the CA the peer is given). Everything is
// asynchronous on the server's io_context: a push service that answers slowly or never costs a
// coroutine frame and a socket, never a blocked IMAP session or delivery. Each attempt has one
// deadline (resolve, connect, TLS, write, read); the answer is size-limited. 429 and 5xx (and no
// answer; not an untrusted certificate) are retried with back-off, honouring Retry-After, for a
// bounded number of attempts; 404/410 delete the subscription (webpush-spec "Push Service Response
// Codes").
#include "peer/deviation.hpp"
#include "peer/recorder.hpp"
#include "peer/webpush_request.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace coitest::peer::push {

struct SenderOptions {
    std::shared_ptr<boost::asio::ssl::context> tls;  // verifies the push services
    RequestSettings request;                         // VAPID subject, TTL (now is set per push)
    std::chrono::milliseconds timeout{10000};        // one attempt, end to end
    std::size_t max_response = 16 * 1024;            // the service's answer, headers and body
    std::size_t max_attempts = 4;
    std::chrono::milliseconds first_backoff{1000};  // without Retry-After: 1 s, 2 s, 4 s ...
    std::chrono::seconds max_wait{600};  // a Retry-After longer than this: the push is dropped
    std::size_t max_in_flight = 64;      // concurrent pushes; the rest wait in a queue
    std::size_t max_queued = 10000;      // beyond this new pushes are dropped (and recorded)
};

struct SenderEvents {
    // The service answered 404/410 for this job's subscription (on the io_context's thread).
    std::function<void(const PushJob&)> gone;
    Recorder* recorder = nullptr;  // every push's outcome
};

class Sender : public std::enable_shared_from_this<Sender> {
  public:
    Sender(boost::asio::any_io_executor executor, VapidKeys keys, Deviations deviations,
           SenderOptions options, SenderEvents events);

    // Queues the push and returns at once. Call on the executor's thread.
    void submit(PushJob job);

    std::size_t in_flight() const { return in_flight_; }

  private:
    struct Attempt {
        unsigned status = 0;
        std::string retry_after;
        std::string error;
        bool permanent = false;  // retrying cannot help (the certificate is not trusted)
    };
    void start(PushJob job, double queued);
    boost::asio::awaitable<void> deliver(PushJob job, double queued);
    boost::asio::awaitable<Attempt> attempt(const PushRequest& request);
    void finished();
    void record(const PushJob& job, const Attempt& last, std::size_t attempts, std::string outcome,
                double queued);

    boost::asio::any_io_executor executor_;
    VapidKeys keys_;
    Deviations deviations_;
    SenderOptions options_;
    SenderEvents events_;
    std::size_t in_flight_ = 0;
    std::deque<std::pair<PushJob, double>> queue_;
    // A 429 with Retry-After holds back every push to that origin until then.
    std::map<std::string, std::chrono::steady_clock::time_point> blocked_until_;
};

}  // namespace coitest::peer::push
