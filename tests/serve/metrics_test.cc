#include "serve/metrics.h"

#include <gtest/gtest.h>

namespace tessera::serve {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndCumulativeHistograms) {
  Metrics m;
  m.declare("tessera_things_total", MetricType::kCounter, "Things.");
  m.declare("tessera_level_bytes", MetricType::kGauge, "Level.");
  m.declare("tessera_wait_seconds", MetricType::kHistogram, "Waits.", {0.1, 1});
  m.add("tessera_things_total", {{"model", "a"}});
  m.add("tessera_things_total", {{"model", "a"}}, 2);
  m.set("tessera_level_bytes", {}, 5);
  m.observe("tessera_wait_seconds", {{"model", "a"}}, 0.05);
  m.observe("tessera_wait_seconds", {{"model", "a"}}, 0.5);
  m.observe("tessera_wait_seconds", {{"model", "a"}}, 7);
  m.add("tessera_undeclared_total", {});  // ignored, not a crash
  m.set("tessera_things_total", {}, 1);   // wrong type: ignored
  const std::string text = m.render();
  EXPECT_NE(text.find("# HELP tessera_things_total Things.\n# TYPE tessera_things_total counter\n"
                      "tessera_things_total{model=\"a\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tessera_level_bytes 5\n"), std::string::npos);
  EXPECT_NE(text.find("tessera_wait_seconds_bucket{model=\"a\",le=\"0.10000000000000001\"} 1\n"
                      "tessera_wait_seconds_bucket{model=\"a\",le=\"1\"} 2\n"
                      "tessera_wait_seconds_bucket{model=\"a\",le=\"+Inf\"} 3\n"
                      "tessera_wait_seconds_sum{model=\"a\"} 7.5499999999999998\n"
                      "tessera_wait_seconds_count{model=\"a\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("undeclared"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValues) {
  EXPECT_EQ(render_labels({{"model", "a\"b\\c\nd"}}), "{model=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(render_labels({}), "");
}

TEST(MetricsTest, CollectorsRefreshGaugesAtRender) {
  Metrics m;
  m.declare("tessera_queue_length", MetricType::kGauge, "Queue.");
  int calls = 0;
  m.on_render([&](Metrics& self) { self.set("tessera_queue_length", {}, ++calls); });
  EXPECT_NE(m.render().find("tessera_queue_length 1\n"), std::string::npos);
  EXPECT_NE(m.render().find("tessera_queue_length 2\n"), std::string::npos);
}

}  // namespace
}  // namespace tessera::serve
