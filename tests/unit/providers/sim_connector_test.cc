// The simulated carrier: a status report that meets an id the gateway has not recorded yet (it
// overtook the dispatcher's record of the send) is offered again soon, then less often; its
// journal forgets finished messages after the retention and survives a half-written last line.
#include "providers/sim/sim_connector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace sb::providers {
namespace {

using namespace std::chrono_literals;

// A sink that knows only the provider ids it was told about, as the store would.
class RecordingSink final : public StatusSink {
 public:
  struct Offer {
    TimeMs at;
    std::string provider_message_id;
    Status status;
    bool stored;
  };

  explicit RecordingSink(const Clock& clock) : clock_(clock) {}

  std::vector<bool> on_status(const std::vector<StatusReport>& reports) override {
    std::lock_guard lk(mu_);
    std::vector<bool> out;
    for (const auto& r : reports) {
      const bool stored = store_all_ || known_.count(r.provider_message_id) > 0;
      offers_.push_back({clock_.now_ms(), r.provider_message_id, r.status, stored});
      out.push_back(stored);
    }
    cv_.notify_all();
    return out;
  }

  void know(const std::string& provider_id) {
    std::lock_guard lk(mu_);
    known_.insert(provider_id);
  }
  // From now on every report is stored (true) or none that is not known (false).
  void store_all(bool on) {
    std::lock_guard lk(mu_);
    store_all_ = on;
  }
  // Waits (real time, with a deadline) until `n` reports about `provider_id` were stored.
  bool wait_for_stored(const std::string& provider_id, size_t n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 10s, [&] {
      size_t stored = 0;
      for (const auto& o : offers_) stored += o.stored && o.provider_message_id == provider_id;
      return stored >= n;
    });
  }
  // Waits (real time, with a deadline) until a report about `provider_id` was offered.
  bool wait_for_offer(const std::string& provider_id) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 10s, [&] {
      for (const auto& o : offers_) {
        if (o.provider_message_id == provider_id) return true;
      }
      return false;
    });
  }

  // Waits (real time, with a deadline) until `n` offers have been made; returns them.
  std::vector<Offer> wait_for_offers(size_t n) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, 10s, [&] { return offers_.size() >= n; });
    return offers_;
  }

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> known_;
  bool store_all_ = false;
  std::vector<Offer> offers_;
};

Message outbound(const std::string& id, const std::string& to) {
  Message m;
  m.id = id;
  m.from = "+12025550100";
  m.to = to;
  m.body = "hi";
  m.connector = "sim";
  return m;
}

TEST(SimConnectorTest, RetryDelaysStartShortThenSettle) {
  EXPECT_EQ(sim_report_retry_delay_ms(1), 20);
  EXPECT_EQ(sim_report_retry_delay_ms(2), 100);
  EXPECT_EQ(sim_report_retry_delay_ms(3), 500);
  EXPECT_EQ(sim_report_retry_delay_ms(700), 500);
}

// With delivery_delay_ms = 0 the reports carry the acceptance time but are offered 20 ms after
// it, by when the dispatcher has almost always stored the provider id. When it has not, the store
// learns it within milliseconds, so the second offer must come 20 ms later on the carrier's
// clock, not after a provider-style half second.
TEST(SimConnectorTest, AReportThatOvertookTheSendIsOfferedAgainWithinMilliseconds) {
  ManualClock clock;
  SimOptions opt;
  opt.delivery_delay_ms = 0;
  SimConnector sim(opt, clock);
  RecordingSink sink(clock);
  sim.start(sink);

  const auto sent = sim.send(outbound("msg_1", "+14155550123"), "msg_1");
  ASSERT_TRUE(sent);
  const std::string pid = sent->provider_message_id;
  const TimeMs t0 = clock.now_ms();

  // First offer, 20 ms after the submit: both reports (sent, delivered) meet an unknown id.
  clock.advance(20);
  auto offers = sink.wait_for_offers(2);
  ASSERT_EQ(offers.size(), 2u);
  for (const auto& o : offers) {
    EXPECT_EQ(o.provider_message_id, pid);
    EXPECT_EQ(o.at, t0 + 20);
    EXPECT_FALSE(o.stored);
  }

  // Second offer, still unknown: 20 ms later.
  clock.advance(20);
  offers = sink.wait_for_offers(4);
  ASSERT_EQ(offers.size(), 4u) << "no second offer 20 ms after the first";
  EXPECT_EQ(offers[2].at, t0 + 40);
  EXPECT_FALSE(offers[3].stored);

  // The dispatcher's record lands; the third offer, 100 ms after the second, is stored.
  sink.know(pid);
  clock.advance(100);
  offers = sink.wait_for_offers(6);
  ASSERT_EQ(offers.size(), 6u) << "no third offer 100 ms after the second";
  std::set<Status> stored;
  for (size_t i = 4; i < 6; ++i) {
    EXPECT_EQ(offers[i].at, t0 + 140);
    EXPECT_TRUE(offers[i].stored);
    stored.insert(offers[i].status);
  }
  EXPECT_EQ(stored, (std::set<Status>{Status::kSent, Status::kDelivered}));
  sim.stop();
}

std::string accepted_id(const SendResult& r) { return r ? r->provider_message_id : ""; }

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

size_t lines_mentioning(const std::vector<std::string>& lines, const std::string& what) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(what) != std::string::npos;
  return n;
}

class SimJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sb_sim.XXXXXX";
    dir_ = mkdtemp(tmpl);
    opt_.delivery_delay_ms = 0;
    opt_.first_report_after_ms = 0;  // reports at once: these tests are about the journal
    opt_.retention_ms = 3'600'000;
    opt_.journal_path = (dir_ / "sim.jsonl").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Moves the carrier's clock past the retention and waits (real time, with a deadline) until
  // the running reporter has forgotten every finished message; false if it has not.
  bool forgotten_after_retention(const SimConnector& sim) {
    clock_.advance(opt_.retention_ms + 60'000);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (sim.remembered() != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);  // the reporter looks at least every 200 ms
    }
    return sim.remembered() == 0;
  }

  std::filesystem::path dir_;
  SimOptions opt_;
  ManualClock clock_;
};

// Finished messages (final report stored, or refused) are forgotten once the retention has
// passed since their last attempt, and a start drops their lines from the journal; a message
// whose final report was never stored is kept however old, and its reports are sent again.
TEST_F(SimJournalTest, AStartForgetsFinishedMessagesPastRetentionAndCompactsTheJournal) {
  std::string old_pid, pending_pid;
  {
    SimConnector sim(opt_, clock_);
    RecordingSink sink(clock_);
    sink.store_all(true);
    sim.start(sink);
    old_pid = accepted_id(sim.send(outbound("msg_old", "+14155550123"), "msg_old"));
    ASSERT_FALSE(old_pid.empty());
    ASSERT_TRUE(sink.wait_for_stored(old_pid, 2));
    ASSERT_FALSE(sim.send(outbound("msg_refused", std::string(kSimInvalidNumber)), "msg_refused"));
    sink.store_all(false);
    pending_pid = accepted_id(sim.send(outbound("msg_pending", "+14155550124"), "msg_pending"));
    ASSERT_FALSE(pending_pid.empty());
    ASSERT_TRUE(sink.wait_for_offer(pending_pid));
    sim.stop();
    EXPECT_EQ(sim.remembered(), 3u);
  }
  const auto before = lines_of(opt_.journal_path);
  ASSERT_EQ(lines_mentioning(before, "msg_old") + lines_mentioning(before, old_pid), 4u)
      << "submit (message id, key and provider id) + two reports";

  // Just inside the retention nothing is forgotten.
  clock_.advance(opt_.retention_ms - 1);
  {
    SimConnector sim(opt_, clock_);
    EXPECT_EQ(sim.remembered(), 3u);
  }
  EXPECT_EQ(lines_of(opt_.journal_path), before);

  clock_.advance(1);
  SimConnector sim(opt_, clock_);
  EXPECT_EQ(sim.remembered(), 1u);
  const auto after = lines_of(opt_.journal_path);
  EXPECT_EQ(lines_mentioning(after, "msg_old"), 0u);
  EXPECT_EQ(lines_mentioning(after, old_pid), 0u);
  EXPECT_EQ(lines_mentioning(after, "msg_refused"), 0u);
  EXPECT_EQ(after.size(), lines_mentioning(before, "msg_pending"));
  EXPECT_FALSE(std::filesystem::exists(opt_.journal_path + ".compact"));

  // The unfinished message is still known (a repeat is a duplicate) and its reports go out.
  RecordingSink sink(clock_);
  sink.store_all(true);
  sim.start(sink);
  EXPECT_TRUE(sink.wait_for_stored(pending_pid, 2));
  EXPECT_EQ(accepted_id(sim.send(outbound("msg_pending", "+14155550124"), "msg_pending")),
            pending_pid);
  sim.stop();
}

// A crash can leave the journal's last line half written. What is written after a restart
// must not be glued onto it: that would lose the acceptance of the next message, and a repeat
// of that message would then be accepted a second time.
TEST_F(SimJournalTest, AHalfWrittenLastLineDoesNotSwallowTheNextEntry) {
  {
    std::ofstream torn(opt_.journal_path);
    torn << R"({"op":"submit","key":"msg_torn","attempt":1,"at":)";  // no newline
  }
  std::string pid;
  {
    SimConnector sim(opt_, clock_);
    pid = accepted_id(sim.send(outbound("msg_next", "+14155550123"), "msg_next"));
    ASSERT_FALSE(pid.empty());
  }
  SimConnector restarted(opt_, clock_);
  EXPECT_EQ(accepted_id(restarted.send(outbound("msg_next", "+14155550123"), "msg_next")), pid)
      << "the acceptance written after the torn line was lost";
}

// While running, the reporter prunes finished messages past the retention from memory.
TEST_F(SimJournalTest, ARunningCarrierPrunesFinishedMessagesPastRetention) {
  opt_.journal_path.clear();
  SimConnector sim(opt_, clock_);
  RecordingSink sink(clock_);
  sink.store_all(true);
  sim.start(sink);
  const std::string pid = accepted_id(sim.send(outbound("msg_a", "+14155550123"), "msg_a"));
  ASSERT_TRUE(sink.wait_for_stored(pid, 2));
  EXPECT_EQ(sim.remembered(), 1u);
  EXPECT_TRUE(forgotten_after_retention(sim));
  sim.stop();
}

// `reports = false`: the carrier acknowledges the submit and reports nothing, then or after a
// restart; the message is finished at once (a repeated send is still the same message), and each
// journal line is one JSON object with the body escaped.
TEST_F(SimJournalTest, ACarrierWithoutReportsOnlyAcknowledges) {
  opt_.reports = false;
  std::string pid;
  {
    SimConnector sim(opt_, clock_);
    RecordingSink sink(clock_);
    sink.store_all(true);
    sim.start(sink);
    Message m = outbound("msg_quiet", "+14155550123");
    m.body = "a \"quoted\" body\nover two lines";
    pid = accepted_id(sim.send(m, "msg_quiet"));
    ASSERT_FALSE(pid.empty());
    EXPECT_EQ(accepted_id(sim.send(m, "msg_quiet")), pid);
    sim.stop();
  }
  SimConnector again(opt_, clock_);
  RecordingSink sink(clock_);
  sink.store_all(true);
  again.start(sink);
  EXPECT_EQ(accepted_id(again.send(outbound("msg_quiet", "+14155550123"), "msg_quiet")), pid);
  // Finished at acceptance: forgotten once the retention has passed, which a message waiting for
  // its final report never is (see the test above); and nothing was ever offered.
  EXPECT_TRUE(forgotten_after_retention(again));
  again.stop();
  EXPECT_TRUE(sink.wait_for_offers(0).empty());
  const auto lines = lines_of(opt_.journal_path);
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& l : lines) {
    const auto j = nlohmann::json::parse(l, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object()) << l;
    EXPECT_EQ(j.value("op", ""), "submit");
  }
  EXPECT_EQ(nlohmann::json::parse(lines[0]).value("body", ""), "a \"quoted\" body\nover two lines");
  EXPECT_EQ(nlohmann::json::parse(lines[1]).value("result", ""), "duplicate");
}

}  // namespace
}  // namespace sb::providers
