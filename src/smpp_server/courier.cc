// A system_id's deliveries: its account's events, from its saved cursor, turned into deliver_sm
// (MO messages and receipts) and sent to its receivers with a window, retried in order, the
// cursor saved over what was fully handled.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "smpp_server/deliveries.h"
#include "smpp_server/hub.h"

namespace sb::smpp_server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// An app that explicitly refuses one delivery this many times gets it no more (a poison item
// must not hold back every later receipt); unanswered ones are retried for as long as it takes.
constexpr int kMaxRefusals = 10;
constexpr auto kSaveEvery = seconds(1);

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

milliseconds backoff(int attempts) {
  return std::min<milliseconds>(seconds(60), seconds(1) * (1 << std::min(attempts - 1, 6)));
}

}  // namespace

// Where the tailer thread leaves frames: a bounded hand-off that never blocks it.
class Courier::Sink : public engine::EventSink {
 public:
  Sink(std::weak_ptr<Courier> courier, size_t limit, std::shared_ptr<std::atomic<size_t>> backlog)
      : courier_(std::move(courier)), limit_(limit), backlog_(std::move(backlog)) {}

  bool offer(std::shared_ptr<const std::string> frame) override {
    if (!alive) return true;  // unsubscribed: a pass already under way may still offer
    bool first = false;
    {
      std::lock_guard lk(mu_);
      if (backlog_->load() >= limit_) return false;  // the stream cuts us off (4008); we resume
      backlog_->fetch_add(1);
      first = frames_.empty();
      frames_.push_back(std::move(frame));
    }
    if (first) {
      if (auto c = courier_.lock()) c->on_strand([c] { c->on_frames(); });
    }
    return true;
  }

  void end(int code, std::string reason) override {
    if (!alive) return;
    if (auto c = courier_.lock()) {
      c->on_strand(
          [c, self = this, code, reason = std::move(reason)] { c->on_end(self, code, reason); });
    }
  }

  std::vector<std::shared_ptr<const std::string>> take() {
    std::lock_guard lk(mu_);
    std::vector<std::shared_ptr<const std::string>> out(frames_.begin(), frames_.end());
    frames_.clear();
    return out;
  }
  bool empty() {
    std::lock_guard lk(mu_);
    return frames_.empty();
  }

  std::atomic<bool> alive{true};

 private:
  std::weak_ptr<Courier> courier_;
  const size_t limit_;
  std::shared_ptr<std::atomic<size_t>> backlog_;
  std::mutex mu_;
  std::deque<std::shared_ptr<const std::string>> frames_;
};

Courier::Courier(Hub& hub, std::string system_id, std::string account)
    : hub_(hub),
      system_id_(std::move(system_id)),
      account_(std::move(account)),
      strand_(asio::make_strand(hub.io)),
      db_(asio::make_strand(hub.workers.get_executor())),
      timer_(strand_) {}

void Courier::add(std::shared_ptr<Session> s, std::function<void()> ready) {
  on_strand([this, s = std::move(s), ready = std::move(ready)]() mutable {
    receivers_.push_back({s, s.get(), 0});
    if (phase_ == Phase::kActive && sink_) {
      ready();
      return pump();
    }
    waiting_.push_back(std::move(ready));
    activate();
  });
}

void Courier::remove(const Session* s) {
  on_strand([this, s] {
    std::erase_if(receivers_, [s](const Receiver& r) { return r.key == s; });
    if (receivers_.empty()) {
      waiting_.clear();
      deactivate();
    }
  });
}

void Courier::activate() {
  if (phase_ != Phase::kIdle) return;
  backlog_ = std::make_shared<std::atomic<size_t>>(0);
  if (cursor_) {
    phase_ = Phase::kActive;
    return subscribe(cursor_->empty() ? std::nullopt : engine::parse_cursor(*cursor_));
  }
  phase_ = Phase::kLoading;
  asio::post(db_, [this, self = shared_from_this(), activation = activation_] {
    auto c = hub_.accounts.smpp_cursor(system_id_);
    on_strand([this, activation, c = std::move(c)] { loaded(activation, c); });
  });
}

void Courier::loaded(uint64_t activation, const Result<std::string>& cursor) {
  if (activation != activation_ || phase_ != Phase::kLoading) return;
  if (!cursor) {
    spdlog::warn("smpp: the delivery cursor of {} cannot be read ({}); trying again in 1 s",
                 system_id_, cursor.error().message);
    phase_ = Phase::kIdle;
    auto retry = std::make_shared<asio::steady_timer>(strand_, seconds(1));
    retry->async_wait(asio::bind_executor(
        strand_, [this, self = shared_from_this(), retry](const boost::system::error_code&) {
          if (!receivers_.empty()) activate();
        }));
    return;
  }
  cursor_ = saved_ = *cursor;
  phase_ = Phase::kActive;
  std::optional<engine::EventCursor> after;
  if (!cursor_->empty()) {
    after = engine::parse_cursor(*cursor_);
    if (!after) spdlog::warn("smpp: the saved cursor of {} is unreadable; from now", system_id_);
  }
  subscribe(after);
}

void Courier::subscribe(std::optional<engine::EventCursor> after) {
  sink_ = std::make_shared<Sink>(weak_from_this(), hub_.options.queue_limit, backlog_);
  subscription_ = hub_.events.subscribe(account_, after, sink_);
  spdlog::info("smpp: delivering the events of {} to its receivers from {}", system_id_,
               after ? engine::format_cursor(*after) : std::string("now"));
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& ready : waiting) ready();
}

void Courier::deactivate() {
  if (subscription_) hub_.events.unsubscribe(*subscription_);
  subscription_.reset();
  if (sink_) sink_->alive = false;
  sink_.reset();
  ++activation_;
  // What was not fully handled is read again from the store on the next bind.
  entries_.clear();
  preparing_ = false;
  resubscribe_ = false;
  accepted_.clear();
  phase_ = Phase::kIdle;
  save(true);
  spdlog::info("smpp: no receiver of {} is bound: deliveries wait at {}", system_id_,
               cursor_ && !cursor_->empty() ? *cursor_ : std::string("now"));
}

void Courier::on_end(const Sink* sink, int code, const std::string& reason) {
  if (sink != sink_.get()) return;
  subscription_.reset();
  if (code == engine::kCloseShutdown) return;
  spdlog::info("smpp: the events of {} ended ({}); resuming once its backlog drains", system_id_,
               reason);
  resubscribe_ = true;
  maybe_resubscribe();
}

void Courier::maybe_resubscribe() {
  if (!resubscribe_ || phase_ != Phase::kActive || preparing_ || !sink_ || !sink_->empty() ||
      backlog_->load() > hub_.options.queue_limit / 2) {
    return;
  }
  resubscribe_ = false;
  sink_->alive = false;
  // Every event up to the last one taken is in entries_ (or handled): carry on after it.
  const std::string& from = !accepted_.empty() ? accepted_ : cursor_.value_or("");
  subscribe(from.empty() ? std::nullopt : engine::parse_cursor(from));
}

void Courier::on_frames() {
  if (preparing_ || !sink_) return;
  auto frames = sink_->take();
  if (frames.empty()) return maybe_resubscribe();
  if (phase_ != Phase::kActive) return;
  preparing_ = true;
  // Receipts read their message from the store: never on an io thread.
  asio::post(hub_.workers, [this, self = shared_from_this(), activation = activation_,
                            frames = std::move(frames)]() mutable {
    auto entries = prepare(std::move(frames));
    on_strand([this, activation, entries = std::move(entries)]() mutable {
      prepared(activation, std::move(entries));
    });
  });
}

std::vector<Courier::Entry> Courier::prepare(
    std::vector<std::shared_ptr<const std::string>> frames) const {
  std::vector<Entry> out;
  out.reserve(frames.size());
  for (const auto& f : frames) {
    Entry e;
    e.state = EntryState::kDone;  // unless it has something to send
    auto j = nlohmann::json::parse(*f, nullptr, false);
    if (!j.is_object()) {
      out.push_back(std::move(e));
      continue;
    }
    e.cursor = str(j, "id");
    const std::string type = str(j, "type");
    const auto data = j.value("data", nlohmann::json::object());
    if (type == "message.created") {
      if (auto pdu = mo_deliver_sm(data)) {
        e.pdu = std::move(*pdu);
        e.what = "MO " + str(data, "id");
      }
    } else if (type == "message.status") {
      const std::string status = str(data, "status");
      const std::string id = str(data, "message_id");
      static const std::set<std::string> kFinal = {"delivered", "undelivered", "failed", "expired",
                                                   "canceled"};
      if (kFinal.count(status)) {
        auto view = hub_.messages.get(account_, id);
        // A store that is briefly unavailable should not cost an app its receipt.
        for (int i = 0; !view && view.error().code != "not_found" && i < 5; ++i) {
          std::this_thread::sleep_for(milliseconds(200 << i));
          view = hub_.messages.get(account_, id);
        }
        if (!view) {
          if (view.error().code != "not_found") {
            spdlog::error("smpp: the receipt of {} for {} is lost: {}", id, system_id_,
                          view.error().message);
          }
        } else if (wants_receipt(view->message, system_id_, status)) {
          e.pdu = receipt_deliver_sm(view->message, status, parse_rfc3339(str(j, "at")).value_or(0),
                                     str(data, "error_code"));
          e.what = "receipt of " + id + " (" + status + ")";
        }
      }
    }
    if (e.pdu) e.state = EntryState::kReady;
    out.push_back(std::move(e));
  }
  return out;
}

void Courier::prepared(uint64_t activation, std::vector<Entry> entries) {
  if (activation != activation_) return;
  preparing_ = false;
  for (auto& e : entries) {
    if (!e.cursor.empty()) accepted_ = e.cursor;
    entries_.emplace(next_entry_++, std::move(e));
  }
  settle();
  pump();
  on_frames();
}

Courier::Receiver* Courier::pick() {
  const int64_t window = std::max<int64_t>(1, hub_.options.window);
  for (size_t i = 0; i < receivers_.size(); ++i) {
    const size_t at = (next_receiver_ + i) % receivers_.size();
    Receiver& r = receivers_[at];
    if (r.in_flight < window && !r.session.expired()) {
      next_receiver_ = (at + 1) % receivers_.size();
      return &r;
    }
  }
  return nullptr;
}

void Courier::pump() {
  if (phase_ != Phase::kActive || receivers_.empty()) return;
  const auto now = steady_clock::now();
  for (auto& [id, e] : entries_) {
    if (e.state != EntryState::kReady) continue;
    // In order: nothing overtakes an item waiting to be retried.
    if (e.not_before > now) {
      arm(e.not_before);
      break;
    }
    Receiver* r = pick();
    if (!r) break;
    auto session = r->session.lock();
    e.state = EntryState::kInFlight;
    e.via = r->key;
    ++r->in_flight;
    session->send_request(*e.pdu, [self = shared_from_this(), activation = activation_, id = id,
                                   via = r->key](uint32_t status, bool answered) {
      self->on_strand([self, activation, id, via, status, answered] {
        self->on_result(activation, id, via, status, answered);
      });
    });
  }
}

void Courier::on_result(uint64_t activation, uint64_t entry, const Session* via, uint32_t status,
                        bool answered) {
  for (auto& r : receivers_) {
    if (r.key == via && r.in_flight > 0) --r.in_flight;
  }
  if (activation != activation_) return pump();
  auto it = entries_.find(entry);
  if (it == entries_.end()) return pump();
  Entry& e = it->second;
  if (answered && status == smpp::status::kOk) {
    e.state = EntryState::kDone;
    spdlog::debug("smpp: {} delivered to {}", e.what, system_id_);
  } else {
    ++e.attempts;
    if (answered) ++e.refusals;
    if (e.refusals >= kMaxRefusals) {
      spdlog::warn("smpp: {} refused {} times by {} ({}): given up", e.what, e.refusals, system_id_,
                   smpp::status_name(status));
      e.state = EntryState::kDone;
    } else {
      const auto wait = backoff(e.attempts);
      spdlog::info("smpp: {} to {}: {}; again in {} ms", e.what, system_id_,
                   answered ? smpp::status_name(status) : std::string("no answer"), wait.count());
      e.state = EntryState::kReady;
      e.not_before = steady_clock::now() + wait;
    }
  }
  settle();
  pump();
}

void Courier::settle() {
  while (!entries_.empty() && entries_.begin()->second.state == EntryState::kDone) {
    const auto& e = entries_.begin()->second;
    if (!e.cursor.empty()) cursor_ = e.cursor;
    entries_.erase(entries_.begin());
    if (backlog_->load() > 0) backlog_->fetch_sub(1);
  }
  save(false);
  maybe_resubscribe();
}

void Courier::save(bool now) {
  if (!cursor_ || cursor_->empty() || *cursor_ == saved_) return;
  const auto t = steady_clock::now();
  if (!now && t - saved_at_ < kSaveEvery) return arm(saved_at_ + kSaveEvery);
  saved_ = *cursor_;
  saved_at_ = t;
  // One strand per courier: saves reach the store in the order they were made.
  asio::post(db_, [this, self = shared_from_this(), cursor = saved_] {
    if (auto r = hub_.accounts.save_smpp_cursor(system_id_, cursor); !r) {
      spdlog::warn("smpp: the delivery cursor of {} could not be saved: {}", system_id_,
                   r.error().message);
    }
  });
}

void Courier::arm(SteadyTime at) {
  if (at >= timer_at_) return;  // an earlier wake-up is set
  timer_at_ = at;
  timer_.expires_at(at);
  timer_.async_wait(asio::bind_executor(
      strand_, [this, self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        timer_at_ = SteadyTime::max();
        save(false);
        pump();
      }));
}

void Courier::stop() {
  if (subscription_) hub_.events.unsubscribe(*subscription_);
  subscription_.reset();
  if (sink_) sink_->alive = false;
  if (cursor_ && !cursor_->empty() && *cursor_ != saved_) {
    saved_ = *cursor_;
    if (auto r = hub_.accounts.save_smpp_cursor(system_id_, *cursor_); !r) {
      spdlog::warn("smpp: the delivery cursor of {} could not be saved: {}", system_id_,
                   r.error().message);
    }
  }
}

}  // namespace sb::smpp_server
