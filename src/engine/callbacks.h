// Delivers queued app notifications (status callbacks and inbound forwards) over HTTP, at least
// once: claimed with a lease, signed with the account's secret, retried with exponential back-off
// until acknowledged with 2xx or too old, every attempt logged. Runs on its own threads so a slow
// app never delays sending.
#pragma once

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "core/http_types.h"
#include "engine/forwarding.h"
#include "store/store.h"

namespace sb::engine {

class Gateway;

struct CallbackOptions {
  int workers = 4;
  int batch_size = 16;
  int timeout_ms = 10'000;
  int64_t lease_ms = 60'000;
  int64_t base_delay_ms = 5'000;
  int64_t max_delay_ms = 3'600'000;
  int64_t max_age_ms = 86'400'000;  // give up a day after the notification was created
  int64_t poll_interval_ms = 1'000;
};

class CallbackSender {
 public:
  CallbackSender(store::Store& store, HttpClient& http, const Clock& clock, CallbackOptions options);
  ~CallbackSender();
  void start();
  void wake();
  void stop();
  // Claims and attempts one batch on the calling thread; returns how many were attempted.
  int run_once();
  // Forwarding: where an app's reply to a forward is sent from (unset: replies are not sent and
  // the attempt says so). Set before start().
  void set_gateway(Gateway* gateway) { gateway_ = gateway; }

 private:
  void worker_loop();
  void attempt(const Delivery& d);
  // The signed request of one attempt: Switchboard's JSON (or query) and signature, or Twilio's
  // parameters and X-Twilio-Signature (d.format "twilio"). `message`: a forward's message.
  Result<HttpRequest> request_for(const Delivery& d, const std::optional<Message>& message,
                                  TimeMs now);
  // Sends the reply in a forward's 2xx answer, if it asks for one; notes the outcome on `a`.
  void reply_from_app(const Delivery& d, const Message& in, const HttpResponse& resp,
                      DeliveryAttempt& a);
  // The same for a Twilio-format forward: the answer is TwiML, each <Message> one reply.
  void reply_from_twiml(const Delivery& d, const Message& in, const HttpResponse& resp,
                        DeliveryAttempt& a);
  void send_replies(const Delivery& d, const Message& in, const std::vector<AppReply>& replies,
                    DeliveryAttempt& a);

  store::Store& store_;
  HttpClient& http_;
  const Clock& clock_;
  CallbackOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t wake_seq_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
  Gateway* gateway_ = nullptr;
};

}  // namespace sb::engine
