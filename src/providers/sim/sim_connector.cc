// Simulated carrier implementation: journal, magic outcomes, scheduled status reports.
#include "providers/sim/sim_connector.h"

#include <fcntl.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/log.h"
#include "core/message_json.h"
#include "core/thread_name.h"
#include "providers/webhook_util.h"

namespace sb::providers {

using nlohmann::json;

SimConnector::SimConnector(SimOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      id_prefix_("SIM" + crypto::hex(crypto::random_bytes(8))) {
  if (!options_.journal_path.empty()) {
    const auto parent = std::filesystem::path(options_.journal_path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    replay_journal();
    journal_fd_ =
        ::open(options_.journal_path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (journal_fd_ < 0) {
      throw std::runtime_error("sim connector " + options_.id + ": cannot open journal " +
                               options_.journal_path);
    }
    // A line torn by a crash (no newline at the end) would swallow the next line written; end
    // it, so it stays one unreadable line and the next entry is whole.
    const off_t size = ::lseek(journal_fd_, 0, SEEK_END);
    char last = '\n';
    if (size > 0 && ::pread(journal_fd_, &last, 1, size - 1) == 1 && last != '\n') {
      write_journal("\n");
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
  int64_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;  // a line torn by a crash
    const std::string op = j.value("op", "");
    if (op == "submit") {
      auto& st = keys_[j.value("key", "")];
      ++st.journal_lines;
      st.attempts = std::max(st.attempts, j.value("attempt", 0));
      st.last_at = std::max(st.last_at, j.value("at", TimeMs{0}));
      if (j.value("result", "") == "accepted") {
        st.provider_id = j.value("provider_id", "");
        st.to = j.value("to", "");
        st.accepted_at = j.value("at", TimeMs{0});
        if (!options_.reports) st.final_reported = true;  // finished once accepted
        key_by_provider_id_[st.provider_id] = j.value("key", "");
      }
    } else if (op == "report" || op == "report_abandoned") {
      auto it = key_by_provider_id_.find(j.value("provider_id", ""));
      if (it == key_by_provider_id_.end()) continue;
      auto& st = keys_[it->second];
      ++st.journal_lines;
      if (op == "report_abandoned") continue;
      if (j.value("status", "") == "sent") {
        st.sent_reported = true;
      } else {
        st.final_reported = true;
        st.last_at = std::max(st.last_at, j.value("at", TimeMs{0}));
      }
    }
  }
  in.close();
  const TimeMs now = clock_.now_ms();
  int64_t forgotten = 0, forgotten_lines = 0;
  for (const auto& [key, st] : keys_) {
    if (!forgettable(st, now)) continue;
    ++forgotten;
    forgotten_lines += st.journal_lines;
  }
  // Rewriting costs a pass over the file, so only when it at least halves it.
  if (forgotten_lines > 0 && forgotten_lines * 2 >= lines) {
    compact_journal(now);
    spdlog::info(
        "sim {}: journal compacted: {} messages finished more than {} h ago forgotten, "
        "{} of {} lines dropped",
        options_.id, forgotten, options_.retention_ms / 3'600'000, forgotten_lines, lines);
  }
  std::vector<std::pair<TimeMs, std::string>> finished;
  for (const auto& [key, st] : keys_) {
    if (st.provider_id.empty() || st.final_reported) finished.emplace_back(st.last_at, key);
  }
  std::sort(finished.begin(), finished.end());
  finished_.assign(std::make_move_iterator(finished.begin()),
                   std::make_move_iterator(finished.end()));
  prune(now);
  for (auto& [key, st] : keys_) {
    if (!st.provider_id.empty() && !st.final_reported) schedule_reports(key, st, now);
  }
}

void SimConnector::compact_journal(TimeMs now) {
  const std::string tmp = options_.journal_path + ".compact";
  {
    std::ifstream in(options_.journal_path);
    std::ofstream out(tmp, std::ios::trunc);
    std::string line;
    while (out && std::getline(in, line)) {
      const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) continue;
      // A refused submit has only its key; an accepted one and the reports, its provider id.
      auto by_id = key_by_provider_id_.find(j.value("provider_id", ""));
      auto st = keys_.find(by_id != key_by_provider_id_.end() ? by_id->second : j.value("key", ""));
      if (st == keys_.end() || forgettable(st->second, now)) continue;
      out << line << '\n';
    }
    out.flush();
    if (!out) {
      log::warn({.connector = options_.id}, "sim {}: journal not compacted: cannot write {}",
                options_.id, tmp);
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  // On disk before it replaces the journal, so a crash leaves one whole file or the other.
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  std::error_code ec;
  if (synced) std::filesystem::rename(tmp, options_.journal_path, ec);
  if (!synced || ec) {
    log::warn({.connector = options_.id}, "sim {}: journal not compacted: {}", options_.id,
              synced ? ec.message() : "cannot sync " + tmp);
    std::filesystem::remove(tmp, ec);
  }
}

bool SimConnector::forgettable(const KeyState& st, TimeMs now) const {
  const bool finished = st.provider_id.empty() || st.final_reported;
  return finished && st.last_at + options_.retention_ms <= now;
}

void SimConnector::prune(TimeMs now) {
  size_t pruned = 0;
  while (!finished_.empty() && finished_.front().first + options_.retention_ms <= now) {
    const std::string key = std::move(finished_.front().second);
    finished_.pop_front();
    auto it = keys_.find(key);
    if (it == keys_.end()) continue;  // listed twice (refused twice), already forgotten
    if (!forgettable(it->second, now)) {
      // Attempted again since: due again from that attempt (a little out of order at the back,
      // which only delays it), or unfinished (listed again when it finishes).
      const KeyState& st = it->second;
      if (st.provider_id.empty() || st.final_reported) finished_.emplace_back(st.last_at, key);
      continue;
    }
    if (!it->second.provider_id.empty()) key_by_provider_id_.erase(it->second.provider_id);
    keys_.erase(it);
    ++pruned;
  }
  if (pruned > 10'000) malloc_trim(0);  // give a large replay's memory back to the system
}

size_t SimConnector::remembered() const {
  std::lock_guard lk(mu_);
  return keys_.size();
}

TimeMs sim_report_retry_delay_ms(int tries) {
  // A report usually meets an unknown id because it overtook the dispatcher's record of the send
  // (delivery_delay_ms = 0): that record lands within milliseconds, so look again soon. Past
  // that, retry like a provider whose webhook failed.
  switch (tries) {
    case 1:
      return 20;
    case 2:
      return 100;
    default:
      return 500;
  }
}

void SimConnector::write_journal(const std::string& lines) {
  if (journal_fd_ < 0) return;
  // One write per call: O_APPEND keeps its lines whole, and the page cache survives a kill -9.
  if (::write(journal_fd_, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
    log::error({.connector = options_.id}, "sim {}: journal write failed", options_.id);
  }
}

namespace {

// One journal line, written straight into a string (a submit per message sent and a report per
// status: the simulated carrier's share of the delivery path): {"op":…, then the fields.
class JournalLine {
 public:
  explicit JournalLine(std::string_view op) {
    line_ = "{\"op\":";
    append_json_string(line_, op);
  }
  JournalLine& add(std::string_view key, std::string_view value) {
    field(key);
    append_json_string(line_, value);
    return *this;
  }
  JournalLine& add(std::string_view key, int64_t value) {
    field(key);
    line_ += std::to_string(value);
    return *this;
  }
  // The line, closed and ended by a newline.
  std::string done() {
    line_ += "}\n";
    return std::move(line_);
  }

 private:
  void field(std::string_view key) {
    line_ += ',';
    append_json_string(line_, key);
    line_ += ':';
  }
  std::string line_;
};

}  // namespace

SendResult SimConnector::send(const Message& m, const std::string& key) {
  const TimeMs now = clock_.now_ms();
  std::lock_guard lk(mu_);
  KeyState& st = keys_[key];
  st.attempts += 1;
  st.last_at = now;
  JournalLine entry("submit");
  entry.add("key", key)
      .add("attempt", st.attempts)
      .add("message_id", m.id)
      .add("from", m.from)
      .add("to", m.to)
      .add("body", m.body)
      .add("media", static_cast<int64_t>(m.media_urls.size()))
      .add("at", now);
  const auto refuse = [&](FailureKind kind, std::string code, std::string message,
                          std::optional<int64_t> retry_after = std::nullopt) -> SendResult {
    entry.add("result", to_string(kind)).add("code", code);
    write_journal(entry.done());
    finished_.emplace_back(now, key);
    return SendFailure{kind, std::move(code), std::move(message), retry_after};
  };

  if (!st.provider_id.empty()) {
    entry.add("result", "duplicate").add("provider_id", st.provider_id);
    write_journal(entry.done());
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
  char count[17];
  std::snprintf(count, sizeof count, "%016llx", static_cast<unsigned long long>(++ids_made_));
  st.provider_id = id_prefix_ + count;
  st.to = m.to;
  st.accepted_at = now;
  key_by_provider_id_[st.provider_id] = key;
  entry.add("result", "accepted").add("provider_id", st.provider_id);
  write_journal(entry.done());
  if (!options_.reports) {  // nothing more will come for it
    st.final_reported = true;
    finished_.emplace_back(now, key);
    return SendAccepted{st.provider_id, "accepted"};
  }
  schedule_reports(key, st, now);
  cv_.notify_one();
  return SendAccepted{st.provider_id, "accepted"};
}

void SimConnector::schedule_reports(const std::string& /*key*/, KeyState& st, TimeMs now) {
  const TimeMs sent_at = std::max(now, st.accepted_at + options_.delivery_delay_ms / 2);
  const TimeMs final_at = std::max(now, st.accepted_at + options_.delivery_delay_ms);
  const TimeMs first_offer = st.accepted_at + options_.first_report_after_ms;
  StatusReport r;
  r.connector = options_.id;
  r.provider_message_id = st.provider_id;
  if (!st.sent_reported) {
    r.status = Status::kSent;
    r.provider_status = "sent";
    r.at = sent_at;
    pending_.push({std::max(sent_at, first_offer), r, 0});
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
  pending_.push({std::max(final_at, first_offer), r, 0});
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
    prune(now);
    if (pending_.empty() || pending_.top().due > now) {
      const auto wait_ms =
          pending_.empty() ? TimeMs{200} : std::min<TimeMs>(200, pending_.top().due - now);
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
        lines += JournalLine("report")
                     .add("provider_id", p.report.provider_message_id)
                     .add("status", to_string(p.report.status))
                     .add("at", now)
                     .done();
        if (key_it != key_by_provider_id_.end()) {
          auto& st = keys_[key_it->second];
          if (p.report.status == Status::kSent) {
            st.sent_reported = true;
          } else if (!st.final_reported) {
            st.final_reported = true;
            st.last_at = std::max(st.last_at, now);
            finished_.emplace_back(st.last_at, key_it->second);
          }
        }
      } else if (++p.tries < kMaxTries) {
        p.due = now + sim_report_retry_delay_ms(p.tries);
        pending_.push(p);
      } else {
        log::warn({.connector = options_.id}, "sim {}: giving up on report {} for {}", options_.id,
                  to_string(p.report.status), p.report.provider_message_id);
        write_journal(JournalLine("report_abandoned")
                          .add("provider_id", p.report.provider_message_id)
                          .add("status", to_string(p.report.status))
                          .add("at", now)
                          .done());
      }
    }
    if (!lines.empty()) write_journal(lines);
  }
}

namespace {

Result<std::unique_ptr<Connector>> make_sim(const ConnectorSettings& s, ConnectorDeps& deps) {
  auto delay = int_setting(s, "delivery_delay_ms", 1000);
  if (!delay) return delay.error();
  if (*delay < 0) return setting_error(s, "delivery_delay_ms", "must be >= 0");
  auto retention = int_setting(s, "journal_retention_hours", 24);
  if (!retention) return retention.error();
  if (*retention < 1) return setting_error(s, "journal_retention_hours", "must be >= 1");
  SimOptions o;
  o.id = s.id;
  o.delivery_delay_ms = *delay;
  if (auto r = s.values.find("reports"); r != s.values.end()) {
    if (r->second != "true" && r->second != "false") {
      return setting_error(s, "reports", "must be true or false");
    }
    o.reports = r->second == "true";
  }
  o.retention_ms = *retention * 3'600'000;
  auto it = s.values.find("journal");
  o.journal_path = it != s.values.end() ? it->second : "var/sim-" + s.id + ".jsonl";
  try {
    return std::unique_ptr<Connector>(std::make_unique<SimConnector>(o, deps.clock));
  } catch (const std::exception& e) {
    return setting_error(s, "journal", e.what());
  }
}

Result<void> verify_sim_webhook(const WebhookSecrets&, const WebhookRequest&, TimeMs) {
  return webhook_util::unverified("the sim provider signs nothing: set verify_webhooks = false");
}

Result<WebhookEvent> parse_sim_webhook(const WebhookRequest&, TimeMs) {
  return webhook_util::invalid("provider", "the sim provider sends no webhooks");
}

}  // namespace

ProviderSpec sim_provider_spec() {
  return {.name = "sim",
          .optional = {"delivery_delay_ms", "reports", "journal", "journal_retention_hours"},
          .make = make_sim,
          .webhook = {verify_sim_webhook, parse_sim_webhook, nullptr},
          .capabilities = kSimCapabilities};
}

}  // namespace sb::providers
