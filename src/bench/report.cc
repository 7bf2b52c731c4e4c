#include "bench/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace tessera::bench {
namespace {

using Json = nlohmann::json;

constexpr double kMsPerSecond = 1000;

Json summary_json(const Summary& s) {
  return {{"count", s.count}, {"mean", s.mean}, {"min", s.min}, {"p50", s.p50},
          {"p90", s.p90},     {"p95", s.p95},   {"p99", s.p99}, {"max", s.max}};
}

}  // namespace

LevelReport summarize_level(const std::string& label, bool open_loop, double load,
                            const LevelSamples& level, const Slo& slo) {
  LevelReport r;
  r.label = label;
  r.open_loop = open_loop;
  r.load = load;
  r.wall_s = level.wall_s;
  std::vector<double> ttft, itl, lag;
  int64_t output_tokens = 0;
  for (const Sample& s : level.samples) {
    if (s.dropped) {
      ++r.dropped;
      continue;
    }
    ++r.sent;
    lag.push_back((s.sent_s - s.intended_s) * kMsPerSecond);
    if (s.error != ErrorKind::kNone) {
      ++r.errors[static_cast<size_t>(s.error)];
      continue;
    }
    ++r.ok;
    output_tokens += s.output_tokens;
    const double latency_ms = s.latency_s * kMsPerSecond;
    r.latencies_ms.push_back(latency_ms);
    if (s.ttft_s >= 0) ttft.push_back(s.ttft_s * kMsPerSecond);
    for (double gap : s.itl_s) itl.push_back(gap * kMsPerSecond);
    const bool ttft_ok =
        slo.ttft_ms <= 0 || (s.ttft_s >= 0 && s.ttft_s * kMsPerSecond <= slo.ttft_ms);
    const bool latency_ok = slo.p99_ms <= 0 || latency_ms <= slo.p99_ms;
    if (ttft_ok && latency_ok) ++r.slo_met;
  }
  r.latency_ms = summarize(r.latencies_ms);
  r.ttft_ms = summarize(ttft);
  r.itl_ms = summarize(itl);
  r.send_lag_ms = summarize(lag);
  if (r.wall_s > 0) {
    r.throughput_rps = static_cast<double>(r.ok) / r.wall_s;
    r.output_tokens_per_s = static_cast<double>(output_tokens) / r.wall_s;
    r.goodput_rps = static_cast<double>(r.slo_met) / r.wall_s;
  }
  const int64_t offered = r.sent + r.dropped;
  if (offered > 0)
    r.goodput_fraction = static_cast<double>(r.slo_met) / static_cast<double>(offered);
  return r;
}

std::string format_table(const std::vector<LevelReport>& levels) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "%-16s %7s %6s %6s %8s %9s %8s %8s %8s %8s %8s %8s %8s %7s %6s\n", "level", "sent",
                "ok", "errors", "req/s", "out tok/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms",
                "max ms", "ttft p50", "itl p50", "goodput", "util");
  out += line;
  for (const LevelReport& r : levels) {
    int64_t errors = r.dropped;
    for (int64_t e : r.errors) errors += e;
    char util[16] = "-";
    if (r.utilisation) std::snprintf(util, sizeof util, "%.0f%%", *r.utilisation * 100);
    std::snprintf(line, sizeof line,
                  "%-16s %7lld %6lld %6lld %8.2f %9.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f "
                  "%6.0f%% %6s\n",
                  r.label.c_str(), static_cast<long long>(r.sent), static_cast<long long>(r.ok),
                  static_cast<long long>(errors), r.throughput_rps, r.output_tokens_per_s,
                  r.latency_ms.p50, r.latency_ms.p90, r.latency_ms.p95, r.latency_ms.p99,
                  r.latency_ms.max, r.ttft_ms.p50, r.itl_ms.p50, r.goodput_fraction * 100, util);
    out += line;
  }
  for (const LevelReport& r : levels) {
    std::string kinds;
    for (int k = 1; k < kErrorKinds; ++k) {
      if (r.errors[static_cast<size_t>(k)] == 0) continue;
      kinds += " " + std::string(error_kind_name(static_cast<ErrorKind>(k))) + "=" +
               std::to_string(r.errors[static_cast<size_t>(k)]);
    }
    if (r.dropped > 0) kinds += " dropped=" + std::to_string(r.dropped);
    if (!kinds.empty()) out += r.label + ": errors:" + kinds + "\n";
    if (r.open_loop) {
      std::snprintf(line, sizeof line, "%s: send lag p99 %.1f ms, max %.1f ms\n", r.label.c_str(),
                    r.send_lag_ms.p99, r.send_lag_ms.max);
      out += line;
    }
    if (r.alarm) out += "ALARM " + r.label + ": " + *r.alarm + "\n";
  }
  return out;
}

std::string format_json(const std::vector<LevelReport>& levels, const std::string& url,
                        const std::string& model, const std::string& api,
                        const std::string& endpoint) {
  Json out = {{"url", url},
              {"model", model},
              {"api", api},
              {"endpoint", endpoint},
              {"percentile_method", "nearest-rank"},
              {"latency_unit", "ms"}};
  Json list = Json::array();
  for (const LevelReport& r : levels) {
    Json errors = Json::object();
    for (int k = 1; k < kErrorKinds; ++k) {
      errors[error_kind_name(static_cast<ErrorKind>(k))] = r.errors[static_cast<size_t>(k)];
    }
    errors["dropped"] = r.dropped;
    Json level = {{"label", r.label},
                  {"mode", r.open_loop ? "open" : "closed"},
                  {"load", r.load},
                  {"sent", r.sent},
                  {"ok", r.ok},
                  {"errors", errors},
                  {"wall_s", r.wall_s},
                  {"throughput_rps", r.throughput_rps},
                  {"output_tokens_per_s", r.output_tokens_per_s},
                  {"latency_ms", summary_json(r.latency_ms)},
                  {"ttft_ms", summary_json(r.ttft_ms)},
                  {"itl_ms", summary_json(r.itl_ms)},
                  {"send_lag_ms", summary_json(r.send_lag_ms)},
                  {"slo_met", r.slo_met},
                  {"goodput_fraction", r.goodput_fraction},
                  {"goodput_rps", r.goodput_rps},
                  {"utilisation", r.utilisation ? Json(*r.utilisation) : Json(nullptr)},
                  {"alarm", r.alarm ? Json(*r.alarm) : Json(nullptr)}};
    list.push_back(level);
  }
  out["levels"] = list;
  return out.dump(2) + "\n";
}

}  // namespace tessera::bench
