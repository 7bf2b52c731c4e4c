// The whole `tessera bench` run: one load level after another (a concurrency sweep or a list of
// open-loop rates), each summarised into a LevelReport, with the server's metrics scraped around
// every level when a metrics URL is given, and the over-consolidation alarm evaluated between
// consecutive levels.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench/alarm.h"
#include "bench/api.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "bench/workload.h"

namespace tessera::bench {

struct BenchConfig {
  std::string url;
  std::string metrics_url;  // optional: the server's Prometheus /metrics
  std::string util_metric = "tessera_slice_compute_seconds_total";
  ApiTarget target;
  std::vector<int64_t> concurrency;  // closed-loop sweep
  std::vector<double> rates;         // open-loop rates (req/s); exclusive with concurrency
  int64_t requests = 0;              // per level (0: duration)
  double duration_s = 10;            // per level
  SyntheticSpec synthetic;
  std::vector<WorkItem> dataset;  // used instead of synthetic items when not empty
  RunOptions run;
  Slo slo;
  AlarmRule alarm;
  bool progress = false;  // progress bar on stderr (only drawn on a terminal)
};

// Errors only for what stops the run before it starts (bad URL); failed requests are counted.
Result<std::vector<LevelReport>> run_bench(const BenchConfig& config);

}  // namespace tessera::bench
