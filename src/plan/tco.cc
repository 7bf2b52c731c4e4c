#include "plan/tco.h"

#include <algorithm>

namespace tessera::plan {
namespace {

constexpr double kHoursPerYear = 8766;  // 365.25 days
constexpr double kSecondsPerHour = 3600;
constexpr double kWattsPerKw = 1000;

}  // namespace

Tco compute_tco(const Placement& placement, const std::vector<Sizing>& sizings,
                const std::vector<ModelRequest>& requests, const Catalog& catalog,
                Sharing sharing) {
  const GpuSpec& gpu = *placement.gpu;
  Tco t;
  t.years = catalog.factor("years");
  t.gpus = static_cast<int>(placement.gpus.size());
  t.hosts = placement.hosts;
  t.priced = gpu.price_usd > 0;
  t.gpu_usd = gpu.price_usd * t.gpus;
  t.host_share = static_cast<double>(t.gpus) / gpu.gpus_per_host;
  t.host_usd = catalog.factor("host_usd") * t.host_share;
  const double it_watts = gpu.power_w * catalog.factor("gpu_power_fraction") * t.gpus +
                          catalog.factor("host_baseline_w") * t.host_share;
  t.average_power_w = it_watts * catalog.factor("pue");
  const double hours = kHoursPerYear * t.years;
  t.power_usd = t.average_power_w / kWattsPerKw * hours * catalog.factor("usd_per_kwh");
  if (sharing == Sharing::kVgpu) {
    for (const PlacedGpu& g : placement.gpus) {
      const bool shared_by_profiles = std::any_of(g.slices.begin(), g.slices.end(),
                                                  [](const PlacedSlice& s) { return s.profile; });
      t.licensed_gpus += shared_by_profiles ? 1 : 0;
    }
  }
  t.licence_usd = catalog.factor("licence_usd_per_gpu_year") * t.licensed_gpus * t.years;
  t.operations_usd = catalog.factor("operations_usd_per_host_year") * t.host_share * t.years;
  for (size_t i = 0; i < sizings.size() && i < requests.size(); ++i) {
    const Sizing& s = sizings[i];
    if (!s.fits) continue;
    const Workload& w = requests[i].workload;
    const double tokens_per_request = static_cast<double>(
        requests[i].shape.kind == ModelKind::kGenerate ? w.tokens_out : w.tokens_in);
    const double rps = s.demand_rps > 0 ? s.demand_rps : s.perf.requests_per_s * s.replicas;
    t.tokens_per_s += rps * tokens_per_request * catalog.factor("average_load");
  }
  t.tokens = t.tokens_per_s * hours * kSecondsPerHour;
  return t;
}

}  // namespace tessera::plan
