// The metrics registry: counters, gauges and histograms in families with labels, rendered in the
// Prometheus text exposition format (0.0.4). Recording is a relaxed atomic add on a metric found
// without a lock (each family reads an immutable index, replaced when a series is added).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sb::metrics {

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double d) { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Cumulative-bucket histogram over fixed upper bounds (ascending; +Inf is implicit).
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void observe(double v);
  // Per-bucket counts (not cumulative), one more than bounds (the last is +Inf), and the sum.
  std::vector<uint64_t> counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Bucket bounds: `count` bounds from `start`, each `factor` times the previous.
std::vector<double> exponential_buckets(double start, double factor, int count);

enum class Type { kCounter, kGauge, kHistogram };

// Escapes a label value for the text format: backslash, double quote and line feed.
std::string escape_label_value(std::string_view v);
// A sample value as the text format writes it (integers without a fraction, +Inf, NaN).
std::string format_value(double v);

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  // Appends HELP, TYPE and every sample.
  void render(std::string& out) const;

 protected:
  // Appends the samples (label values of each series in the order of labels_).
  virtual void render_samples(std::string& out) const = 0;
  // `name{labels,extra} value\n`
  void sample(std::string& out, std::string_view suffix, const std::vector<std::string>& values,
              std::string_view extra_label, std::string_view extra_value, double v) const;

  std::string name_;
  std::string help_;
  Type type_;
  std::vector<std::string> labels_;
};

// One metric per distinct set of label values, created on first use and never removed (label
// values must come from small fixed sets: connectors, outcomes, route patterns).
template <class M>
class Family : public FamilyBase {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> labels,
         std::vector<double> bounds = {})
      : FamilyBase(std::move(name), std::move(help), type, std::move(labels)),
        bounds_(std::move(bounds)) {}

  // The series with these label values (as many as the family has labels). The returned
  // reference stays valid for the family's life: hot paths may keep it. Finding an existing
  // series takes no lock: readers use an immutable index that a new series replaces.
  M& with(std::initializer_list<std::string_view> values) {
    thread_local std::string key;
    key.clear();
    for (auto v : values) key.append(v).push_back('\xff');
    if (const Index* index = index_.load(std::memory_order_acquire)) {
      if (auto it = index->find(key); it != index->end()) return *it->second->metric;
    }
    std::lock_guard lk(mu_);
    const Index* current = index_.load(std::memory_order_relaxed);
    if (current) {
      if (auto it = current->find(key); it != current->end()) return *it->second->metric;
    }
    auto& s = series_.emplace_back(std::make_unique<Series>());
    s->values.assign(values.begin(), values.end());
    s->metric = make();
    auto next = std::make_unique<Index>(current ? *current : Index{});
    next->emplace(key, s.get());
    index_.store(next.get(), std::memory_order_release);
    indexes_.push_back(std::move(next));  // earlier ones stay: a reader may still hold one
    return *s->metric;
  }

 protected:
  void render_samples(std::string& out) const override;

 private:
  struct Series {
    std::vector<std::string> values;
    std::unique_ptr<M> metric;
  };
  using Index = std::map<std::string, const Series*, std::less<>>;
  std::unique_ptr<M> make() const;

  std::vector<double> bounds_;
  mutable std::mutex mu_;  // makes series; rendering reads the newest index
  std::vector<std::unique_ptr<Series>> series_;
  std::vector<std::unique_ptr<const Index>> indexes_;
  std::atomic<const Index*> index_{nullptr};
};

// A gauge read when rendering: `read` returns each series' label values and value.
using GaugeSamples = std::vector<std::pair<std::vector<std::string>, double>>;

class Registry {
 public:
  // Each returns the family of that name, made on first call (later calls with the same name
  // return it; their help, labels and buckets are ignored).
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels, std::vector<double> bounds);
  // A gauge family whose samples are read by `read` at each render (replacing an earlier one of
  // the same name). `read` runs on the rendering thread; it must be cheap or cache.
  void gauge_callback(const std::string& name, const std::string& help,
                      std::vector<std::string> labels, std::function<GaugeSamples()> read);

  // Forgets a family (a callback gauge whose source is going away).
  void remove(const std::string& name);

  // Every family in the text exposition format, sorted by name.
  std::string render() const;

 private:
  template <class F, class... A>
  F& family(const std::string& name, A&&... args);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
};

// The process's registry: what every module records into and GET /metrics renders.
Registry& registry();

}  // namespace sb::metrics
