#include "bench/bench_run.h"

#include <memory>
#include <optional>

#include "base/progress.h"
#include "bench/scrape.h"

namespace tessera::bench {
namespace {

// Items of level L start at L * kLevelIndexStride so levels do not repeat each other's prompts.
constexpr int64_t kLevelIndexStride = 1'000'000'000;

struct Level {
  std::string label;
  bool open_loop;
  double load;
  LevelPlan plan;
};

std::vector<Level> plan_levels(const BenchConfig& c) {
  std::vector<Level> levels;
  for (int64_t n : c.concurrency) {
    Level l{"concurrency " + std::to_string(n), false, static_cast<double>(n), {}};
    l.plan.concurrency = n;
    l.plan.requests = c.requests;
    l.plan.duration_s = c.duration_s;
    levels.push_back(std::move(l));
  }
  for (size_t i = 0; i < c.rates.size(); ++i) {
    char label[48];
    std::snprintf(label, sizeof label, "rate %g/s", c.rates[i]);
    Level l{label, true, c.rates[i], {}};
    l.plan.open_loop = true;
    l.plan.schedule = poisson_schedule(c.rates[i], c.requests, c.duration_s, c.synthetic.seed + i);
    levels.push_back(std::move(l));
  }
  return levels;
}

}  // namespace

Result<std::vector<LevelReport>> run_bench(const BenchConfig& config) {
  TESSERA_ASSIGN_OR_RETURN(Url url, parse_url(config.url, "--url"));
  std::optional<Url> metrics_url;
  if (!config.metrics_url.empty()) {
    TESSERA_ASSIGN_OR_RETURN(metrics_url, parse_url(config.metrics_url, "--metrics-url"));
    if (metrics_url->path.empty()) metrics_url->path = "/metrics";
  }
  ApiTarget target = config.target;
  target.base_path = url.path;
  const Shape shape = target_shape(target);
  std::vector<LevelReport> reports;
  const std::vector<Level> levels = plan_levels(config);
  for (size_t li = 0; li < levels.size(); ++li) {
    const Level& level = levels[li];
    const int64_t first = static_cast<int64_t>(li) * kLevelIndexStride;
    CallSource calls = [&](int64_t i) {
      if (!config.dataset.empty()) {
        return build_call(target, config.dataset[static_cast<size_t>(i) % config.dataset.size()]);
      }
      return build_call(target, synthetic_item(config.synthetic, shape, first + i));
    };
    RunOptions run = config.run;
    std::unique_ptr<ProgressBar> bar;
    if (config.progress) {
      bar = std::make_unique<ProgressBar>("bench " + level.label);
      ProgressBar* raw = bar.get();
      // Duration-bound levels have no known total: the bar then only counts.
      run.progress = [raw](int64_t done, int64_t total) {
        const auto d = static_cast<size_t>(done);
        raw->update(d, total > 0 ? static_cast<size_t>(total) : d + 1);
      };
    }
    std::optional<MetricSamples> before;
    if (metrics_url) {
      Result<MetricSamples> s = scrape(*metrics_url);
      if (s.ok()) before = std::move(*s);
    }
    const LevelSamples samples = run_level(url, target, calls, level.plan, run);
    if (bar) bar->finish();
    LevelReport report =
        summarize_level(level.label, level.open_loop, level.load, samples, config.slo);
    if (before && samples.wall_s > 0) {
      Result<MetricSamples> after = scrape(*metrics_url);
      if (after.ok()) {
        report.utilisation =
            (sum_family(*after, config.util_metric) - sum_family(*before, config.util_metric)) /
            samples.wall_s;
      }
    }
    if (!reports.empty()) {
      report.alarm = consolidation_alarm(
          config.alarm, {reports.back().latency_ms.p99, report.latency_ms.p99, report.utilisation});
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace tessera::bench
