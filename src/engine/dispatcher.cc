// Dispatcher workers, the send pool, and reconciliation.
#include "engine/dispatcher.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <utility>

#include "core/log.h"
#include "core/smart_encoding.h"
#include "core/thread_name.h"
#include "engine/metrics.h"
#include "engine/opt_outs.h"

namespace sb::engine {
namespace {
// A send never leaves before its slot, nor before 1/rate after its number's previous one: a
// carrier counting by the second never sees one more than the limit.
constexpr TimeMs kSlotToleranceMs = 0;
// How soon an idle worker looks again at due messages it could not claim (see worker_loop).
constexpr int64_t kLockedRecheckMs = 50;

// Shared send slots (a database several instances share, store::ClusterRepository). The
// in-memory line cannot be used there: its places would be held for messages that another
// instance ends up sending, and each instance's line would space only its own sends. A number's
// slots come from its row instead, one statement per slot, in claim order (under the claim
// order lock, so one instance still sends a number's messages in the order it claimed them).
// A slot may be taken this far ahead: the message is held (its send thread waits) until then, so
// the time a message takes from becoming due to being claimed does not move its send; a message
// whose slot would be further off goes back to the queue until shortly before a slot frees.
constexpr int64_t kSharedSlotHorizonMs = 250;
// Shared slots are spaced 2 % wider than 1/rate: two instances' sends travel different paths
// to the provider (send threads, connections), and the margin keeps the tens of milliseconds
// one may lose against the other from putting one more than the limit into a carrier's second
// (11 sends span 1,020 ms at 10/s). The number then sends at 98 % of its limit.
constexpr double kSharedSlotMargin = 1.02;

int64_t shared_slot_interval_ms(double rate_per_s) {
  return static_cast<int64_t>(std::ceil(1000.0 * kSharedSlotMargin / rate_per_s));
}

// A cluster job's lease lasts one period of the job: whoever runs a pass holds the job for that
// period, so the instances run it once a period between them, and a holder killed with -9 is
// replaced within one period.
constexpr std::string_view kReconciliationLease = "reconciliation";
}  // namespace

Dispatcher::Dispatcher(store::Store& store, std::map<std::string, providers::Connector*> connectors,
                       const Clock& clock, DispatcherOptions options, std::string owner,
                       std::unordered_map<std::string, double> throughput,
                       std::function<void()> on_callbacks_queued)
    : store_(store),
      connectors_(std::move(connectors)),
      clock_(clock),
      options_(options),
      owner_(std::move(owner)),
      throughput_(std::move(throughput)),
      on_callbacks_queued_(std::move(on_callbacks_queued)) {
  for (const auto& [id, _] : connectors_) {
    circuits_[id] = std::make_unique<CircuitBreaker>(options_.circuit);
  }
}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  std::lock_guard lk(mu_);
  stopping_ = false;
  send_stopping_ = false;
  for (int i = 0; i < std::max(1, options_.send_threads); ++i) {
    send_threads_.emplace_back([this] {
      set_thread_name("sb-send");
      send_thread_loop();
    });
  }
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] {
      set_thread_name("sb-dispatch");
      worker_loop();
    });
  }
  if (options_.workers > 0 && options_.reconcile_interval_ms > 0 && statuses_) {
    workers_.emplace_back([this] {
      set_thread_name("sb-reconcile");
      reconcile_loop();
    });
  }
  if (options_.workers > 0 && options_.health_check_at_start) {
    // Off the start path: a slow provider must not delay serving.
    workers_.emplace_back([this] {
      set_thread_name("sb-health");
      check_health();
    });
  }
}

void Dispatcher::check_health() {
  for (const auto& [id, connector] : connectors_) {
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
    }
    const auto health = connector->health_check();
    const TimeMs now = clock_.now_ms();
    if (health) {
      spdlog::info("connector {} ({}): health check passed", id, connector->provider());
      continue;
    }
    const providers::SendFailure* failure = &health.error();
    const std::string reason = "health check: " + std::string(to_string(failure->kind)) + " " +
                               failure->code + " " + failure->message;
    if (failure->kind == providers::FailureKind::kAuth) {
      // Credentials rejected: hold this connector's messages now rather than on each send.
      circuits_.at(id)->record(failure->kind, reason, now);
      spdlog::error(
          "connector {} ({}): credentials rejected at start ({} {}); its messages "
          "wait until a probe succeeds (see /readyz)",
          id, connector->provider(), failure->code, failure->message);
    } else {
      spdlog::warn("connector {} ({}): {}", id, connector->provider(), reason);
    }
  }
}

void Dispatcher::wake() {
  {
    std::lock_guard lk(mu_);
    ++wake_seq_;
  }
  // One worker is enough to look; a worker that finds work wakes a peer (see worker_loop), so
  // idle workers do not all race for the write lock after every commit. Only workers wait on
  // cv_: notify_one wakes the longest waiter, which was the reconciliation thread (it sleeps a
  // minute at a time) when it shared the variable, and the message then waited for a poll.
  cv_.notify_one();
}

void Dispatcher::set_throughput(std::unordered_map<std::string, double> throughput) {
  std::unique_lock lk(throughput_mu_);
  throughput_ = std::move(throughput);
}

void Dispatcher::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  reconcile_cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  {
    std::lock_guard lk(send_mu_);
    send_stopping_ = true;
  }
  send_cv_.notify_all();
  for (auto& t : send_threads_) t.join();
  send_threads_.clear();
}

double Dispatcher::jitter() {
  std::lock_guard lk(rng_mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void Dispatcher::worker_loop() {
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
      seen = wake_seq_;
    }
    const TimeMs claim_at = clock_.now_ms();
    const int claimed = run_once();
    // provider redactions ride on the claim loop, one worker per poll interval (also
    // under sustained load, so they never starve).
    {
      const TimeMs now = clock_.now_ms();
      TimeMs last = last_redact_pass_.load();
      if (now - last >= options_.poll_interval_ms &&
          last_redact_pass_.compare_exchange_strong(last, now)) {
        redact_once();
      }
    }
    if (claimed >= options_.batch_size) {  // likely more waiting: enlist a peer and go on
      cv_.notify_one();
      continue;
    }
    // A partial batch took everything due; new commits wake a worker (wake()), so a peer woken
    // now would only race this one for the write lock and claim nothing. The next due time is
    // read before taking mu_: wake() runs on the outbox's writer thread after every commit and
    // must not wait for a database read. A wake after `seen` was taken still ends the wait.
    int64_t wait_ms = options_.poll_interval_ms;
    // Unreadable, or readable but the claim failed (a full disk refuses writes, not reads: due
    // messages are there, and going straight back spun every worker at full speed, logging
    // thousands of failed claims a second): wait the poll interval and try again.
    // A claim that found nothing although messages were due when it began: they are claimed by
    // a transaction not committed yet (another instance's, skipped by SKIP LOCKED; they will be
    // its), or were committed since (a wake then ends the wait at once). Looking again at once
    // spun every idle worker of every other instance through empty claims until that commit.
    if (claimed >= 0) {
      if (auto due = store_.messages().next_due(); due && *due) {
        const int64_t least = claimed == 0 && **due <= claim_at
                                  ? std::min<int64_t>(kLockedRecheckMs, options_.poll_interval_ms)
                                  : 0;
        wait_ms = std::clamp<int64_t>(**due - clock_.now_ms(), least, options_.poll_interval_ms);
      }
    }
    std::unique_lock lk(mu_);
    if (wait_ms > 0) {
      cv_.wait_for(lk, std::chrono::milliseconds(wait_ms),
                   [&] { return stopping_ || wake_seq_ != seen; });
    }
  }
}

void Dispatcher::send_thread_loop() {
  for (;;) {
    std::function<void()>* task;
    {
      std::unique_lock lk(send_mu_);
      send_cv_.wait(lk, [&] { return send_stopping_ || !send_queue_.empty(); });
      if (send_queue_.empty()) return;
      task = send_queue_.front();  // first in, first out: a batch leaves in claim order
      send_queue_.pop_front();
    }
    (*task)();
  }
}

void Dispatcher::run_parallel(std::vector<std::function<void()>>& tasks) {
  if (tasks.size() <= 1 || send_threads_.empty()) {
    for (auto& t : tasks) t();
    return;
  }
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t remaining = tasks.size();
  std::vector<std::function<void()>> wrapped;
  wrapped.reserve(tasks.size());
  for (auto& t : tasks) {
    wrapped.emplace_back([&, &task = t] {
      task();
      std::lock_guard lk(done_mu);
      if (--remaining == 0) done_cv.notify_one();
    });
  }
  {
    std::lock_guard lk(send_mu_);
    for (auto& w : wrapped) send_queue_.push_back(&w);
  }
  for (size_t i = 0; i < wrapped.size(); ++i) send_cv_.notify_one();
  std::unique_lock lk(done_mu);
  done_cv.wait(lk, [&] { return remaining == 0; });
}

void Dispatcher::SendGroup::add(std::function<void()> task) {
  if (d_.send_threads_.empty()) {
    task();
    return;
  }
  {
    std::lock_guard lk(mu_);
    ++remaining_;
  }
  // A deque keeps the earlier tasks where the send threads point to them.
  tasks_.emplace_back([this, task = std::move(task)] {
    task();
    std::lock_guard lk(mu_);
    if (--remaining_ == 0) done_.notify_one();
  });
  {
    std::lock_guard lk(d_.send_mu_);
    d_.send_queue_.push_back(&tasks_.back());
  }
  d_.send_cv_.notify_one();
}

void Dispatcher::SendGroup::wait() {
  std::unique_lock lk(mu_);
  done_.wait(lk, [&] { return remaining_ == 0; });
}

providers::SendResult Dispatcher::attempt(const Message& m, providers::Connector& connector) {
  // An earlier attempt may have reached the provider without its answer reaching us: the process
  // died holding the claim (its lease expired), or the attempt timed out, lost its connection or
  // got a 5xx after the provider had already acted. Ask first, where the provider can be asked,
  // so neither a crash nor a lost answer sends the message twice. A claim given back without an
  // attempt (waiting for a throughput slot or a closed circuit) is not counted in `attempts`.
  if (m.lease_expired || m.attempts > 1) {
    if (auto previous = connector.find_previous_send(m); !providers::is_unsupported(previous)) {
      if (!previous) {
        const providers::SendFailure& failure = previous.error();
        spdlog::warn(
            "message {}: could not ask {} whether an earlier attempt was accepted "
            "({} {}); retrying later rather than risk a second message",
            m.id, m.connector, failure.code, failure.message);
        return failure;
      }
      const providers::PreviousSend& found = *previous;
      if (found.found) {
        log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
                  "message {}: {} already accepted it as {} {}; not resent", m.id, m.connector,
                  found.accepted.provider_message_id,
                  m.lease_expired ? "before the restart" : "on an earlier attempt");
        return found.accepted;
      }
      log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
                "message {}: {} never received the {} attempt; sending", m.id, m.connector,
                m.lease_expired ? "interrupted" : "earlier");
    }
  }
  if (m.smart_encoding.value_or(false) && !connector.capabilities().smart_encoding) {
    // A provider that smart-encodes itself (Twilio's SmartEncoded) gets the text as it is; for
    // every other the gateway replaces the look-alikes, with the same table, in the text it hands
    // over.
    Message encoded = m;
    encoded.body = smart_encode(m.body).body;
    return connector.send(encoded, m.id);
  }
  return connector.send(m, m.id);
}

namespace {
// A claimed message back in the queue, due at `until`, with `attempts`, and nothing said to the
// app (a deferral, a move to another sender).
store::Transition requeue(const Message& m, TimeMs now, TimeMs until, int attempts,
                          std::string why) {
  store::Transition t;
  t.message_id = m.id;
  t.to = Status::kQueued;
  t.at = now;
  t.expect = Status::kSending;
  t.next_attempt_at = until;
  t.attempts = attempts;
  t.quiet = true;
  t.detail = std::move(why);
  return t;
}
}  // namespace

std::optional<store::Transition> Dispatcher::reroute(const Message& m, TimeMs now,
                                                     const std::string& why, bool attempted) {
  // Never two senders: only a message no earlier attempt may have reached a provider with moves
  // (this claim's attempt, when made, was refused outright).
  if (!rerouter_ || m.pool.empty() || m.lease_expired || m.attempts != 1) return std::nullopt;
  std::unordered_set<std::string> down;
  for (const auto& [id, circuit] : circuits_) {
    if (circuit->snapshot().state == CircuitState::kOpen) down.insert(id);
  }
  auto move = rerouter_(m, down);
  if (!move) return std::nullopt;
  store::Transition t = requeue(m, now, now, attempted ? m.attempts : m.attempts - 1,
                                "rerouted from " + m.from + " (" + m.connector + ") to " +
                                    move->from + " (" + move->connector + "): " + why);
  t.from = move->from;
  t.connector = move->connector;
  t.event_type = "rerouted";
  limiter_.forget(m.id);  // its place in the old number's line
  log::info({.message_id = m.id, .account = m.account, .connector = m.connector}, "message {} {}",
            m.id, t.detail);
  return t;
}

namespace {
// switchboard_messages_total for the outcomes the store applied (deferrals are bookkeeping).
void count_transitions(const std::vector<Message>& claimed,
                       const std::vector<store::Transition>& outcomes,
                       const std::vector<store::TransitionResult>& results) {
  std::unordered_map<std::string_view, std::string_view> connector_of;
  for (const Message& m : claimed) connector_of.emplace(m.id, m.connector);
  for (size_t i = 0; i < outcomes.size() && i < results.size(); ++i) {
    if (!results[i].applied || outcomes[i].quiet) continue;
    count_message("outbound", results[i].status, connector_of[outcomes[i].message_id]);
  }
}
}  // namespace

int Dispatcher::run_once() {
  std::unique_lock claim_order(claim_order_mu_);
  // Compliance: the opt-outs of the batch's recipients come with the claim, read in its
  // transaction. A message meeting an opt-out recorded after it was created fails before any
  // provider call; later ones were checked at accept time (only HELP / opt-in confirmations get
  // through then).
  auto claim = store_.messages().claim_due_with_opt_outs(owner_, clock_.now_ms(), options_.lease_ms,
                                                         options_.batch_size);
  if (!claim) {
    spdlog::warn("dispatcher: claim failed: {}", claim.error().message);
    return -1;
  }
  const std::vector<Message>* claimed = &claim->messages;
  if (claimed->empty()) return 0;
  const std::vector<OptOut>& opt_outs = claim->opt_outs;

  const TimeMs now = clock_.now_ms();
  std::vector<store::Transition> outcomes;
  outcomes.reserve(claimed->size());
  // If this write fails the leases expire and the messages are retried: the connectors' stable
  // idempotency key (the message id) keeps a retry from creating a second message.
  // Only what happened is needed back, not the messages: no full-row reads.
  const auto record = [&](const std::vector<store::Transition>& ts) {
    auto applied = store_.status().apply(ts, {.messages = false});
    if (applied) count_transitions(*claimed, ts, *applied);
    if (!applied) {
      spdlog::error("dispatcher: could not record outcomes: {}", applied.error().message);
    } else if (on_callbacks_queued_) {
      for (const auto& r : *applied) {
        if (r.callback_queued) {
          on_callbacks_queued_();
          break;
        }
      }
    }
  };
  // A message that waits (circuit open, throughput slot) gives its claim back without it
  // counting as an attempt, and the app hears nothing of it.
  const auto defer = [&](const Message& m, TimeMs until, std::string why) {
    outcomes.push_back(requeue(m, now, until, m.attempts - 1, std::move(why)));
  };

  struct Job {
    const Message* m;
    providers::Connector* connector;
    std::optional<providers::SendResult> result;  // set once attempted
    double seconds = 0;                           // how long the attempt took
    bool held = false;  // handed to a send thread to wait for its shared slot
  };
  std::vector<Job> jobs;
  jobs.reserve(claimed->size());  // held sends refer to their jobs while more are added
  const bool shared_slots = store_.cluster().shared();
  SendGroup held(*this);  // sends waiting on the send threads for their shared slots
  const auto send = [this](Job& j) {
    const auto t0 = std::chrono::steady_clock::now();
    j.result = attempt(*j.m, *j.connector);
    j.seconds = seconds_since(t0);
  };
  const auto send_at = [&](SendGroup& group, Job& j, TimeMs slot, int64_t interval_ms) {
    j.held = true;
    {
      std::lock_guard lk(turns_mu_);
      turns_[j.m->from].slots.insert(slot);
    }
    group.add([this, &send, &j, slot, interval_ms] {
      if (const TimeMs wait = slot - clock_.now_ms(); wait > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      }
      if (j.connector->blocking_send()) {
        // A network send starts at its slot, whatever its neighbours do: waiting for a late one
        // would only bunch the two. Their requests may cross on the way (as any two requests
        // closer than the network's jitter may).
        {
          std::lock_guard lk(turns_mu_);
          Turns& turns = turns_[j.m->from];
          turns.slots.erase(turns.slots.find(slot));
          turns_cv_.notify_all();
        }
        send(j);
        return;
      }
      // A connector answering at once (the simulated carrier) sends a number's held messages in
      // slot order (their threads may wake in any order) and one interval apart, keeping the
      // turn until it answered, so its sends are recorded in that order.
      std::unique_lock lk(turns_mu_);
      Turns& turns = turns_[j.m->from];  // map nodes stay where they are
      turns_cv_.wait(lk, [&] { return *turns.slots.begin() == slot; });
      if (const TimeMs wait = turns.last_start + interval_ms - clock_.now_ms(); wait > 0) {
        lk.unlock();  // the turn stays this send's: its slot is still the first
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        lk.lock();
      }
      turns.last_start = clock_.now_ms();
      lk.unlock();
      send(j);
      lk.lock();
      turns.slots.erase(turns.slots.find(slot));
      turns_cv_.notify_all();
    });
  };

  for (const Message& m : *claimed) {
    if (const auto* o = blocking_opt_out(opt_outs, m.account, m.from, m.to);
        o && o->created_at > m.created_at) {
      log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
                "message {} not sent: {} opted out ({})", m.id, m.to, o->source);
      store::Transition t;
      t.message_id = m.id;
      t.to = Status::kFailed;
      t.at = now;
      t.expect = Status::kSending;
      t.error_code = "recipient_opted_out";
      t.error_message = opted_out_error(*o).message;
      outcomes.push_back(std::move(t));
      limiter_.forget(m.id);
      continue;
    }
    if (auto t = expiry(m, now)) {
      spdlog::info("message {} expired before sending", m.id);
      outcomes.push_back(std::move(*t));
      limiter_.forget(m.id);
      continue;
    }
    if (quiet_hours_) {  // quiet hours
      if (auto until = quiet_hours_->hold_until(m, now)) {
        log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
                  "message {} held for quiet hours until {}", m.id, format_rfc3339(*until));
        defer(m, *until, "quiet hours: held until " + format_rfc3339(*until));
        outcomes.back().deferred_until = *until;
        limiter_.forget(m.id);  // hours away: it must not hold up the number's other messages
        continue;
      }
    }
    auto it = connectors_.find(m.connector);
    if (it == connectors_.end()) {
      outcomes.push_back(
          decide(m,
                 providers::SendFailure{providers::FailureKind::kAuth,
                                        "connector_unavailable",
                                        "connector '" + m.connector + "' is not configured",
                                        {}},
                 now, options_.retry, jitter()));
      limiter_.forget(m.id);
      continue;
    }
    double rate = 0;
    {
      std::shared_lock lk(throughput_mu_);
      if (auto t = throughput_.find(m.from); t != throughput_.end()) rate = t->second;
    }
    if (rate > 0 && !shared_slots) {
      const auto admitted = limiter_.admit(m.from, m.id, rate, now, kSlotToleranceMs);
      if (!admitted.send) {  // keeps its place in the number's line
        defer(m, admitted.retry_at, "waiting for a throughput slot of " + m.from);
        continue;
      }
    }
    CircuitBreaker& circuit = *circuits_.at(m.connector);
    if (!circuit.allow(now)) {
      const std::string why =
          "connector " + m.connector + " circuit open: " + circuit.snapshot().reason;
      if (auto moved = reroute(m, now, why, false)) {
        outcomes.push_back(std::move(*moved));
        continue;
      }
      defer(m, circuit.retry_at(now), why);
      continue;
    }
    if (rate > 0 && shared_slots) {
      // The last gate: a slot is taken only by a message that is about to be sent. At the time
      // it is taken, not the batch's `now`: the batch's earlier reservations (a round trip each)
      // may have taken tens of milliseconds, and a slot granted as "now" at a stale now would be
      // sent that much after it, closer than 1/rate to the next one.
      const int64_t interval_ms = shared_slot_interval_ms(rate);
      auto slot = store_.cluster().reserve_send_slot(m.from, m.id, interval_ms, clock_.now_ms(),
                                                     kSharedSlotHorizonMs);
      if (!slot) {
        spdlog::warn("dispatcher: send slots of {} unreadable ({}); message {} deferred", m.from,
                     slot.error().message, m.id);
        defer(m, now + options_.poll_interval_ms, "send slots unavailable");
        continue;
      }
      if (!slot->at) {
        defer(m, slot->retry_at, "waiting for a throughput slot of " + m.from);
        continue;
      }
      jobs.push_back({&m, it->second, std::nullopt});
      // On a send thread at once (not after the rest of the batch's reservations), waiting there
      // for the slot: the send reaches the provider as close to its slot as it can.
      send_at(held, jobs.back(), *slot->at, interval_ms);
      continue;
    }
    jobs.push_back({&m, it->second, std::nullopt});
  }

  // Connectors that answer without blocking (the simulated carrier) run inline, still in claim
  // order; the others go to the send threads, in that order, so their network round trips
  // overlap (two requests closer together than the network's jitter may arrive either way).
  std::vector<std::function<void()>> tasks;
  tasks.reserve(jobs.size());
  for (auto& j : jobs) {
    if (j.held) continue;  // on a send thread, waiting for its shared slot
    if (j.connector->blocking_send()) {
      tasks.emplace_back([&send, &j] { send(j); });
    } else {
      send(j);
    }
  }
  claim_order.unlock();
  if (held.size() > 0 && !outcomes.empty()) {
    // Recorded before the held sends wait for their slots (up to the horizon): the messages
    // sent back to wait for a slot must be due again at their places in the number's line, not
    // once this batch is done, when messages placed after them (by other batches) may already
    // have come back and taken the slots.
    record(outcomes);
    outcomes.clear();
  }
  run_parallel(tasks);
  held.wait();

  std::vector<std::pair<OptOut, std::string>> provider_opt_outs;  // with the message id

  for (auto& j : jobs) {
    const Message& m = *j.m;
    const TimeMs at = clock_.now_ms();
    const providers::SendResult& result = *j.result;
    const providers::SendFailure* failure = result ? nullptr : &result.error();
    auto& em = engine_metrics();
    em.provider_requests.with({m.connector, failure ? to_string(failure->kind) : "ok"}).inc();
    em.provider_request_seconds.with({m.connector}).observe(j.seconds);
    circuits_.at(m.connector)
        ->record(failure ? std::optional(failure->kind) : std::nullopt,
                 failure ? failure->code + " " + failure->message : "", at);
    if (failure && failure->recipient_opted_out) {
      OptOut o;
      o.account = m.account;
      o.number = m.to;
      o.scope = "account";
      o.source = "provider_error";
      o.created_at = at;
      provider_opt_outs.emplace_back(std::move(o), m.id);
    }
    if (failure && failure->sender_refused) {
      if (auto moved = reroute(
              m, at, "refused the sender: " + failure->code + " " + failure->message, true)) {
        outcomes.push_back(std::move(*moved));
        continue;
      }
    }
    store::Transition t = decide(m, result, at, options_.retry, jitter());
    if (t.to == Status::kSent) {
      log::debug({.message_id = m.id, .account = m.account, .connector = m.connector},
                 "message {} sent via {} as {}", m.id, m.connector, *t.provider_message_id);
    } else if (failure && failure->kind == providers::FailureKind::kAuth) {
      log::error({.message_id = m.id, .account = m.account, .connector = m.connector},
                 "message {}: connector {} rejected its credentials ({} {}); holding messages",
                 m.id, m.connector, failure->code, failure->message);
    } else {
      log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
                "message {} attempt {} via {}: {} ({}) -> {}", m.id, m.attempts, m.connector,
                t.error_code, t.error_message, to_string(t.to));
    }
    outcomes.push_back(std::move(t));
  }
  record(outcomes);
  for (const auto& [o, message_id] : provider_opt_outs) {
    auto added = store_.compliance().add_opt_out(o, message_id);
    if (!added) {
      log::error({.message_id = message_id},
                 "message {}: provider says {} unsubscribed; opt-out not recorded: {}", message_id,
                 o.number, added.error().message);
    } else if (added->created) {
      log::info({.message_id = message_id},
                "message {}: provider says {} unsubscribed; opt-out recorded", message_id,
                o.number);
    }
  }
  return static_cast<int>(claimed->size());
}

bool Dispatcher::hold_cluster_lease(std::string_view name, int64_t lease_ms) {
  if (!store_.cluster().shared()) return true;  // one instance: nobody to share with
  auto held = store_.cluster().try_lease(std::string(name), owner_, clock_.now_ms(), lease_ms);
  if (!held) {
    spdlog::warn("{}: lease unreadable, pass skipped: {}", name, held.error().message);
    return false;
  }
  return *held;
}

int Dispatcher::reconcile_once() {
  if (!statuses_) return 0;
  // One instance a period asks the providers: every instance asking about the same messages
  // would multiply the status queries (each one a provider API call, some of them billed).
  const int64_t lease_ms = std::max<int64_t>(options_.reconcile_interval_ms, 1'000);
  if (!hold_cluster_lease(kReconciliationLease, lease_ms)) return 0;
  const TimeMs now = clock_.now_ms();
  int changed = 0;
  bool first = true;
  for (const auto& [id, connector] : connectors_) {
    // Renewed before each connector's queries: a pass longer than the lease keeps the job.
    if (!std::exchange(first, false) && !hold_cluster_lease(kReconciliationLease, lease_ms)) {
      break;
    }
    auto stale = store_.messages().list_stale(id, Status::kSent, now - options_.reconcile_window_ms,
                                              now - options_.reconcile_after_ms, 100);
    if (!stale) {
      spdlog::warn("reconciliation: {} not checked: {}", id, stale.error().message);
      continue;  // the next pass tries again
    }
    std::vector<StatusReport> reports;
    for (const auto& m : *stale) {
      if (m.provider_message_id.empty()) continue;  // nothing to ask the provider about
      auto answer = connector->query_status(m);
      if (providers::is_unsupported(answer)) break;  // this connector has no status lookup
      if (!answer) {
        log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
                  "message {}: status query via {} failed: {} {}", m.id, id, answer.error().code,
                  answer.error().message);
        continue;
      }
      const providers::StatusQueryResult& q = *answer;
      if (q.status == m.status) continue;
      StatusReport r;
      r.connector = id;
      r.provider_message_id = m.provider_message_id;
      r.status = q.status;
      r.at = clock_.now_ms();
      r.provider_status = q.provider_status;
      r.error_code = q.error_code;
      r.error_message = q.error_message;
      r.detail = "reconciled by status query";
      reports.push_back(std::move(r));
    }
    if (reports.empty()) continue;
    // Unmatched ones are asked about again on the next pass.
    auto r = statuses_->ingest(reports, StatusIngest::Unknown::kAskAgain, "reconciliation");
    if (!r) continue;
    for (const auto& x : *r) changed += x.applied;
  }
  return changed;
}

void Dispatcher::reconcile_loop() {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      if (reconcile_cv_.wait_for(lk, std::chrono::milliseconds(options_.reconcile_interval_ms),
                                 [&] { return stopping_; })) {
        return;
      }
    }
    const int changed = reconcile_once();
    if (changed > 0) spdlog::info("reconciliation updated {} messages", changed);
  }
}

// --- provider-side redaction ---
namespace {
// Twilio may refuse a delete for minutes (rarely days: error 20009); past this the redaction is
// reported failed instead of pending for ever.
constexpr int64_t kRedactionGiveUpMs = 3 * 86'400'000LL;
}  // namespace

int Dispatcher::redact_once() {
  const TimeMs now = clock_.now_ms();
  auto jobs = store_.messages().claim_redactions(now, options_.lease_ms, options_.batch_size);
  if (!jobs) {
    spdlog::warn("redactions: claim failed: {}", jobs.error().message);
    return 0;
  }
  for (const auto& job : *jobs) {
    const Message& m = job.message;
    auto it = connectors_.find(m.connector);
    std::string state = "done", error;
    std::optional<TimeMs> retry_at;
    if (it == connectors_.end()) {
      state = "failed";
      error = "connector " + m.connector + " is not configured";
    } else if (!it->second->capabilities().redaction) {
      state = "unsupported";
    } else if (auto redacted = it->second->redact(m); !redacted) {
      const providers::SendFailure* f = &redacted.error();
      error = f->code.empty() ? f->message : f->code + ": " + f->message;
      const TimeMs at = clock_.now_ms();
      const bool retryable = f->kind != providers::FailureKind::kPermanent;
      const TimeMs since = m.redaction ? m.redaction->at : at;
      if (retryable && at - since < kRedactionGiveUpMs) {
        state = "pending";
        const int64_t delay =
            f->kind == providers::FailureKind::kAuth ? options_.retry.auth_retry_ms
            : f->retry_after_ms                      ? *f->retry_after_ms
                                : backoff_ms(options_.retry, job.attempts, jitter());
        retry_at = at + delay;
      } else {
        state = "failed";
      }
    }
    log::info({.message_id = m.id, .account = m.account, .connector = m.connector},
              "message {}: provider redaction via {}: {}{}{}", m.id, m.connector, state,
              error.empty() ? "" : " (", error.empty() ? "" : error + ")");
    if (auto r = store_.messages().finish_redaction(m.id, state, error, retry_at, clock_.now_ms());
        !r) {
      log::warn({.message_id = m.id, .account = m.account, .connector = m.connector},
                "message {}: redaction outcome not recorded (retried after the lease): {}", m.id,
                r.error().message);
    }
  }
  return static_cast<int>(jobs->size());
}

std::vector<ConnectorState> Dispatcher::connector_states() const {
  std::vector<ConnectorState> out;
  for (const auto& [id, c] : circuits_) out.push_back({id, c->snapshot()});
  return out;
}

}  // namespace sb::engine
