// Test support: an independent peer written in Node (tests/sdk/*.js, e.g. the npm `smpp` fake
// SMSC and ESME) run as a child that takes JSON commands on stdin and prints one JSON event per
// line, so a test can drive it and wait on what it saw.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.h"

namespace sb::test {

class NodePeer {
 public:
  // Runs `node tests/sdk/<script> args...` with the tests' node_modules; stderr to a temp file.
  NodePeer(const std::string& script, const std::vector<std::string>& args);
  ~NodePeer();

  // Sends one command ({"cmd": ...}).
  void command(const nlohmann::json& cmd);
  // The first event (a printed JSON object) from index `from` on matching `match`, waiting up to
  // `timeout`; throws with everything seen when none comes. `*index` (when given) is set to the
  // event's position, so the next wait can start after it.
  nlohmann::json wait_for(const std::function<bool(const nlohmann::json&)>& match,
                          std::chrono::milliseconds timeout, size_t from = 0,
                          size_t* index = nullptr);
  // wait_for an event whose "event" is `name`.
  nlohmann::json wait_for_event(const std::string& name, std::chrono::milliseconds timeout,
                                size_t from = 0);
  // Every event printed so far (reads what is pending first).
  const std::vector<nlohmann::json>& events();
  // Events named `name` so far.
  std::vector<nlohmann::json> events_named(const std::string& name);
  // The peer's stderr so far (for failure messages).
  std::string stderr_text() const;

 private:
  void absorb();
  TempDir dir_;
  std::unique_ptr<Process> proc_;
  std::vector<nlohmann::json> events_;
  size_t lines_seen_ = 0;
};

}  // namespace sb::test
