// The live event stream (GET /v1/events; docs/events.md): every change the store records
// (messages created, applied status changes, redactions, opt-outs and opt-ins) as events scoped to
// an account, read back from the store's log by one tailer thread per process and handed to the
// subscribers of that account. The store is the source, so a client that reconnects with the last
// id it saw (`after`) gets everything since from the store, and an instance sees what another
// instance on the same PostgreSQL committed.
//
// An event id is a cursor: one position per log table (message events, opt-out events, batch
// events), each increasing, written as 48 hex digits so ids also compare as strings (an id of 32,
// from before batch events, reads as batch position 0). The tailer advances over a
// table's ids only without holes, or over a hole older than `gap_timeout_ms` (PostgreSQL hands out
// ids before commit, so a later id may commit first; a rolled-back one never comes), so no event
// is skipped because another committed ahead of it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/store.h"

namespace sb::engine {

struct EventCursor {
  int64_t messages = 0;  // message_events id
  int64_t opt_outs = 0;  // opt_out_events id
  int64_t batches = 0;   // batch_events id
  bool operator==(const EventCursor&) const = default;
};
std::string format_cursor(const EventCursor& c);
// Where the log ends now, as a cursor that resumes after everything already written (nullopt
// when the store cannot be read). For a consumer that must not miss what comes next even before
// it first subscribes (an SMPP system_id's receivers).
std::optional<EventCursor> end_of_log(store::Store& store);
std::optional<EventCursor> parse_cursor(std::string_view s);

// Where a subscriber's events go (the WebSocket session). Called from the tailer thread.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queues one text frame; false when the sink's bounded queue is full (the stream then ends it).
  // Every subscriber of an event is offered the same string.
  virtual bool offer(std::shared_ptr<const std::string> frame) = 0;
  // Ends the subscription (the client is told `code` and `reason`).
  virtual void end(int code, std::string reason) = 0;
};

// Close codes (docs/events.md).
constexpr int kCloseTooSlow = 4008;     // the client fell behind; resume with after=<id>
constexpr int kCloseShutdown = 1001;    // going away

struct EventStreamOptions {
  int64_t poll_ms = 100;          // how often the log is read when nothing wakes the tailer
  int64_t gap_timeout_ms = 5'000;  // a hole in a table's ids older than this is skipped
  int batch = 1'000;               // rows read per table per pass
  int replay_batch = 1'000;        // rows a subscriber catching up reads per table per pass
};

class EventStream {
 public:
  EventStream(store::Store& store, const Clock& clock, EventStreamOptions options);
  ~EventStream();

  void start();
  void stop();  // ends every subscription with kCloseShutdown
  // Something was committed: read the log now rather than at the next poll.
  void wake();

  // Subscribes `sink` to `account`'s events after `after` (nullopt: from now on). Returns the
  // subscription's id for unsubscribe. An `after` that is ahead of this instance waits for it.
  uint64_t subscribe(const std::string& account, std::optional<EventCursor> after,
                     std::shared_ptr<EventSink> sink);
  void unsubscribe(uint64_t id);
  // Whether the tailer knows where the log ends (subscribers from now start there).
  bool ready();

 private:
  struct Subscriber {
    std::string account;
    EventCursor cursor;
    std::shared_ptr<EventSink> sink;
    bool from_now = false;  // subscribed before the tailer knew where the log ends
  };
  struct Frame {
    EventCursor cursor;
    std::string account;
    std::shared_ptr<const std::string> text;  // serialised once, shared by every subscriber
  };
  struct Hole {
    int64_t at_id = 0;     // the first missing id
    TimeMs seen_at = 0;
  };

  void run();
  void pass();
  void idle(TimeMs now);
  // The rows of `table` after `from` that may be taken now (no hole younger than the timeout).
  std::vector<store::LoggedEvent> advance(store::EventTable table, int64_t from, Hole& hole,
                                          TimeMs now);
  // The frames of log rows (messages rows first, then opt-out rows), each with its cursor.
  std::vector<Frame> frames(const std::vector<store::LoggedEvent>& messages,
                            const std::vector<store::LoggedEvent>& opt_outs,
                            const std::vector<store::LoggedEvent>& batches, EventCursor from);
  // Sends `frames` past the subscriber's cursor; false when its sink refused one.
  static bool deliver(Subscriber& s, const std::vector<Frame>& frames);
  // Reads and sends what a subscriber behind `upto` has not had yet (one batch per pass).
  bool catch_up(Subscriber& s, const EventCursor& upto);
  void drop(uint64_t id, Subscriber& s, int code, const std::string& reason);

  store::Store& store_;
  const Clock& clock_;
  EventStreamOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;  // guarded by mu_
  std::thread thread_;
  // Tailer state: written by its thread under mu_ (read there without it; subscribe reads it
  // under mu_).
  EventCursor hwm_;
  bool initialized_ = false;
  bool idle_ = false;  // the last pass had no subscriber
  Hole message_hole_, opt_out_hole_, batch_hole_;
  std::deque<std::pair<TimeMs, EventCursor>> samples_;  // the log's end, as idle passes saw it
};

}  // namespace sb::engine
