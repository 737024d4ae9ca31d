// GroupCommit with a sync step (deferred durability): a caller hears back only after a sync that
// followed the commit of its batch, and a batch that failed is never synced for.
#include "engine/group_commit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace sb::engine {
namespace {

struct Log {
  std::mutex mu;
  std::vector<std::string> events;
  void add(std::string e) {
    std::lock_guard lk(mu);
    events.push_back(std::move(e));
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lk(mu);
    return events;
  }
};

TEST(GroupCommitTest, CallersHearBackOnlyAfterASyncThatFollowedTheirCommit) {
  Log log;
  GroupCommit<int, int> gc(
      "gc-test",
      [&](std::vector<int>& batch) -> Result<std::vector<int>> {
        for (int v : batch) log.add("commit " + std::to_string(v));
        return batch;
      },
      nullptr, 4, [&] { log.add("sync"); });
  constexpr int kItems = 50;
  std::vector<std::promise<void>> done(kItems);
  for (int i = 0; i < kItems; ++i) {
    gc.submit(i, [&, i](Result<int> r) {
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(*r, i);
      log.add("done " + std::to_string(i));
      done[i].set_value();
    });
  }
  for (auto& d : done) d.get_future().wait();
  const auto events = log.snapshot();
  for (int i = 0; i < kItems; ++i) {
    const auto at = [&](const std::string& e) {
      return std::find(events.begin(), events.end(), e) - events.begin();
    };
    const auto committed = at("commit " + std::to_string(i));
    const auto answered = at("done " + std::to_string(i));
    ASSERT_LT(committed, answered) << i;
    const auto sync = std::find(events.begin() + committed, events.end(), "sync") - events.begin();
    EXPECT_LT(sync, answered) << "item " << i << " answered before a sync covered its commit";
  }
}

TEST(GroupCommitTest, AFailedBatchIsAnsweredWithItsErrorAndNotSynced) {
  Log log;
  GroupCommit<int, int> gc(
      "gc-test",
      [&](std::vector<int>&) -> Result<std::vector<int>> {
        return Error::make("storage_error", "disk full");
      },
      nullptr, 4, [&] { log.add("sync"); });
  std::promise<Result<int>> p;
  gc.submit(1, [&](Result<int> r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage_error");
  EXPECT_TRUE(log.snapshot().empty());
}

TEST(GroupCommitTest, StatsCountEveryItemBatchAndSync) {
  std::atomic<int> commits{0};
  std::atomic<int> syncs{0};
  GroupCommit<int, int> gc(
      "gc-test",
      [&](std::vector<int>& batch) -> Result<std::vector<int>> {
        commits.fetch_add(1);
        return batch;
      },
      nullptr, 4, [&] { syncs.fetch_add(1); });
  constexpr int kItems = 30;
  std::vector<std::promise<void>> done(kItems);
  for (int i = 0; i < kItems; ++i) gc.submit(i, [&, i](Result<int>) { done[i].set_value(); });
  for (auto& d : done) d.get_future().wait();
  gc.stop();
  const auto& st = gc.stats();
  EXPECT_EQ(st.wait.count(), kItems);
  EXPECT_EQ(st.total.count(), kItems);
  EXPECT_EQ(st.commit.count(), commits.load());
  EXPECT_EQ(st.batch.count(), commits.load());
  EXPECT_EQ(st.sync.count(), syncs.load());
  EXPECT_GE(commits.load(), kItems / 4);  // batches of at most 4
  EXPECT_LE(st.batch.max(), 4);
  // Each item's time in all covers at least its batch's commit.
  EXPECT_GE(st.total.max(), st.commit.max());
}

}  // namespace
}  // namespace sb::engine
