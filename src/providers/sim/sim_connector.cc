// Simulated carrier implementation: journal, magic outcomes, scheduled status reports.
#include "core/thread_name.h"
#include "providers/sim/sim_connector.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/crypto.h"

namespace sb::providers {

using nlohmann::json;

SimConnector::SimConnector(SimOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  if (!options_.journal_path.empty()) {
    const auto parent = std::filesystem::path(options_.journal_path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    replay_journal();
    journal_fd_ = ::open(options_.journal_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                         0644);
    if (journal_fd_ < 0) {
      throw std::runtime_error("sim connector " + options_.id + ": cannot open journal " +
                               options_.journal_path);
    }
  }
}

SimConnector::~SimConnector() {
  stop();
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

void SimConnector::replay_journal() {
  std::ifstream in(options_.journal_path);
  std::string line;
  while (std::getline(in, line)) {
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;  // a line torn by a crash
    const std::string op = j.value("op", "");
    if (op == "submit") {
      auto& st = keys_[j.value("key", "")];
      st.attempts = std::max(st.attempts, j.value("attempt", 0));
      if (j.value("result", "") == "accepted") {
        st.provider_id = j.value("provider_id", "");
        st.to = j.value("to", "");
        st.accepted_at = j.value("at", TimeMs{0});
        key_by_provider_id_[st.provider_id] = j.value("key", "");
      }
    } else if (op == "report") {
      auto it = key_by_provider_id_.find(j.value("provider_id", ""));
      if (it == key_by_provider_id_.end()) continue;
      auto& st = keys_[it->second];
      if (j.value("status", "") == "sent") {
        st.sent_reported = true;
      } else {
        st.final_reported = true;
      }
    }
  }
  const TimeMs now = clock_.now_ms();
  for (auto& [key, st] : keys_) {
    if (!st.provider_id.empty() && !st.final_reported) schedule_reports(key, st, now);
  }
}

TimeMs sim_report_retry_delay_ms(int tries) {
  // A report usually meets an unknown id because it overtook the dispatcher's record of the send
  // (delivery_delay_ms = 0): that record lands within milliseconds, so look again soon. Past
  // that, retry like a provider whose webhook failed.
  switch (tries) {
    case 1: return 20;
    case 2: return 100;
    default: return 500;
  }
}

void SimConnector::journal(const std::string& line) { write_journal(line + "\n"); }

void SimConnector::write_journal(const std::string& lines) {
  if (journal_fd_ < 0) return;
  // One write per call: O_APPEND keeps its lines whole, and the page cache survives a kill -9.
  if (::write(journal_fd_, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
    spdlog::error("sim {}: journal write failed", options_.id);
  }
}

SendResult SimConnector::send(const Message& m, const std::string& key) {
  const TimeMs now = clock_.now_ms();
  std::lock_guard lk(mu_);
  KeyState& st = keys_[key];
  st.attempts += 1;
  json entry = {{"op", "submit"},        {"key", key},     {"attempt", st.attempts},
                {"message_id", m.id},    {"from", m.from}, {"to", m.to},
                {"body", m.body},        {"media", m.media_urls.size()}, {"at", now}};
  const auto refuse = [&](FailureKind kind, std::string code, std::string message,
                          std::optional<int64_t> retry_after = std::nullopt) -> SendResult {
    entry["result"] = std::string(to_string(kind));
    entry["code"] = code;
    journal(entry.dump());
    return SendFailure{kind, std::move(code), std::move(message), retry_after};
  };

  if (!st.provider_id.empty()) {
    entry["result"] = "duplicate";
    entry["provider_id"] = st.provider_id;
    journal(entry.dump());
    return SendAccepted{st.provider_id, "accepted"};
  }
  if (m.to == kSimInvalidNumber) {
    return refuse(FailureKind::kPermanent, "21211", "Invalid 'To' phone number");
  }
  if (m.to == kSimNotSmsCapable) {
    return refuse(FailureKind::kPermanent, "21614", "'To' number is not a valid mobile number");
  }
  if (m.to == kSimFlaky && st.attempts <= 2) {
    return refuse(FailureKind::kTransient, "sim_unavailable", "simulated carrier outage");
  }
  if (m.to == kSimThrottled && st.attempts <= 1) {
    return refuse(FailureKind::kRateLimited, "20429", "Too Many Requests", 1000);
  }
  st.provider_id = "SIM" + crypto::hex(crypto::random_bytes(16));
  st.to = m.to;
  st.accepted_at = now;
  key_by_provider_id_[st.provider_id] = key;
  entry["result"] = "accepted";
  entry["provider_id"] = st.provider_id;
  journal(entry.dump());
  schedule_reports(key, st, now);
  cv_.notify_one();
  return SendAccepted{st.provider_id, "accepted"};
}

void SimConnector::schedule_reports(const std::string& /*key*/, KeyState& st, TimeMs now) {
  const TimeMs sent_at = std::max(now, st.accepted_at + options_.delivery_delay_ms / 2);
  const TimeMs final_at = std::max(now, st.accepted_at + options_.delivery_delay_ms);
  StatusReport r;
  r.connector = options_.id;
  r.provider_message_id = st.provider_id;
  if (!st.sent_reported) {
    r.status = Status::kSent;
    r.provider_status = "sent";
    r.at = sent_at;
    pending_.push({sent_at, r, 0});
  }
  if (st.to == kSimUndelivered) {
    r.status = Status::kUndelivered;
    r.provider_status = "undelivered";
    r.error_code = "30003";
    r.error_message = "Unreachable destination handset";
  } else {
    r.status = Status::kDelivered;
    r.provider_status = "delivered";
  }
  r.at = final_at;
  pending_.push({final_at, r, 0});
}

void SimConnector::start(StatusSink& sink) {
  std::lock_guard lk(mu_);
  if (reporter_.joinable()) return;
  sink_ = &sink;
  stopping_ = false;
  reporter_ = std::thread([this] {
    set_thread_name("sb-sim");
    run_reporter();
  });
}

void SimConnector::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (reporter_.joinable()) reporter_.join();
}

void SimConnector::run_reporter() {
  constexpr int kMaxTries = 720;  // about six minutes of retries for an unknown id
  std::unique_lock lk(mu_);
  while (!stopping_) {
    const TimeMs now = clock_.now_ms();
    if (pending_.empty() || pending_.top().due > now) {
      const auto wait_ms = pending_.empty() ? TimeMs{200} : std::min<TimeMs>(200, pending_.top().due - now);
      cv_.wait_for(lk, std::chrono::milliseconds(wait_ms));
      continue;
    }
    std::vector<Pending> batch;
    while (!pending_.empty() && pending_.top().due <= now && batch.size() < 1000) {
      batch.push_back(pending_.top());
      pending_.pop();
    }
    std::vector<StatusReport> reports;
    reports.reserve(batch.size());
    for (const auto& p : batch) reports.push_back(p.report);
    lk.unlock();
    const std::vector<bool> stored = sink_->on_status(reports);
    lk.lock();
    std::string lines;  // the batch's journal lines, written at once
    for (size_t i = 0; i < batch.size(); ++i) {
      Pending& p = batch[i];
      const bool ok = i < stored.size() && stored[i];
      auto key_it = key_by_provider_id_.find(p.report.provider_message_id);
      if (ok) {
        lines += json{{"op", "report"},
                      {"provider_id", p.report.provider_message_id},
                      {"status", std::string(to_string(p.report.status))},
                      {"at", now}}
                     .dump();
        lines += '\n';
        if (key_it != key_by_provider_id_.end()) {
          auto& st = keys_[key_it->second];
          (p.report.status == Status::kSent ? st.sent_reported : st.final_reported) = true;
        }
      } else if (++p.tries < kMaxTries) {
        p.due = now + sim_report_retry_delay_ms(p.tries);
        pending_.push(p);
      } else {
        spdlog::warn("sim {}: giving up on report {} for {}", options_.id,
                     to_string(p.report.status), p.report.provider_message_id);
        journal(json{{"op", "report_abandoned"},
                     {"provider_id", p.report.provider_message_id},
                     {"status", std::string(to_string(p.report.status))},
                     {"at", now}}
                    .dump());
      }
    }
    if (!lines.empty()) write_journal(lines);
  }
}

}  // namespace sb::providers
