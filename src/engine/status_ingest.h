// Provider status reports in: matched to messages and applied through the state machine.
#pragma once

#include <functional>

#include "providers/connector.h"
#include "store/store.h"

namespace sb::engine {

class StatusIngest final : public providers::StatusSink {
 public:
  // `on_applied` runs after stored reports queued app callbacks (to wake the callback sender).
  StatusIngest(store::Store& store, std::function<void()> on_applied)
      : store_(store), on_applied_(std::move(on_applied)) {}
  std::vector<bool> on_status(const std::vector<StatusReport>& reports) override;

 private:
  store::Store& store_;
  std::function<void()> on_applied_;
};

}  // namespace sb::engine
