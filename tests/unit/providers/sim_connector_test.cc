// The simulated carrier's status reports: a report that meets an id the gateway has not recorded
// yet (it overtook the dispatcher's record of the send) is offered again soon, then less often.
#include "providers/sim/sim_connector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
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
      const bool stored = known_.count(r.provider_message_id) > 0;
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

// With delivery_delay_ms = 0 the reports are due at once, before the dispatcher has stored the
// provider id. The store learns it within milliseconds, so the second offer must come 20 ms
// later on the carrier's clock, not after a provider-style half second.
TEST(SimConnectorTest, AReportThatOvertookTheSendIsOfferedAgainWithinMilliseconds) {
  ManualClock clock;
  SimOptions opt;
  opt.delivery_delay_ms = 0;
  SimConnector sim(opt, clock);
  RecordingSink sink(clock);
  sim.start(sink);

  const auto sent = sim.send(outbound("msg_1", "+14155550123"), "msg_1");
  const auto* accepted = std::get_if<SendAccepted>(&sent);
  ASSERT_NE(accepted, nullptr);
  const std::string pid = accepted->provider_message_id;
  const TimeMs t0 = clock.now_ms();

  // First offer: both reports (sent, delivered) meet an unknown id.
  auto offers = sink.wait_for_offers(2);
  ASSERT_EQ(offers.size(), 2u);
  for (const auto& o : offers) {
    EXPECT_EQ(o.provider_message_id, pid);
    EXPECT_EQ(o.at, t0);
    EXPECT_FALSE(o.stored);
  }

  // Second offer, still unknown: 20 ms later.
  clock.advance(20);
  offers = sink.wait_for_offers(4);
  ASSERT_EQ(offers.size(), 4u) << "no second offer 20 ms after the first";
  EXPECT_EQ(offers[2].at, t0 + 20);
  EXPECT_FALSE(offers[3].stored);

  // The dispatcher's record lands; the third offer, 100 ms after the second, is stored.
  sink.know(pid);
  clock.advance(100);
  offers = sink.wait_for_offers(6);
  ASSERT_EQ(offers.size(), 6u) << "no third offer 100 ms after the second";
  std::set<Status> stored;
  for (size_t i = 4; i < 6; ++i) {
    EXPECT_EQ(offers[i].at, t0 + 120);
    EXPECT_TRUE(offers[i].stored);
    stored.insert(offers[i].status);
  }
  EXPECT_EQ(stored, (std::set<Status>{Status::kSent, Status::kDelivered}));
  sim.stop();
}

}  // namespace
}  // namespace sb::providers
