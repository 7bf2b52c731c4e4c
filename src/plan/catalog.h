// The planner's hardware catalog: GPUs with their memory, bandwidth, compute, power, form factor,
// price and vGPU C-series profiles, plus the planning factors and TCO prices. data/hardware.yaml is
// compiled into the binary (hardware_catalog_text()) and `--catalog FILE` replaces it. Every figure
// carries the name of its source; the parser refuses entries without one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera::plan {

// A vGPU C-series profile as the catalog lists it (runtime/profiles.h holds the runtime's copy for
// the GPU types it knows; a test keeps the two equal).
struct CatalogProfile {
  std::string name;  // "L4-6C", "H100-1-10C"
  uint64_t framebuffer_bytes = 0;
  int max_equal = 0;           // per GPU in equal-size mode (MIG-backed: the max count)
  int max_mixed = 0;           // per GPU in mixed-size mode
  int mig_compute_slices = 0;  // MIG-backed: the <g> of <gpu>-<g>-<mem>C; 0 when time-sliced
  int mig_memory_slices = 0;

  bool mig() const { return mig_compute_slices > 0; }
};

struct GpuSpec {
  std::string name;  // "L4", "H100-PCIe"
  uint64_t memory_bytes = 0;
  double bandwidth_gb_s = 0;  // decimal GB/s, as datasheets give it
  double tflops_fp16 = 0;     // dense
  double tflops_fp8 = 0;      // dense; 0 where the GPU has no FP8
  double power_w = 0;         // maximum board power
  int slots = 0;              // PCIe slots; 0 for SXM modules
  std::string form;
  bool fp8 = false;
  bool mig = false;
  double price_usd = 0;  // 0: no price in the catalog (TCO not computed)
  int gpus_per_host = 4;
  std::string vgpu_type;  // the runtime's GPU type (runtime/profiles.h) for emitted configs
  std::vector<CatalogProfile> profiles;
  std::string source, price_source, host_source, profiles_source;

  // SXM modules talk over NVLink; PCIe cards over PCIe, which tensor parallelism feels.
  bool nvlink() const { return form.rfind("SXM", 0) == 0; }
  // Profiles of one kind (time-sliced or MIG-backed), smallest frame buffer first.
  std::vector<const CatalogProfile*> profiles_of_kind(bool mig_backed) const;
};

// A number with the name of its source.
struct Sourced {
  double value = 0;
  std::string source;
};

struct Catalog {
  std::string origin;  // "built-in data/hardware.yaml" or the --catalog path
  std::map<std::string, std::string> sources;
  std::string default_gpu;
  std::vector<std::string> compare;
  std::vector<GpuSpec> gpus;
  // planning factors and TCO prices by key ("memory_utilization", "pue", ...)
  std::map<std::string, Sourced> factors;

  // Case-insensitive; InvalidArgument listing the known GPUs when unknown.
  Result<const GpuSpec*> gpu(std::string_view name) const;
  std::string gpu_names() const;
  double factor(const std::string& key) const;
  // Replaces a factor by KEY=VALUE (--set): the key must exist; the source becomes "--set".
  Status set_factor(std::string_view assignment);
};

// The keys every catalog must give under planning: and tco:.
inline constexpr std::string_view kPlanningFactors[] = {
    "memory_utilization", "decode_bandwidth_efficiency", "prefill_compute_efficiency"};
inline constexpr std::string_view kTcoFactors[] = {
    "years",       "host_usd",    "host_baseline_w",          "gpu_power_fraction",
    "pue",         "usd_per_kwh", "licence_usd_per_gpu_year", "operations_usd_per_host_year",
    "average_load"};

Result<Catalog> parse_catalog(const std::string& yaml, const std::string& source);
Result<Catalog> load_catalog(const std::string& path);
// The catalog compiled in from data/hardware.yaml.
Result<Catalog> builtin_catalog();
std::string_view hardware_catalog_text();  // generated at build time

}  // namespace tessera::plan
