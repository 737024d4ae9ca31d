// ClusterRepository: shared send slots and cluster leases; every test runs on SQLite and
// PostgreSQL (store_test_fixture.h), instances being several stores on one database.
#include "store_test_fixture.h"

namespace sb::store {
namespace {

using ClusterRepositoryTest = StoreContractTest;

constexpr int64_t kInterval = 100;
constexpr int64_t kHorizon = 250;
const std::string kNumber = "+12025550160";

TEST_P(ClusterRepositoryTest, SlotsOfANumberAreOneIntervalApartUpToTheHorizon) {
  auto& slots = store_->cluster();
  EXPECT_EQ(slots.shared(), pg());
  const auto reserve = [&](ClusterRepository& on, const std::string& id, TimeMs now) {
    return unwrap(on.reserve_send_slot(kNumber, id, kInterval, now, kHorizon));
  };
  // The first slot is now; the next ones follow one interval apart while within the horizon.
  EXPECT_EQ(reserve(slots, "m1", kT0).at, kT0);
  EXPECT_EQ(reserve(another_instance().cluster(), "m2", kT0).at, kT0 + 100);
  EXPECT_EQ(reserve(slots, "m3", kT0 + 10).at, kT0 + 200);
  // The next free slot (+300) is past the horizon: refused, each refusal given the next place in
  // the waiting line, one interval apart, from the horizon's start before that slot.
  const SendSlot first_wait = reserve(slots, "m4", kT0 + 20);
  EXPECT_FALSE(first_wait.at);
  EXPECT_EQ(first_wait.retry_at, kT0 + 50);
  const SendSlot second_wait = reserve(slots, "m5", kT0 + 20);
  EXPECT_FALSE(second_wait.at);
  EXPECT_EQ(second_wait.retry_at, kT0 + 150);
  // Coming back at its place (through another instance), the first one gets the next slot.
  EXPECT_EQ(reserve(another_instance().cluster(), "m4", kT0 + 50).at, kT0 + 300);
  // Another number has slots of its own.
  EXPECT_EQ(unwrap(slots.reserve_send_slot("+12025550161", "m6", kInterval, kT0 + 50, kHorizon)).at,
            kT0 + 50);
  // An idle number does not save slots up: after a pause its next slot is now, the one after
  // one interval later.
  EXPECT_EQ(reserve(slots, "m7", kT0 + 10'000).at, kT0 + 10'000);
  EXPECT_EQ(reserve(slots, "m8", kT0 + 10'000).at, kT0 + 10'100);
  // A waiting line left behind (m5 never came back) does not hold the number back: a request
  // whose slot is within the horizon gets it.
  EXPECT_EQ(reserve(slots, "m9", kT0 + 20'000).at, kT0 + 20'000);
}

// A message that has not waited takes a place behind those that have, even when a slot is free
// for the asking: they leave first, in the order they were refused.
TEST_P(ClusterRepositoryTest, AMessageThatHasNotWaitedQueuesBehindThoseThatHave) {
  auto& slots = store_->cluster();
  const auto reserve = [&](const std::string& id, TimeMs now) {
    return unwrap(slots.reserve_send_slot(kNumber, id, kInterval, now, kHorizon));
  };
  EXPECT_EQ(reserve("m1", kT0).at, kT0);
  EXPECT_EQ(reserve("m2", kT0).at, kT0 + 100);
  EXPECT_EQ(reserve("m3", kT0).at, kT0 + 200);
  EXPECT_EQ(reserve("m4", kT0 + 20).retry_at, kT0 + 50);
  EXPECT_EQ(reserve("m5", kT0 + 20).retry_at, kT0 + 150);
  // m6 asks at +60, when the slot at +300 is within the horizon: it queues behind m5.
  const SendSlot late = reserve("m6", kT0 + 60);
  EXPECT_FALSE(late.at);
  EXPECT_EQ(late.retry_at, kT0 + 250);
  // The waiting ones come back at their places and get the slots, then m6.
  EXPECT_EQ(reserve("m4", kT0 + 60).at, kT0 + 300);
  EXPECT_EQ(reserve("m5", kT0 + 150).at, kT0 + 400);
  EXPECT_EQ(reserve("m6", kT0 + 250).at, kT0 + 500);
  // Once no place is ahead, a message that has not waited gets a slot at once.
  EXPECT_EQ(reserve("m7", kT0 + 400).at, kT0 + 600);
}

// Several instances (stores on one database), each with several threads, ask for one number's
// slots at once with clocks that move on: no two slots granted are closer than the interval, and
// none is missed (with a horizon this long every request is granted, so the slots follow each
// other exactly).
TEST_P(ClusterRepositoryTest, ConcurrentReservationsNeverGetTwoSlotsCloserThanTheInterval) {
  constexpr int kInstances = 3, kThreadsEach = 3, kRequestsEach = 40;
  std::vector<Store*> stores{store_.get()};
  for (int i = 1; i < kInstances; ++i) stores.push_back(&another_instance());
  std::mutex mu;
  std::vector<TimeMs> granted;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  std::latch go(kInstances * kThreadsEach);
  for (int t = 0; t < kInstances * kThreadsEach; ++t) {
    threads.emplace_back([&, t] {
      Store& s = *stores[t % kInstances];
      go.arrive_and_wait();
      for (int i = 0; i < kRequestsEach; ++i) {
        const TimeMs now = kT0 + i * 7 + t;
        auto r = s.cluster().reserve_send_slot(kNumber, std::to_string(t * 1000 + i), kInterval,
                                               now, 3'600'000);
        if (!r || !r->at) {
          ++failures;
          continue;
        }
        EXPECT_GE(*r->at, now);
        std::lock_guard lk(mu);
        granted.push_back(*r->at);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(granted.size(), static_cast<size_t>(kInstances * kThreadsEach * kRequestsEach));
  std::sort(granted.begin(), granted.end());
  for (size_t i = 1; i < granted.size(); ++i) {
    ASSERT_GE(granted[i] - granted[i - 1], kInterval) << "slots " << i - 1 << " and " << i;
  }
  EXPECT_LE(granted.front(), kT0 + kInstances * kThreadsEach);
  EXPECT_EQ(granted.back() - granted.front(), kInterval * static_cast<int64_t>(granted.size() - 1));
}

// The same with a short horizon: threads whose request is refused come back at the place they
// were given; every slot granted is still at least one interval from every other.
TEST_P(ClusterRepositoryTest, RefusedRequestsComeBackAndSlotsStayOneIntervalApart) {
  constexpr int kInstances = 3, kThreadsEach = 2, kSendsEach = 8;
  std::vector<Store*> stores{store_.get()};
  for (int i = 1; i < kInstances; ++i) stores.push_back(&another_instance());
  std::mutex mu;
  std::vector<TimeMs> granted;
  std::vector<std::thread> threads;
  std::latch go(kInstances * kThreadsEach);
  for (int t = 0; t < kInstances * kThreadsEach; ++t) {
    threads.emplace_back([&, t] {
      Store& s = *stores[t % kInstances];
      go.arrive_and_wait();
      TimeMs now = kT0;  // each thread's own clock, moved to where it is told to come back
      for (int sent = 0; sent < kSendsEach;) {
        auto r = s.cluster().reserve_send_slot(kNumber, std::to_string(t * 1000 + sent), kInterval,
                                               now, kHorizon);
        ASSERT_TRUE(r) << r.error().message;
        if (!r->at) {
          ASSERT_GT(r->retry_at, now);
          now = r->retry_at;
          continue;
        }
        ASSERT_GE(*r->at, now);
        ASSERT_LE(*r->at, now + kHorizon);
        std::lock_guard lk(mu);
        granted.push_back(*r->at);
        ++sent;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(granted.size(), static_cast<size_t>(kInstances * kThreadsEach * kSendsEach));
  std::sort(granted.begin(), granted.end());
  for (size_t i = 1; i < granted.size(); ++i) {
    ASSERT_GE(granted[i] - granted[i - 1], kInterval) << "slots " << i - 1 << " and " << i;
  }
}

TEST_P(ClusterRepositoryTest, ALeaseHasOneHolderUntilItExpiresOrIsReleased) {
  auto& a = store_->cluster();
  auto& b = another_instance().cluster();
  EXPECT_TRUE(unwrap(a.try_lease("reconciliation", "wrk_a", kT0, 60'000)));
  EXPECT_FALSE(unwrap(b.try_lease("reconciliation", "wrk_b", kT0 + 1, 60'000)));
  // Another job's lease is another lease.
  EXPECT_TRUE(unwrap(b.try_lease("retention", "wrk_b", kT0 + 1, 60'000)));
  // The holder renews it: it then lasts from the renewal.
  EXPECT_TRUE(unwrap(a.try_lease("reconciliation", "wrk_a", kT0 + 50'000, 60'000)));
  EXPECT_FALSE(unwrap(b.try_lease("reconciliation", "wrk_b", kT0 + 100'000, 60'000)));
  // A holder that stops renewing (killed) loses it when it expires.
  EXPECT_TRUE(unwrap(b.try_lease("reconciliation", "wrk_b", kT0 + 110'000, 60'000)));
  EXPECT_FALSE(unwrap(a.try_lease("reconciliation", "wrk_a", kT0 + 110'001, 60'000)));
  // Releasing another's lease does nothing; the holder's release frees it at once.
  ASSERT_TRUE(a.release_lease("reconciliation", "wrk_a").ok());
  EXPECT_FALSE(unwrap(a.try_lease("reconciliation", "wrk_a", kT0 + 110'002, 60'000)));
  ASSERT_TRUE(b.release_lease("reconciliation", "wrk_b").ok());
  EXPECT_TRUE(unwrap(a.try_lease("reconciliation", "wrk_a", kT0 + 110'003, 60'000)));
}

// Instances starting a job together: exactly one of them gets it.
TEST_P(ClusterRepositoryTest, InstancesAskingForALeaseTogetherGetItOnce) {
  constexpr int kInstances = 6;
  std::vector<Store*> stores{store_.get()};
  for (int i = 1; i < kInstances; ++i) stores.push_back(&another_instance());
  std::atomic<int> holders{0};
  std::vector<std::thread> threads;
  std::latch go(kInstances);
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      auto held =
          stores[i]->cluster().try_lease("retention", "wrk_" + std::to_string(i), kT0, 60'000);
      ASSERT_TRUE(held) << held.error().message;
      if (*held) ++holders;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(holders.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClusterRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
