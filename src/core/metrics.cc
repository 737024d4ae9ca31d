// Metric families and their text rendering (Prometheus exposition format 0.0.4).
#include "core/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sb::metrics {

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  // The first bound >= v ("le" is inclusive); past the last, the +Inf bucket.
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), v);
  counts_[static_cast<size_t>(it - bounds_->begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::counts() const {
  std::vector<uint64_t> out(bounds_->size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  std::vector<double> out;
  double b = start;
  for (int i = 0; i < count; ++i, b *= factor) out.push_back(b);
  return out;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {
std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}
}  // namespace

void FamilyBase::render(std::string& out) const {
  out.append("# HELP ").append(name_).push_back(' ');
  out.append(escape_help(help_)).push_back('\n');
  out.append("# TYPE ").append(name_).push_back(' ');
  out.append(type_name(type_)).push_back('\n');
  render_samples(out);
}

void FamilyBase::sample(std::string& out, std::string_view suffix,
                        const std::vector<std::string>& values, std::string_view extra_label,
                        std::string_view extra_value, double v) const {
  out.append(name_).append(suffix);
  const size_t n = std::min(values.size(), labels_.size());
  if (n > 0 || !extra_label.empty()) {
    out.push_back('{');
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out.push_back(',');
      out.append(labels_[i]).append("=\"").append(escape_label_value(values[i])).push_back('"');
    }
    if (!extra_label.empty()) {
      if (n > 0) out.push_back(',');
      out.append(extra_label).append("=\"").append(extra_value).push_back('"');
    }
    out.push_back('}');
  }
  out.push_back(' ');
  out.append(format_value(v)).push_back('\n');
}

template <>
std::unique_ptr<Counter> Family<Counter>::make() const {
  return std::make_unique<Counter>();
}
template <>
std::unique_ptr<Gauge> Family<Gauge>::make() const {
  return std::make_unique<Gauge>();
}
template <>
std::unique_ptr<Histogram> Family<Histogram>::make() const {
  return std::make_unique<Histogram>(&bounds_);
}

// Series in label order: the newest index is sorted by the label values.
template <>
void Family<Counter>::render_samples(std::string& out) const {
  const Index* index = index_.load(std::memory_order_acquire);
  if (!index) return;
  for (const auto& [_, s] : *index) {
    sample(out, "", s->values, {}, {}, static_cast<double>(s->metric->value()));
  }
}

template <>
void Family<Gauge>::render_samples(std::string& out) const {
  const Index* index = index_.load(std::memory_order_acquire);
  if (!index) return;
  for (const auto& [_, s] : *index) sample(out, "", s->values, {}, {}, s->metric->value());
}

template <>
void Family<Histogram>::render_samples(std::string& out) const {
  const Index* index = index_.load(std::memory_order_acquire);
  if (!index) return;
  for (const auto& [_, s] : *index) {
    const auto counts = s->metric->counts();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
      cumulative += counts[i];
      const std::string le = i < bounds_.size() ? format_value(bounds_[i]) : "+Inf";
      sample(out, "_bucket", s->values, "le", le, static_cast<double>(cumulative));
    }
    sample(out, "_sum", s->values, {}, {}, s->metric->sum());
    sample(out, "_count", s->values, {}, {}, static_cast<double>(cumulative));
  }
}

namespace {
class CallbackFamily : public FamilyBase {
 public:
  CallbackFamily(std::string name, std::string help, std::vector<std::string> labels,
                 std::function<GaugeSamples()> read)
      : FamilyBase(std::move(name), std::move(help), Type::kGauge, std::move(labels)),
        read_(std::move(read)) {}

 protected:
  void render_samples(std::string& out) const override {
    for (const auto& [values, v] : read_()) sample(out, "", values, {}, {}, v);
  }

 private:
  std::function<GaugeSamples()> read_;
};
}  // namespace

template <class F, class... A>
F& Registry::family(const std::string& name, A&&... args) {
  std::lock_guard lk(mu_);
  auto& f = families_[name];
  if (!f) f = std::make_unique<F>(name, std::forward<A>(args)...);
  auto* typed = dynamic_cast<F*>(f.get());
  if (!typed) throw std::logic_error("metric " + name + " registered with another type");
  return *typed;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> labels) {
  return family<Family<Counter>>(name, help, Type::kCounter, std::move(labels));
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> labels) {
  return family<Family<Gauge>>(name, help, Type::kGauge, std::move(labels));
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels,
                                       std::vector<double> bounds) {
  return family<Family<Histogram>>(name, help, Type::kHistogram, std::move(labels),
                                   std::move(bounds));
}

void Registry::gauge_callback(const std::string& name, const std::string& help,
                              std::vector<std::string> labels, std::function<GaugeSamples()> read) {
  std::lock_guard lk(mu_);
  families_[name] =
      std::make_unique<CallbackFamily>(name, help, std::move(labels), std::move(read));
}

void Registry::remove(const std::string& name) {
  std::lock_guard lk(mu_);
  families_.erase(name);
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard lk(mu_);
  for (const auto& [_, f] : families_) f->render(out);
  return out;
}

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace sb::metrics
