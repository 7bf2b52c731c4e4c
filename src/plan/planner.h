// A whole plan: every model sized on each GPU type asked for (the first is the plan, the others
// the comparison), each fleet placed onto GPUs and hosts, and its TCO.
#pragma once

#include <string>
#include <vector>

#include "plan/catalog.h"
#include "plan/placement.h"
#include "plan/sizing.h"
#include "plan/tco.h"
#include "plan/workload.h"

namespace tessera::plan {

struct GpuPlan {
  const GpuSpec* gpu = nullptr;
  std::vector<Sizing> sizings;  // one per model, in fleet order
  Placement placement;          // points into `sizings`: a GpuPlan is not copied
  Tco tco;

  GpuPlan() = default;
  GpuPlan(const GpuPlan&) = delete;
  GpuPlan& operator=(const GpuPlan&) = delete;
  GpuPlan(GpuPlan&&) = default;  // the vector's buffer, and so the pointers, move along
  GpuPlan& operator=(GpuPlan&&) = default;
};

struct Plan {
  const Catalog* catalog = nullptr;
  std::vector<ModelRequest> models;
  PlanOptions options;
  PerfParams perf;
  std::string calibration;    // summary line when calibrated
  std::vector<GpuPlan> gpus;  // [0]: the GPU planned for; then the comparison
};

// `gpu_names`: the GPU to plan for first, then those to compare (duplicates dropped).
Result<Plan> make_plan(std::vector<ModelRequest> models, const Catalog& catalog,
                       const std::vector<std::string>& gpu_names, const PlanOptions& options,
                       const PerfParams& perf);

}  // namespace tessera::plan
