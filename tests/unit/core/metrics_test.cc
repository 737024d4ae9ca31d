// The metrics registry and its text rendering (Prometheus exposition format 0.0.4).
#include "core/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace sb::metrics {
namespace {

TEST(MetricsTest, CountersRenderWithHelpTypeAndLabels) {
  Registry r;
  auto& c = r.counter("t_requests_total", "Requests.\nSecond line \\ here", {"route", "code"});
  c.with({"/v1/messages", "202"}).inc();
  c.with({"/v1/messages", "202"}).inc(2);
  c.with({"/healthz", "200"}).inc();
  EXPECT_EQ(r.render(),
            "# HELP t_requests_total Requests.\\nSecond line \\\\ here\n"
            "# TYPE t_requests_total counter\n"
            "t_requests_total{route=\"/healthz\",code=\"200\"} 1\n"
            "t_requests_total{route=\"/v1/messages\",code=\"202\"} 3\n");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Registry r;
  r.gauge("t_gauge", "G.", {"name"}).with({"x\"y\n"}).set(1.5);
  EXPECT_NE(r.render().find("t_gauge{name=\"x\\\"y\\n\"} 1.5\n"), std::string::npos)
      << r.render();
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInf) {
  Registry r;
  auto& h = r.histogram("t_seconds", "H.", {"q"}, {0.1, 1, 10}).with({"a"});
  for (double v : {0.05, 0.1, 0.5, 2.0, 20.0, 30.0}) h.observe(v);
  const std::string text = r.render();
  EXPECT_EQ(text,
            "# HELP t_seconds H.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{q=\"a\",le=\"0.1\"} 2\n"  // le is inclusive: 0.1 counts
            "t_seconds_bucket{q=\"a\",le=\"1\"} 3\n"
            "t_seconds_bucket{q=\"a\",le=\"10\"} 4\n"
            "t_seconds_bucket{q=\"a\",le=\"+Inf\"} 6\n"
            "t_seconds_sum{q=\"a\"} 52.65\n"
            "t_seconds_count{q=\"a\"} 6\n");
}

TEST(MetricsTest, UnlabelledFamiliesAndCallbackGauges) {
  Registry r;
  r.gauge("t_b_info", "Info.", {}).with({}).set(1);
  double depth = 7;
  r.gauge_callback("t_a_depth", "Depth.", {}, [&] { return GaugeSamples{{{}, depth}}; });
  EXPECT_EQ(r.render(),
            "# HELP t_a_depth Depth.\n# TYPE t_a_depth gauge\nt_a_depth 7\n"
            "# HELP t_b_info Info.\n# TYPE t_b_info gauge\nt_b_info 1\n");
  depth = 8;
  EXPECT_NE(r.render().find("t_a_depth 8\n"), std::string::npos);
  r.remove("t_a_depth");
  EXPECT_EQ(r.render().find("t_a_depth"), std::string::npos);
}

TEST(MetricsTest, SameNameReturnsTheSameFamily) {
  Registry r;
  auto& a = r.counter("t_total", "A.", {"x"});
  auto& b = r.counter("t_total", "B.", {"x"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.with({"1"}), &b.with({"1"}));
  EXPECT_THROW(r.gauge("t_total", "G."), std::logic_error);
}

TEST(MetricsTest, ValuesFormat) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e300), "1e+300");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(MetricsTest, ConcurrentRecordingLosesNothing) {
  Registry r;
  auto& c = r.counter("t_total", "C.", {"k"});
  auto& h = r.histogram("t_h", "H.", {}, {1}).with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10'000; ++i) {
        c.with({t % 2 ? "odd" : "even"}).inc();
        h.observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.with({"odd"}).value() + c.with({"even"}).value(), 40'000u);
  EXPECT_EQ(h.counts()[0], 40'000u);
  EXPECT_DOUBLE_EQ(h.sum(), 20'000);
}

}  // namespace
}  // namespace sb::metrics
