#include "serve/metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "serve/process_metrics.h"

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
  EXPECT_NE(text.find("tessera_wait_seconds_bucket{model=\"a\",le=\"0.1\"} 1\n"
                      "tessera_wait_seconds_bucket{model=\"a\",le=\"1\"} 2\n"
                      "tessera_wait_seconds_bucket{model=\"a\",le=\"+Inf\"} 3\n"
                      "tessera_wait_seconds_sum{model=\"a\"} 7.55\n"
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

TEST(MetricsTest, BucketBoundsPrintAsPrometheusClientsPrintThem) {
  Metrics m;
  m.declare("tessera_step_seconds", MetricType::kHistogram, "Steps.", step_buckets_seconds());
  m.declare("tessera_request_seconds", MetricType::kHistogram, "Requests.",
            latency_buckets_seconds());
  m.observe("tessera_step_seconds", {}, 0.00064);
  m.observe("tessera_request_seconds", {}, 1500);
  const std::string text = m.render();
  // Shortest round-trip text: a query for le="0.005" must match a bucket.
  for (const char* bound : {"le=\"0.0001\"", "le=\"0.00025\"", "le=\"0.0025\"", "le=\"0.005\"",
                            "le=\"0.1\"", "le=\"1800\""}) {
    EXPECT_NE(text.find(bound), std::string::npos) << bound << "\n" << text;
  }
  EXPECT_EQ(text.find("000000001"), std::string::npos) << text;
  // 0.64 ms lands between 0.5 ms and 1 ms; 25 min below the 30 min bound.
  EXPECT_NE(text.find("tessera_step_seconds_bucket{le=\"0.0005\"} 0\n"
                      "tessera_step_seconds_bucket{le=\"0.001\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tessera_request_seconds_bucket{le=\"600\"} 0\n"
                      "tessera_request_seconds_bucket{le=\"1800\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, ProcessMetricsAndBuildInfo) {
  Metrics m;
  register_process_metrics(m);
  const std::string text = m.render();
  for (const char* family :
       {"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
        "# TYPE process_open_fds gauge\nprocess_open_fds ",
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
        "tessera_build_info{version=\"0.1.0\"} 1\n"}) {
    EXPECT_NE(text.find(family), std::string::npos) << family << "\n" << text;
  }
  // Resident memory is a plausible byte count for a running test binary (over 1 MiB).
  const size_t at = text.find("\nprocess_resident_memory_bytes ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(std::stod(text.substr(at + 31)), 1024.0 * 1024.0);
}

}  // namespace
}  // namespace tessera::serve
