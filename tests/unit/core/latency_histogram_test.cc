// LatencyHistogram: percentiles within a bucket's width (~19 %) of the exact ones.
#include "core/latency_histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sb {
namespace {

void expect_near_pct(int64_t got, int64_t exact) {
  EXPECT_GE(got, exact * 0.9) << "exact " << exact;
  EXPECT_LE(got, exact * 1.1) << "exact " << exact;
}

TEST(LatencyHistogramTest, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.percentile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(LatencyHistogramTest, PercentilesOfAUniformSpread) {
  LatencyHistogram h;
  for (int64_t us = 1; us <= 10'000; ++us) h.add(us);
  EXPECT_EQ(h.count(), 10'000);
  EXPECT_EQ(h.max(), 10'000);
  expect_near_pct(h.percentile(0.5), 5'000);
  expect_near_pct(h.percentile(0.9), 9'000);
  expect_near_pct(h.percentile(0.99), 9'900);
  EXPECT_LE(h.percentile(1.0), h.max());
}

TEST(LatencyHistogramTest, ATailShowsInP99NotP50) {
  LatencyHistogram h;
  for (int i = 0; i < 980; ++i) h.add(2'000);
  for (int i = 0; i < 20; ++i) h.add(30'000);
  expect_near_pct(h.percentile(0.5), 2'000);
  expect_near_pct(h.percentile(0.99), 30'000);
  EXPECT_EQ(h.max(), 30'000);
}

TEST(LatencyHistogramTest, ZeroAndHugeValuesAreKept) {
  LatencyHistogram h;
  h.add(0);
  h.add(-5);
  h.add(int64_t{1} << 40);  // ~13 days: the last bucket
  EXPECT_EQ(h.count(), 3);
  EXPECT_EQ(h.max(), int64_t{1} << 40);
  EXPECT_LE(h.percentile(0.5), 2);
}

TEST(LatencyHistogramTest, ConcurrentAddsAreAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10'000; ++i) h.add(100 * (t + 1));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 40'000);
  EXPECT_EQ(h.max(), 400);
}

}  // namespace
}  // namespace sb
