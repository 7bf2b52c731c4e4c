// The decision flow for one model on one GPU type, as a readable trace:
//   working set at FP16 → fits the GPU? else 8-bit (FP8 where the GPU has it, else INT8 q8_0)
//   → INT4 (q4_k) → tensor-parallel over N GPUs of one host (with the communication caveat)
//   → step up to a larger GPU of the catalog.
// The KV cache precision is the request's own knob. Once a precision fits, the smallest vGPU
// profile whose usable frame buffer holds the footprint is chosen (never more frame buffer than
// needed), and if a p99 target is missed, the next larger profile (a bigger compute share).
// Every footprint comes from models/footprint.h, the function the server's admission charges.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/footprint.h"
#include "plan/catalog.h"
#include "plan/performance.h"
#include "plan/workload.h"

namespace tessera::plan {

struct Sizing {
  std::string model;
  const GpuSpec* gpu = nullptr;
  std::vector<std::string> trace;
  bool fits = false;
  std::optional<NumberFormat> weights;  // none: as stored in the file
  NumberFormat kv;
  int tensor_parallel = 1;
  Footprint footprint;                      // per GPU (one shard when tensor-parallel)
  const CatalogProfile* profile = nullptr;  // none: the whole GPU
  uint64_t slot_bytes = 0;                  // frame buffer the instance takes on each GPU
  uint64_t usable_bytes = 0;                // slot_bytes × memory utilisation
  Estimate perf;
  int replicas = 1;       // instances the targets need
  double demand_rps = 0;  // requests/s the targets ask for (0: none given)
  std::string step_up;    // a larger GPU that holds it alone, when suggested
};

// The bytes of `request` at `weights` precision sharded over `tensor_parallel` GPUs, per GPU.
Footprint plan_footprint(const ModelRequest& request, const std::optional<NumberFormat>& weights,
                         int tensor_parallel, const PlanOptions& options);

// The precisions the flow tries on `gpu`, best quality first.
std::vector<NumberFormat> precision_ladder(const GpuSpec& gpu);

Sizing size_model(const ModelRequest& request, const GpuSpec& gpu, const Catalog& catalog,
                  const PlanOptions& options, const PerfParams& perf);

}  // namespace tessera::plan
