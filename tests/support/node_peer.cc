// Test support: Node peers driven over stdin/stdout JSON lines.
#include "support/node_peer.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sb::test {

NodePeer::NodePeer(const std::string& script, const std::vector<std::string>& args) {
  const std::string sdk = std::string(SB_TESTS_DIR) + "/sdk";
  std::vector<std::string> argv = {"/usr/bin/node", sdk + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  proc_ = std::make_unique<Process>(argv, std::map<std::string, std::string>{
                                              {"NODE_PATH", sdk + "/node_modules"}},
                                    dir_.file("stderr.log"), /*open_stdin=*/true);
}

NodePeer::~NodePeer() = default;

void NodePeer::command(const nlohmann::json& cmd) { proc_->write_line(cmd.dump()); }

void NodePeer::absorb() {
  const auto& lines = proc_->lines();
  for (; lines_seen_ < lines.size(); ++lines_seen_) {
    auto j = nlohmann::json::parse(lines[lines_seen_], nullptr, false);
    if (!j.is_discarded() && j.is_object()) events_.push_back(std::move(j));
  }
}

const std::vector<nlohmann::json>& NodePeer::events() {
  while (proc_->poll(std::chrono::milliseconds(0))) {
  }
  absorb();
  return events_;
}

std::vector<nlohmann::json> NodePeer::events_named(const std::string& name) {
  std::vector<nlohmann::json> out;
  for (const auto& e : events()) {
    if (e.value("event", "") == name) out.push_back(e);
  }
  return out;
}

nlohmann::json NodePeer::wait_for(const std::function<bool(const nlohmann::json&)>& match,
                                  std::chrono::milliseconds timeout, size_t from, size_t* index) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t checked = from;
  for (;;) {
    absorb();
    for (; checked < events_.size(); ++checked) {
      if (match(events_[checked])) {
        if (index) *index = checked;
        return events_[checked];
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    proc_->poll(std::min(left, std::chrono::milliseconds(100)));
  }
  std::ostringstream all;
  for (size_t i = from; i < events_.size(); ++i) all << events_[i].dump() << "\n";
  throw std::runtime_error("node peer: the awaited event never came; seen:\n" + all.str() +
                           "stderr:\n" + stderr_text());
}

nlohmann::json NodePeer::wait_for_event(const std::string& name, std::chrono::milliseconds timeout,
                                        size_t from) {
  return wait_for([&](const nlohmann::json& e) { return e.value("event", "") == name; }, timeout,
                  from);
}

std::string NodePeer::stderr_text() const {
  std::ifstream in(dir_.file("stderr.log"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace sb::test
