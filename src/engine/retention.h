// Retention (docs/operations.md): message bodies and media redacted once they are older than
// [retention] redact_after_days, the way DELETE /v1/messages/{id} redacts one (the provider's
// copy too, where it offers that), so a clinic keeps no message content longer than it must.
// Only messages that reached a final status or the carrier are touched; status history and
// metadata stay.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "engine/message_service.h"
#include "store/store.h"

namespace sb::engine {

struct RetentionOptions {
  int64_t redact_after_ms = 0;   // 0: keep content forever
  int64_t interval_ms = 60'000;  // between passes
  int batch = 500;               // messages per read
  // This instance, as the holder of the retention lease on a shared database (empty: a new id).
  std::string owner;
};

class Retention {
 public:
  Retention(store::Store& store, MessageService& messages, const Clock& clock,
            RetentionOptions options);
  ~Retention();

  void start();
  void stop();

  // One pass: redacts what is due, from where the previous pass stopped (the first pass, and
  // any after a pass that found nothing due, start from the oldest message). Returns how many it
  // looked at (a full batch: more may be due). A message being handed to its provider is left
  // for a later pass. On a shared database (PostgreSQL) only the instance holding the retention
  // lease (taken for one interval, store::ClusterRepository) makes passes: two would redact the
  // same messages, asking their providers twice to erase them.
  int run_once();

 private:
  void loop();

  store::Store& store_;
  MessageService& messages_;
  const Clock& clock_;
  RetentionOptions options_;
  std::string cursor_;  // the last id a pass looked at
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sb::engine
