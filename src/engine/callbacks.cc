// Callback and forward delivery loop.
#include "engine/callbacks.h"

#include <spdlog/spdlog.h>

#include "core/log.h"
#include "core/thread_name.h"
#include "engine/account_service.h"
#include "engine/forwarding.h"
#include "engine/metrics.h"
#include "engine/retry.h"
#include "engine/twilio_requests.h"

namespace sb::engine {

CallbackSender::CallbackSender(store::Store& store, HttpClient& http, const Clock& clock,
                               CallbackOptions options)
    : store_(store), http_(http), clock_(clock), options_(options) {}

CallbackSender::~CallbackSender() { stop(); }

void CallbackSender::start() {
  std::lock_guard lk(mu_);
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] {
      set_thread_name("sb-callbacks");
      worker_loop();
    });
}

void CallbackSender::wake() {
  {
    std::lock_guard lk(mu_);
    ++wake_seq_;
  }
  cv_.notify_one();
}

void CallbackSender::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void CallbackSender::worker_loop() {
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
      seen = wake_seq_;
    }
    const int attempted = run_once();
    if (attempted > 0) cv_.notify_one();  // enlist a peer while there is work
    if (attempted >= options_.batch_size) continue;
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, std::chrono::milliseconds(options_.poll_interval_ms),
                 [&] { return stopping_ || wake_seq_ != seen; });
  }
}

int CallbackSender::run_once() {
  auto claimed = store_.deliveries().claim(clock_.now_ms(), options_.lease_ms, options_.batch_size);
  if (!claimed) return 0;
  for (const auto& d : *claimed) attempt(d);
  return static_cast<int>(claimed->size());
}

void CallbackSender::attempt(const Delivery& d) {
  const TimeMs started = clock_.now_ms();
  const bool forward = d.kind == "forward";
  const bool twilio = d.format == "twilio";
  const char* what = forward ? "forward" : "status callback";
  DeliveryAttempt a;
  a.delivery_id = d.id;
  a.attempt = d.attempts;
  a.at = started;

  // A failed read (the message, the contact, the signing key): the lease expires and the
  // delivery comes back.
  const auto not_attempted = [&](const Error& e) {
    spdlog::error("callbacks: delivery {} not attempted: {}", d.id, e.message);
  };
  // Forwards are built now, from the message as it is (not as it was when it arrived).
  std::optional<Message> message;
  if (forward) {
    auto read = store_.messages().get(d.account, d.message_id);
    if (!read) return not_attempted(read.error());
    message = std::move(*read);
    if (!message) {
      engine_metrics().app_deliveries.with({"forward", "dropped"}).inc();
      a.error = "the message no longer exists";
      log::warn({.message_id = d.message_id, .account = d.account},
                "message {} forward {} dropped: the message no longer exists", d.message_id, d.id);
      if (auto r = store_.deliveries().record_attempt(a, true, false, std::nullopt); !r) {
        spdlog::error("callbacks: could not record delivery {}: {}", d.id, r.error().message);
      }
      return;
    }
    if (!ready_to_forward(*message, started)) {
      if (auto r = store_.deliveries().defer(d.id, started + options_.poll_interval_ms); !r) {
        spdlog::error("callbacks: could not defer delivery {}: {}", d.id, r.error().message);
      }
      return;
    }
  }
  auto built = request_for(d, message, started);
  if (!built) return not_attempted(built.error());
  const HttpRequest& req = *built;
  const auto t0 = std::chrono::steady_clock::now();
  const HttpResponse resp = http_.send(req);
  a.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
  a.http_status = resp.status;
  a.response_excerpt = excerpt(resp.body);
  const TimeMs now = clock_.now_ms();
  const bool success = resp.status >= 200 && resp.status < 300;
  a.error = success ? ""
                    : (resp.error.empty() ? std::string("HTTP ").append(std::to_string(resp.status))
                                          : resp.error);
  bool done = success;
  std::optional<TimeMs> retry_at;
  if (success && forward) {
    if (twilio) {
      reply_from_twiml(d, *message, resp, a);
    } else {
      reply_from_app(d, *message, resp, a);
    }
  } else if (resp.refused) {
    // The outbound URL policy forbids where it points (a private or metadata address, perhaps
    // through a hostname): no retry can change that.
    done = true;
    log::warn({.message_id = d.message_id, .account = d.account}, "message {} {} {} refused: {}",
              d.message_id, what, d.id, a.error);
  } else if (!success) {
    double jitter;
    {
      std::lock_guard lk(rng_mu_);
      jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    const RetryPolicy p{0, options_.base_delay_ms, options_.max_delay_ms, 0};
    const TimeMs next = now + backoff_ms(p, d.attempts, jitter);
    if (next - d.created_at > options_.max_age_ms) {
      done = true;
      log::warn({.message_id = d.message_id, .account = d.account},
                "message {} {} {} abandoned after {} attempts: {}", d.message_id, what, d.id,
                d.attempts, a.error);
    } else {
      retry_at = next;
      log::info({.message_id = d.message_id, .account = d.account},
                "message {} {} {} attempt {} failed ({}); retrying", d.message_id, what, d.id,
                d.attempts, a.error);
    }
  }
  engine_metrics()
      .app_deliveries
      .with({forward ? "forward" : "status_callback", success        ? "delivered"
                                                      : resp.refused ? "refused"
                                                      : retry_at     ? "retrying"
                                                                     : "abandoned"})
      .inc();
  auto r = store_.deliveries().record_attempt(a, done, success, retry_at);
  if (!r) spdlog::error("callbacks: could not record delivery {}: {}", d.id, r.error().message);
}

Result<HttpRequest> CallbackSender::request_for(const Delivery& d,
                                               const std::optional<Message>& message,
                                               TimeMs now) {
  if (d.format == "twilio") {
    // Twilio's parameters, signed with the account's auth token as Twilio signs.
    auto creds = ensure_twilio_credentials(store_, d.account, now);
    if (!creds) return creds.error();
    FormFields params;
    if (message) {
      params = twilio_inbound_params(*message, creds->account_sid);
    } else {
      auto p = twilio_status_params(d.payload, creds->account_sid);
      if (!p) return p.error();
      params = std::move(*p);
    }
    return twilio_request(d, params, creds->auth_token, options_.timeout_ms);
  }
  std::string payload = d.payload;
  if (message) {
    const auto contact = store_.conversations().find_contact(d.account, message->from);
    if (!contact) return contact.error();
    payload = d.method == "GET" ? forward_query(*message, *contact)
                                : forward_payload(*message, *contact).dump();
  }
  auto secret = store_.accounts().signing_secret(d.account, now);
  if (!secret) return secret.error();
  return forward_request(d, payload, secret->secret, now / 1000, options_.timeout_ms);
}

void CallbackSender::reply_from_twiml(const Delivery& d, const Message& in,
                                      const HttpResponse& resp, DeliveryAttempt& a) {
  if (resp.body.size() > kMaxReplyBytes) {
    a.error = "reply not sent: the TwiML answer is larger than " +
              std::to_string(kMaxReplyBytes) + " bytes";
    log::info({.message_id = in.id, .account = in.account}, "message {} forward {}: {}", in.id,
              d.id, a.error);
    return;
  }
  auto parsed = parse_twiml(resp.body);
  if (!parsed) {
    a.error = std::string("reply not sent: ").append(parsed.error().message);
    log::info({.message_id = in.id, .account = in.account}, "message {} forward {}: {}", in.id,
              d.id, a.error);
    return;
  }
  std::vector<AppReply> replies;
  for (auto& m : *parsed) {
    AppReply r;
    r.body = std::move(m.body);
    r.media_urls = std::move(m.media_urls);
    r.to = std::move(m.to);
    r.from = std::move(m.from);
    r.status_callback = std::move(m.action);
    r.callback_format = "twilio";
    replies.push_back(std::move(r));
  }
  send_replies(d, in, replies, a);
}

void CallbackSender::send_replies(const Delivery& d, const Message& in,
                                  const std::vector<AppReply>& replies, DeliveryAttempt& a) {
  if (replies.empty()) return;  // the app asked for no reply
  if (!gateway_) {
    a.error = "reply not sent: this process sends no replies";
    return;
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < replies.size(); ++i) {
    // Bounded: the outbox commits in milliseconds; a stuck database must not hold the lease.
    auto sent =
        send_app_reply(*gateway_, in, replies[i], d.id, i, std::chrono::milliseconds(10'000));
    if (!sent) {
      a.error = std::string("reply ")
                    .append(replies.size() > 1 ? std::to_string(i + 1) + " " : "")
                    .append("not sent: ")
                    .append(sent.error().code)
                    .append(": ")
                    .append(sent.error().message);
      log::info({.message_id = in.id, .account = in.account}, "message {} forward {}: {}", in.id,
                d.id, a.error);
      continue;
    }
    ids.push_back(*sent);
    log::info({.message_id = in.id, .account = in.account},
              "message {} forward {}: the app's reply queued as {}", in.id, d.id, *sent);
  }
  for (const auto& id : ids) {
    if (!a.reply_message_id.empty()) a.reply_message_id.push_back(',');
    a.reply_message_id.append(id);
  }
}

void CallbackSender::reply_from_app(const Delivery& d, const Message& in, const HttpResponse& resp,
                                    DeliveryAttempt& a) {
  auto parsed = parse_app_reply(resp.body);
  if (!parsed) {
    a.error = std::string("reply not sent: ").append(parsed.error().message);
    log::info({.message_id = in.id, .account = in.account}, "message {} forward {}: {}", in.id,
              d.id, a.error);
    return;
  }
  if (!*parsed) return;  // the app asked for no reply
  send_replies(d, in, {std::move(**parsed)}, a);
}

}  // namespace sb::engine
