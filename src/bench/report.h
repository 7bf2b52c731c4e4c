// One load level's numbers, computed from its samples, and the outputs that show them: a text
// table (stdout), JSON (--json) and the per-level records the HTML report draws.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "bench/api.h"
#include "bench/runner.h"
#include "bench/stats.h"

namespace tessera::bench {

struct Slo {
  double ttft_ms = 0;  // 0: no TTFT objective
  double p99_ms = 0;   // 0: no latency objective (a request meets it when its latency <= p99_ms)
};

struct LevelReport {
  std::string label;  // "concurrency 4" or "rate 10/s"
  bool open_loop = false;
  double load = 0;  // concurrency or offered rate (req/s)
  int64_t sent = 0, ok = 0, dropped = 0;
  std::array<int64_t, kErrorKinds> errors{};  // by ErrorKind (index 0 unused)
  double wall_s = 0;
  double throughput_rps = 0;       // successful requests per second of wall time
  double output_tokens_per_s = 0;  // over successful requests
  Summary latency_ms, ttft_ms, itl_ms, send_lag_ms;
  int64_t slo_met = 0;
  double goodput_fraction = 0;  // slo_met / (sent + dropped)
  double goodput_rps = 0;
  std::vector<double> latencies_ms;   // sorted, successful requests (for CDFs)
  std::optional<double> utilisation;  // device busy/wall during the level, if scraped
  std::optional<std::string> alarm;   // over-consolidation alarm reason
};

LevelReport summarize_level(const std::string& label, bool open_loop, double load,
                            const LevelSamples& level, const Slo& slo);

std::string format_table(const std::vector<LevelReport>& levels);
std::string format_json(const std::vector<LevelReport>& levels, const std::string& url,
                        const std::string& model, const std::string& api,
                        const std::string& endpoint);

}  // namespace tessera::bench
