// A lock-free latency histogram: many threads add, anyone reads percentiles. Buckets grow by
// 2^(1/4) (each ~19 % wide; a percentile is reported as its bucket's midpoint, within ~9 %) from
// 1 µs to ~70 s, so recording costs one increment and the memory is fixed.
#pragma once

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>

namespace sb {

class LatencyHistogram {
 public:
  void add(int64_t us) {
    buckets_[bucket_of(us)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    int64_t seen = max_.load(std::memory_order_relaxed);
    while (us > seen && !max_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
    }
  }

  int64_t count() const { return count_.load(std::memory_order_relaxed); }
  int64_t max() const { return max_.load(std::memory_order_relaxed); }

  // The value below which a fraction `p` (0..1) of the samples fall; 0 when empty.
  int64_t percentile(double p) const {
    const int64_t n = count();
    if (n == 0) return 0;
    const auto rank = static_cast<int64_t>(std::ceil(p * static_cast<double>(n)));
    int64_t seen = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      seen += buckets_[b].load(std::memory_order_relaxed);
      if (seen >= rank && seen > 0) {
        const auto mid = static_cast<int64_t>(std::llround(std::sqrt(low(b) * low(b + 1))));
        return mid < max() ? mid : max();
      }
    }
    return max();
  }

 private:
  static constexpr size_t kBuckets = 4 * 26;  // 2^26 µs ~ 67 s; longer lands in the last one

  static size_t bucket_of(int64_t us) {
    if (us <= 1) return 0;
    const auto b = static_cast<size_t>(4.0 * std::log2(static_cast<double>(us)));
    return b < kBuckets ? b : kBuckets - 1;
  }
  static double low(size_t b) { return std::exp2(static_cast<double>(b) / 4.0); }

  std::array<std::atomic<int64_t>, kBuckets> buckets_{};
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> max_{0};
};

}  // namespace sb
