#include "plan/planner.h"

#include <algorithm>

namespace tessera::plan {

Result<Plan> make_plan(std::vector<ModelRequest> models, const Catalog& catalog,
                       const std::vector<std::string>& gpu_names, const PlanOptions& options,
                       const PerfParams& perf) {
  if (models.empty()) return invalid_argument("nothing to plan: give a model or a fleet");
  Plan plan;
  plan.catalog = &catalog;
  plan.models = std::move(models);
  plan.options = options;
  plan.perf = perf;
  std::vector<const GpuSpec*> gpus;
  for (const std::string& name : gpu_names) {
    TESSERA_ASSIGN_OR_RETURN(const GpuSpec* g, catalog.gpu(name));
    if (std::find(gpus.begin(), gpus.end(), g) == gpus.end()) gpus.push_back(g);
  }
  if (gpus.empty()) return invalid_argument("no GPU to plan for");
  plan.gpus.reserve(gpus.size());
  for (const GpuSpec* g : gpus) {
    GpuPlan p;
    p.gpu = g;
    p.sizings.reserve(plan.models.size());
    for (const ModelRequest& m : plan.models) {
      p.sizings.push_back(size_model(m, *g, catalog, options, perf));
    }
    p.placement = place_fleet(p.sizings, *g, options);
    p.tco = compute_tco(p.placement, p.sizings, plan.models, catalog, options.sharing);
    plan.gpus.push_back(std::move(p));
  }
  return plan;
}

}  // namespace tessera::plan
