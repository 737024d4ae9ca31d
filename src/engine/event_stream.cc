// The live event stream's tailer (see event_stream.h).
#include "engine/event_stream.h"

#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>

#include "core/contact.h"
#include "core/message_json.h"
#include "core/thread_name.h"

namespace sb::engine {

using nlohmann::json;
using store::EventTable;
using store::LoggedEvent;

std::string format_cursor(const EventCursor& c) {
  char buf[49];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64,
                static_cast<uint64_t>(c.messages), static_cast<uint64_t>(c.opt_outs),
                static_cast<uint64_t>(c.batches));
  return buf;
}

std::optional<EventCursor> parse_cursor(std::string_view s) {
  if (s.size() != 32 && s.size() != 48) return std::nullopt;
  const auto part = [&](size_t at) -> std::optional<int64_t> {
    uint64_t v = 0;
    for (size_t i = at; i < at + 16; ++i) {
      const char c = s[i];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else {
        return std::nullopt;
      }
      v = v * 16 + static_cast<uint64_t>(d);
    }
    if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v);
  };
  auto m = part(0);
  auto o = part(16);
  auto b = s.size() == 48 ? part(32) : std::optional<int64_t>(0);
  if (!m || !o || !b) return std::nullopt;
  return EventCursor{*m, *o, *b};
}

namespace {

// True when `c` is past `seen` (the log's positions only grow, one table at a time).
bool after(const EventCursor& c, const EventCursor& seen) {
  return c.messages > seen.messages || c.opt_outs > seen.opt_outs || c.batches > seen.batches;
}

// A message event row can make two frames (message.created, then conversation.updated), so the
// cursor's message position is 2 × row id + frame: row r's frames are 2r and 2r + 1, and a
// position that ends a row is odd.
int64_t position_done(int64_t row) { return row > 0 ? 2 * row + 1 : 0; }
// The rows still to read for a subscriber at `position`: those with an id above this.
int64_t rows_after(int64_t position) {
  if (position <= 0) return 0;
  return position % 2 == 1 ? position / 2 : position / 2 - 1;  // 2r: row r's second frame waits
}

}  // namespace

std::optional<EventCursor> end_of_log(store::Store& store) {
  auto m = store.events().max_id(EventTable::kMessages);
  auto o = store.events().max_id(EventTable::kOptOuts);
  auto b = store.events().max_id(EventTable::kBatches);
  if (!m || !o || !b) return std::nullopt;
  return EventCursor{position_done(*m), *o, *b};
}

namespace {

std::shared_ptr<const std::string> frame_text(const EventCursor& cursor, std::string_view type,
                                              TimeMs at, json data) {
  return std::make_shared<const std::string>(json{{"id", format_cursor(cursor)},
                                                  {"type", type},
                                                  {"at", format_rfc3339(at)},
                                                  {"data", std::move(data)}}
                                                 .dump());
}

}  // namespace

EventStream::EventStream(store::Store& store, const Clock& clock, EventStreamOptions options)
    : store_(store), clock_(clock), options_(options) {}

EventStream::~EventStream() { stop(); }

void EventStream::start() {
  thread_ = std::thread([this] {
    set_thread_name("sb-events");
    run();
  });
}

void EventStream::stop() {
  std::map<uint64_t, Subscriber> subs;
  {
    std::lock_guard lk(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    subs.swap(subscribers_);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [_, s] : subs) s.sink->end(kCloseShutdown, "the gateway is shutting down");
}

void EventStream::wake() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

uint64_t EventStream::subscribe(const std::string& account, std::optional<EventCursor> after,
                                std::shared_ptr<EventSink> sink) {
  uint64_t id;
  {
    std::lock_guard lk(mu_);
    id = next_id_++;
    // From now on: where the tailer is (before its first pass, where it will start).
    subscribers_.emplace(id, Subscriber{account, after.value_or(hwm_), std::move(sink),
                                        !after && (!initialized_ || idle_)});
    woken_ = true;
  }
  cv_.notify_one();
  return id;
}

void EventStream::unsubscribe(uint64_t id) {
  std::lock_guard lk(mu_);
  subscribers_.erase(id);
}

bool EventStream::ready() {
  std::lock_guard lk(mu_);
  return initialized_;
}

void EventStream::run() {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      // Commits wake the tailer only while someone listens.
      cv_.wait_for(lk, std::chrono::milliseconds(options_.poll_ms),
                   [&] { return stopping_ || (woken_ && !subscribers_.empty()); });
      if (stopping_) return;
      woken_ = false;
    }
    try {
      pass();
    } catch (const std::exception& e) {
      spdlog::error("events: pass failed: {}", e.what());
    }
  }
}

std::vector<LoggedEvent> EventStream::advance(EventTable table, int64_t from, Hole& hole,
                                              TimeMs now) {
  auto rows = store_.events().read(table, from, 0, "", options_.batch);
  if (!rows) {
    spdlog::warn("events: cannot read the log: {}", rows.error().message);
    return {};
  }
  std::vector<LoggedEvent> out;
  int64_t expected = from + 1;
  for (auto& r : *rows) {
    if (r.id != expected) {
      // A hole: an id handed out to a transaction not committed yet (or rolled back). Wait for
      // it, up to the timeout.
      if (hole.at_id != expected) hole = {expected, now};
      if (now - hole.seen_at < options_.gap_timeout_ms) break;
      spdlog::debug("events: ids {}..{} never committed; going on", expected, r.id - 1);
    }
    expected = r.id + 1;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<EventStream::Frame> EventStream::frames(const std::vector<LoggedEvent>& messages,
                                                    const std::vector<LoggedEvent>& opt_outs,
                                                    const std::vector<LoggedEvent>& batches,
                                                    EventCursor cursor) {
  std::vector<Frame> out;
  for (const auto& e : messages) {
    // One frame: the row's last position; two: 2r, then 2r + 1.
    cursor.messages = 2 * e.id + 1;
    const auto add = [&](std::string_view type, json data) {
      out.push_back({cursor, e.account, frame_text(cursor, type, e.at, std::move(data))});
    };
    if (e.type == "status") {
      if (!e.applied) continue;  // recorded, not applied: nothing changed
      if (e.status == "accepted" || e.status == "received") {
        // The message as it is now, and its conversation.
        auto m = store_.messages().get(e.account, e.subject);
        if (!m || !*m) continue;  // gone (or unreadable): its later events still say what happens
        std::optional<Conversation> conversation;
        if (!(*m)->conversation_id.empty()) {
          auto c = store_.conversations().get_conversation(e.account, (*m)->conversation_id);
          if (c && *c) conversation = std::move(**c);
        }
        if (conversation) cursor.messages = 2 * e.id;
        add("message.created", to_json(**m));
        if (conversation) {
          cursor.messages = 2 * e.id + 1;
          add("conversation.updated", to_json(*conversation));
        }
        continue;
      }
      add("message.status",
          {{"message_id", e.subject},
           {"status", e.status},
           {"error_code", e.error_code.empty() ? json(nullptr) : json(e.error_code)},
           {"error_message", e.error_message.empty() ? json(nullptr) : json(e.error_message)},
           {"detail", e.detail.empty() ? json(nullptr) : json(e.detail)}});
    } else {
      add("message." + e.type, {{"message_id", e.subject}, {"detail", e.detail}});
    }
  }
  for (const auto& e : opt_outs) {
    cursor.opt_outs = e.id;
    const bool created = e.type == "opt_out";
    out.push_back({cursor, e.account,
                   frame_text(cursor, created ? "opt_out.created" : "opt_out.deleted", e.at,
                              {{"number", e.subject},
                               {"scope", e.scope},
                               {"our_number", e.our_number.empty() ? json(nullptr)
                                                                   : json(e.our_number)},
                               {"source", e.detail}})});
  }
  for (const auto& e : batches) {
    cursor.batches = e.id;
    json data = json::parse(e.detail, nullptr, false);
    if (data.is_discarded()) data = json::object();
    out.push_back({cursor, e.account, frame_text(cursor, "batch." + e.type, e.at, std::move(data))});
  }
  return out;
}

bool EventStream::deliver(Subscriber& s, const std::vector<Frame>& frames) {
  for (const auto& f : frames) {
    if (f.account != s.account || !after(f.cursor, s.cursor)) continue;
    if (!s.sink->offer(f.text)) return false;
    s.cursor = f.cursor;
  }
  return true;
}

bool EventStream::catch_up(Subscriber& s, const EventCursor& upto) {
  std::vector<LoggedEvent> m, o, b;
  if (s.cursor.messages < upto.messages) {
    auto r = store_.events().read(EventTable::kMessages, rows_after(s.cursor.messages),
                                  rows_after(upto.messages), s.account, options_.replay_batch);
    if (!r) return true;  // logged by the tailer's own reads soon enough; try next pass
    m = std::move(*r);
  }
  if (s.cursor.opt_outs < upto.opt_outs) {
    auto r = store_.events().read(EventTable::kOptOuts, s.cursor.opt_outs, upto.opt_outs,
                                  s.account, options_.replay_batch);
    if (!r) return true;
    o = std::move(*r);
  }
  if (s.cursor.batches < upto.batches) {
    auto r = store_.events().read(EventTable::kBatches, s.cursor.batches, upto.batches,
                                  s.account, options_.replay_batch);
    if (!r) return true;
    b = std::move(*r);
  }
  const bool more_m = m.size() == static_cast<size_t>(options_.replay_batch);
  const bool more_o = o.size() == static_cast<size_t>(options_.replay_batch);
  const bool more_b = b.size() == static_cast<size_t>(options_.replay_batch);
  if (!deliver(s, frames(m, o, b, s.cursor))) return false;
  // Nothing else of this account lies before `upto` in a table read to its end.
  if (!more_m) s.cursor.messages = std::max(s.cursor.messages, upto.messages);
  if (!more_o) s.cursor.opt_outs = std::max(s.cursor.opt_outs, upto.opt_outs);
  if (!more_b) s.cursor.batches = std::max(s.cursor.batches, upto.batches);
  return true;
}

void EventStream::drop(uint64_t id, Subscriber& s, int code, const std::string& reason) {
  spdlog::info("events: subscriber {} of {} ended: {}", id, s.account, reason);
  s.sink->end(code, reason);
  std::lock_guard lk(mu_);
  subscribers_.erase(id);
}

void EventStream::idle(TimeMs now) {
  // Nobody listens: follow the log's end without reading its rows, a hole's timeout behind it
  // (every id below a position that old has committed or never will).
  auto end = end_of_log(store_);
  if (!end) return;
  samples_.push_back({now, *end});
  std::optional<EventCursor> settled;
  while (!samples_.empty() && now - samples_.front().first >= options_.gap_timeout_ms) {
    settled = samples_.front().second;
    samples_.pop_front();
  }
  if (!settled) return;
  std::lock_guard lk(mu_);
  hwm_.messages = std::max(hwm_.messages, settled->messages);
  hwm_.opt_outs = std::max(hwm_.opt_outs, settled->opt_outs);
  hwm_.batches = std::max(hwm_.batches, settled->batches);
  message_hole_ = {};
  opt_out_hole_ = {};
  batch_hole_ = {};
}

void EventStream::pass() {
  const TimeMs now = clock_.now_ms();
  bool waking = false;
  {
    std::lock_guard lk(mu_);
    waking = idle_ && !subscribers_.empty();
  }
  if (!initialized_ || waking) {
    // Start at the log's end (again, when listeners come back after none: the idle position
    // lags by a hole's timeout, and replaying those seconds would keep everyone behind);
    // subscribers asking for the past read it from the store.
    auto end = end_of_log(store_);
    if (!end) return;
    std::lock_guard lk(mu_);
    hwm_ = *end;
    for (auto& [_, s] : subscribers_) {
      if (s.from_now) s.cursor = hwm_;
      s.from_now = false;
    }
    initialized_ = true;
    idle_ = false;
    message_hole_ = {};
    opt_out_hole_ = {};
    batch_hole_ = {};
  }
  std::vector<std::pair<uint64_t, Subscriber>> subs;
  {
    std::lock_guard lk(mu_);
    subs.assign(subscribers_.begin(), subscribers_.end());
  }
  if (subs.empty()) {
    {
      std::lock_guard lk(mu_);
      idle_ = true;
    }
    return idle(now);
  }
  const EventCursor from = hwm_;
  auto m = advance(EventTable::kMessages, rows_after(from.messages), message_hole_, now);
  auto o = advance(EventTable::kOptOuts, from.opt_outs, opt_out_hole_, now);
  auto b = advance(EventTable::kBatches, from.batches, batch_hole_, now);
  EventCursor next = from;
  if (!m.empty()) next.messages = position_done(m.back().id);
  if (!o.empty()) next.opt_outs = o.back().id;
  if (!b.empty()) next.batches = b.back().id;
  // Frames are built once, only when someone is listening.
  const std::vector<Frame> batch = subs.empty() ? std::vector<Frame>{} : frames(m, o, b, from);
  for (auto& [id, s] : subs) {
    bool ok;
    if (s.cursor == from) {
      ok = deliver(s, batch);
      if (ok) s.cursor = next;
    } else if (after(s.cursor, from)) {
      ok = deliver(s, batch);  // ahead of this instance (it read another's): skip what it saw
    } else {
      ok = catch_up(s, next);
    }
    if (!ok) {
      drop(id, s, kCloseTooSlow,
           "too slow: resume with after=" + format_cursor(s.cursor));
      continue;
    }
    std::lock_guard lk(mu_);
    if (auto it = subscribers_.find(id); it != subscribers_.end()) it->second.cursor = s.cursor;
  }
  std::lock_guard lk(mu_);
  hwm_ = next;
  if (!(next == from)) woken_ = true;  // more?
}

}  // namespace sb::engine
