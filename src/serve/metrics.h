// Prometheus metrics in the text exposition format (version 0.0.4): counters, gauges and
// histograms with labels, registered with their help text, rendered on the metrics port's
// /metrics. Names are tessera_-prefixed with units (seconds, bytes, tokens) and counters end in
// _total, so `promtool check metrics` accepts the output. Thread-safe: engines observe from their
// threads, frontends from the I/O threads.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::serve {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

class Metrics {
 public:
  // Declares a family. Histograms need ascending `buckets` (the +Inf bucket is implied).
  void declare(const std::string& name, MetricType type, const std::string& help,
               std::vector<double> buckets = {});

  // Undeclared names are ignored (a typo must not take the server down); tests catch them.
  void add(const std::string& name, const Labels& labels, double value = 1);  // counter
  void set(const std::string& name, const Labels& labels, double value);      // gauge
  void observe(const std::string& name, const Labels& labels, double value);  // histogram

  // Called at the start of every render(), to refresh gauges that are read rather than pushed
  // (slice memory, queue lengths).
  void on_render(std::function<void(Metrics&)> collector);

  std::string render();

 private:
  struct Series {
    double value = 0;              // counter / gauge
    std::vector<uint64_t> counts;  // histogram: per bucket (not cumulative)
    uint64_t count = 0;            // histogram
    double sum = 0;                // histogram
  };
  struct Family {
    MetricType type = MetricType::kCounter;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, Series> series;  // by rendered label set
  };

  Series* series(const std::string& name, const Labels& labels, MetricType type);

  std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void(Metrics&)>> collectors_;
};

// The label set as Prometheus writes it: {a="x",b="y"} with \, " and newline escaped; "" if empty.
std::string render_labels(const Labels& labels);

// Bucket bounds. Request-level durations (end to end, queue, time to first token): 1 ms to 30 min.
std::vector<double> latency_buckets_seconds();
// Per-step and per-token durations (a step's compute, inter-token latency): 0.1 ms to 60 s.
std::vector<double> step_buckets_seconds();
// Batch sizes: 1 .. 1024.
std::vector<double> size_buckets();

}  // namespace tessera::serve
