// Retention passes (see retention.h).
#include "engine/retention.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "core/ids.h"
#include "core/thread_name.h"

namespace sb::engine {

Retention::Retention(store::Store& store, MessageService& messages, const Clock& clock,
                     RetentionOptions options)
    : store_(store), messages_(messages), clock_(clock), options_(std::move(options)) {
  if (options_.owner.empty()) options_.owner = new_id("ret_", clock_.now_ms());
}

Retention::~Retention() { stop(); }

void Retention::start() {
  if (options_.redact_after_ms <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void Retention::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Retention::loop() {
  set_thread_name("sb-retention");
  std::unique_lock lk(mu_);
  while (!stopping_) {
    lk.unlock();
    int done = 0;
    try {
      done = run_once();
    } catch (const std::exception& e) {
      spdlog::error("retention: pass failed: {}", e.what());
    }
    lk.lock();
    // A full batch: more is due now. Otherwise wait for the next pass.
    if (done < options_.batch) {
      cv_.wait_for(lk, std::chrono::milliseconds(options_.interval_ms), [&] { return stopping_; });
    }
  }
}

int Retention::run_once() {
  if (options_.redact_after_ms <= 0) return 0;
  const TimeMs before = clock_.now_ms() - options_.redact_after_ms;
  if (before <= 0) return 0;
  if (store_.cluster().shared()) {
    auto held = store_.cluster().try_lease("retention", options_.owner, clock_.now_ms(),
                                           std::max<int64_t>(options_.interval_ms, 1'000));
    if (!held) {
      spdlog::warn("retention: lease unreadable, pass skipped: {}", held.error().message);
      return 0;
    }
    if (!*held) {
      cursor_.clear();  // the holder's passes move on; this instance starts over if it takes over
      return 0;
    }
  }
  // Ids sort by creation time: every id created before `before` is below this one.
  const std::string bound = "msg_" + ulid_text(static_cast<unsigned __int128>(before) << 80);
  auto due = store_.messages().retention_candidates(cursor_, bound, options_.batch);
  if (!due) {
    spdlog::warn("retention: cannot read messages: {}", due.error().message);
    return 0;
  }
  if (due->empty()) {
    cursor_.clear();  // the next pass looks again from the start (skipped ones, late finals)
    return 0;
  }
  int redacted = 0;
  for (const auto& [account, id] : *due) {
    cursor_ = id;
    auto r = messages_.redact(account, id);
    if (r) {
      ++redacted;
    } else if (r.error().code != "message_in_flight") {
      spdlog::warn("retention: message {} not redacted: {}", id, r.error().message);
    }
  }
  spdlog::info("retention: {} messages older than {} days redacted", redacted,
               options_.redact_after_ms / 86'400'000.0);
  return static_cast<int>(due->size());
}

}  // namespace sb::engine
