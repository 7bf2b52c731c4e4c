#include <algorithm>
#include <cstdio>

#include "base/byte_size.h"
#include "plan/format.h"
#include "plan/report.h"

namespace tessera::plan {
namespace {

std::string gib(uint64_t b) { return format_bytes(b); }

double ratio(uint64_t a, uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0;
}

void placement_text(const GpuPlan& p, std::string& out) {
  const Placement& pl = p.placement;
  out += "\n== Placement on " + p.gpu->name + ": " + std::to_string(pl.gpus.size()) + " GPU" +
         (pl.gpus.size() == 1 ? "" : "s") + " in " + std::to_string(pl.hosts) + " host" +
         (pl.hosts == 1 ? "" : "s") + " of " + std::to_string(p.gpu->gpus_per_host) +
         " (profile sharing: " + gpu_mode_name(pl.mode) + " mode) ==\n";
  int host = -1;
  for (const PlacedGpu& g : pl.gpus) {
    if (g.host != host) {
      host = g.host;
      out += "host " + std::to_string(host + 1) + "\n";
    }
    out += "  GPU " + std::to_string(g.index) + " [" + gpu_mode_name(g.mode) + "]:";
    for (const PlacedSlice& s : g.slices) {
      out += " " + s.name + " " + slot_label(s) + " (uses " + gib(s.used_bytes) + ")";
    }
    out += "\n      frame buffer allocated " + gib(g.allocated_bytes()) + " of " +
           gib(p.gpu->memory_bytes) + ", used " + gib(g.used_bytes()) + " (" +
           pct(ratio(g.used_bytes(), p.gpu->memory_bytes)) + "), headroom " +
           gib(p.gpu->memory_bytes - std::min(p.gpu->memory_bytes, g.used_bytes())) + "\n";
  }
  if (!pl.gpus.empty()) {
    out += "utilisation: " + gib(pl.used_bytes()) + " used of " + gib(pl.memory_bytes()) + " (" +
           pct(ratio(pl.used_bytes(), pl.memory_bytes())) + "); frame buffer allocated " +
           pct(ratio(pl.allocated_bytes(), pl.memory_bytes())) + ", headroom " +
           gib(pl.memory_bytes() - std::min(pl.memory_bytes(), pl.used_bytes())) + "\n";
  }
  if (pl.mode == GpuMode::kMixedSize) {
    out +=
        "note: mixed-size mode (vGPU 17+) does not allow the fixed-share scheduler; "
        "best-effort or equal-share apply\n";
  }
  for (const std::string& m : pl.unplaced) {
    out += "not placed: " + m + " does not fit " + p.gpu->name + "\n";
  }
}

void tco_text(const Plan& plan, const GpuPlan& p, std::string& out) {
  const Tco& t = p.tco;
  const Catalog& c = *plan.catalog;
  out += "\n== TCO over " + fixed(t.years, 0) + " years on " + p.gpu->name + " ==\n";
  if (!t.priced) {
    out += "  no price for " + p.gpu->name + " in the catalog: hardware counted as $0\n";
  }
  out += "  GPUs        " + std::to_string(t.gpus) + " × " + usd(p.gpu->price_usd) + " = " +
         usd(t.gpu_usd) + "\n";
  out += "  hosts       " + fixed(t.host_share, 2) + " host share (" + std::to_string(t.gpus) +
         " of " + std::to_string(p.gpu->gpus_per_host) + " GPUs per host) × " +
         usd(c.factor("host_usd")) + " = " + usd(t.host_usd) + "\n";
  out += "  power       " + fixed(t.average_power_w / 1000, 2) + " kW at the wall (PUE " +
         fixed(c.factor("pue"), 2) + ") × " + fixed(t.years * 8766, 0) + " h × $" +
         fixed(c.factor("usd_per_kwh"), 4) + "/kWh = " + usd(t.power_usd) + "\n";
  out += "  licence     " + std::to_string(t.licensed_gpus) + " GPUs in vGPU mode × " +
         usd(c.factor("licence_usd_per_gpu_year")) + "/year = " + usd(t.licence_usd) +
         (plan.options.sharing == Sharing::kVgpu ? "" : " (sharing: not vGPU, no licence)") + "\n";
  out += "  operations  " + fixed(t.host_share, 2) + " host share × " +
         usd(c.factor("operations_usd_per_host_year")) + "/year = " + usd(t.operations_usd) + "\n";
  out += "  total       " + usd(t.total_usd()) + "; " + fixed(t.tokens_per_s, 0) +
         " tok/s served at " + pct(c.factor("average_load")) +
         " load = " + fixed(t.usd_per_million_tokens(), 3) + " $ per million tokens\n";
}

}  // namespace

std::string slot_label(const PlacedSlice& s) {
  std::string out = s.profile ? s.profile->name : "whole GPU";
  const int tp = s.sizing ? s.sizing->tensor_parallel : 1;
  if (tp > 1) out += " (TP " + std::to_string(s.tp_rank + 1) + "/" + std::to_string(tp) + ")";
  return out;
}

std::string render_text(const Plan& plan) {
  const GpuPlan& main = plan.gpus.front();
  std::string out = "Plan for " + main.gpu->name +
                    " (sharing: " + sharing_name(plan.options.sharing) +
                    (plan.options.mig ? ", MIG-backed profiles" : "") + "); catalog " +
                    plan.catalog->origin + "\n";
  out += "performance factors: decode bandwidth efficiency " +
         fixed(plan.perf.decode_efficiency, 2) + ", prefill compute efficiency " +
         fixed(plan.perf.prefill_efficiency, 2) + " (" + plan.perf.source + ")\n";
  if (!plan.calibration.empty()) out += "calibration: " + plan.calibration + "\n";
  out += "\n== Decision flow ==\n";
  for (const Sizing& s : main.sizings) {
    for (const std::string& line : s.trace) out += line + "\n";
    out += "\n";
  }
  placement_text(main, out);
  tco_text(plan, main, out);
  if (plan.gpus.size() > 1) {
    out += "\n== Comparison for the same fleet ==\n";
    char row[256];
    std::snprintf(row, sizeof row, "%-12s %5s %6s %8s %14s %10s %9s  %s\n", "GPU", "GPUs", "hosts",
                  "placed", "TCO", "$/M tok", "tok/J", "not placed");
    out += row;
    for (const GpuPlan& p : plan.gpus) {
      const Tco& t = p.tco;
      std::string unplaced;
      for (const std::string& m : p.placement.unplaced)
        unplaced += (unplaced.empty() ? "" : ", ") + m;
      const size_t placed = p.sizings.size() - p.placement.unplaced.size();
      std::snprintf(
          row, sizeof row, "%-12s %5d %6d %5zu/%-2zu %14s %10s %9s  %s\n", p.gpu->name.c_str(),
          t.gpus, t.hosts, placed, p.sizings.size(),
          (usd(t.total_usd()) + (t.priced ? "" : "*")).c_str(),
          fixed(t.usd_per_million_tokens(), 3).c_str(),
          fixed(t.average_power_w > 0 ? t.tokens_per_s / t.average_power_w : 0, 2).c_str(),
          unplaced.empty() ? "-" : unplaced.c_str());
      out += row;
    }
    out += "tok/J: tokens served per joule at the wall; * no GPU price in the catalog\n";
  }
  return out;
}

}  // namespace tessera::plan
