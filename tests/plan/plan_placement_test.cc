// Placement obeys the profile rules, and the emitted configs are accepted by the runtime's own
// slice-config parser (which checks the same rules independently).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "plan/emit_config.h"
#include "plan/model_source.h"
#include "plan/planner.h"
#include "runtime/slice_config.h"
#include "serve/model_config.h"
#include "testing/temp_dir.h"

namespace tessera::plan {
namespace {

constexpr const char* k1B =
    "layers=16,dim=2048,heads=32,kv_heads=8,ffn=8192,vocab=128256,"
    "context=131072,tied=1";  // 3.4 GiB at f16, 2048 × 4: an L4-4C
constexpr const char* k3B =
    "layers=28,dim=3072,heads=24,kv_heads=8,ffn=8192,vocab=128256,"
    "context=131072,tied=1";  // 8.6 GiB at f16, 4096 × 4: an L4-12C
constexpr const char* k70B =
    "layers=80,dim=8192,heads=64,kv_heads=8,ffn=28672,vocab=128256,"
    "context=131072";

ModelRequest model(const std::string& name, const char* dims, int64_t context, int replicas_rps) {
  ModelRequest r;
  r.name = name;
  r.shape = *shape_from_dims(*parse_dims(dims), "test");
  r.kv = *number_format("f16");
  r.workload.context = context;
  r.workload.sequences = 4;
  r.workload.target_requests_per_s = replicas_rps;
  return r;
}

Plan plan_of(std::vector<ModelRequest> models, const char* gpu, PlanOptions options = {}) {
  static const Catalog catalog = *builtin_catalog();
  PerfParams perf;
  Result<Plan> p = make_plan(std::move(models), catalog, {gpu}, options, perf);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return std::move(*p);
}

// Instances needed for `n` replicas of a model: a target of requests/s over its capacity.
ModelRequest replicas(ModelRequest r, int n, const char* gpu, PlanOptions options = {}) {
  Plan p = plan_of({r}, gpu, options);
  r.workload.target_requests_per_s = p.gpus[0].sizings[0].perf.requests_per_s * (n - 0.5);
  return r;
}

TEST(PlanPlacementTest, EqualSizeRespectsMaxPerGpu) {
  const Plan p = plan_of({replicas(model("small", k1B, 2048, 0), 7, "L4")}, "L4");
  const GpuPlan& g = p.gpus[0];
  ASSERT_EQ(g.sizings[0].replicas, 7);
  ASSERT_EQ(g.sizings[0].profile->name, "L4-4C");
  ASSERT_EQ(g.placement.gpus.size(), 2u);  // at most 6 L4-4C per L4 in equal-size mode
  EXPECT_EQ(g.placement.gpus[0].slices.size() + g.placement.gpus[1].slices.size(), 7u);
  for (const PlacedGpu& gpu : g.placement.gpus) EXPECT_LE(gpu.slices.size(), 6u);
  EXPECT_EQ(g.placement.mode, GpuMode::kEqualSize);
}

TEST(PlanPlacementTest, MixedSizeWhenItSavesAGpu) {
  const Plan p =
      plan_of({model("mid", k3B, 4096, 0), replicas(model("small", k1B, 2048, 0), 3, "L4")}, "L4");
  const GpuPlan& g = p.gpus[0];
  ASSERT_EQ(g.sizings[0].profile->name, "L4-12C");
  EXPECT_EQ(g.placement.mode, GpuMode::kMixedSize);
  ASSERT_EQ(g.placement.gpus.size(), 1u);  // 12 + 3 × 4 GiB = 24 GiB; 4C at most 4 when mixed
  EXPECT_EQ(g.placement.gpus[0].allocated_bytes(), g.gpu->memory_bytes);
}

TEST(PlanPlacementTest, TensorParallelGroupStaysInOneHost) {
  // Three single-GPU models first fill most of host 1; the TP group must not straddle hosts.
  std::vector<ModelRequest> models = {model("a", k3B, 4096, 0), model("big", k70B, 4096, 0)};
  models[0].weights = *number_format("f16");
  models[0].workload.sequences = 40;  // ~21 GiB: a whole L4
  models[0] = replicas(models[0], 3, "L4");
  models[1].workload.sequences = 1;
  const Plan p = plan_of(models, "L4");
  const GpuPlan& g = p.gpus[0];
  ASSERT_GT(g.sizings[1].tensor_parallel, 1);
  int host = -1;
  for (const PlacedGpu& gpu : g.placement.gpus) {
    for (const PlacedSlice& s : gpu.slices) {
      if (s.model != "big") continue;
      if (host < 0) host = gpu.host;
      EXPECT_EQ(gpu.host, host);
    }
  }
  for (int h = 0; h < g.placement.hosts; ++h) {
    int n = 0;
    for (const PlacedGpu& gpu : g.placement.gpus) n += gpu.host == h ? 1 : 0;
    EXPECT_LE(n, g.gpu->gpus_per_host);
  }
}

void expect_configs_parse(const Plan& plan) {
  testing::TempDir dir;
  std::vector<std::string> written;
  ASSERT_TRUE(emit_config(plan, dir.path(), written).ok());
  int devices = 0;
  std::map<std::string, int> instances;  // model file -> instances
  for (const std::string& path : written) {
    if (path.find("/models/") != std::string::npos) continue;
    ++devices;
    Result<DeviceConfig> c = load_device_config(path);
    ASSERT_TRUE(c.ok()) << path << ": " << c.status().to_string();
    // Every model of this GPU's repository parses in the server and names one of its slices.
    const std::filesystem::path models = std::filesystem::path(path).parent_path() / "models";
    for (const auto& entry : std::filesystem::directory_iterator(models)) {
      Result<serve::ModelConfig> m = serve::load_model_config(entry.path().string());
      ASSERT_TRUE(m.ok()) << entry.path() << ": " << m.status().to_string();
      bool found = false;
      for (const SliceSpec& s : c->slices) found = found || s.name == m->slice;
      EXPECT_TRUE(found) << m->slice;
      ++instances[m->file];
    }
  }
  EXPECT_EQ(devices, static_cast<int>(plan.gpus[0].placement.gpus.size()));
  int placed = 0;
  for (const Sizing& s : plan.gpus[0].sizings)
    placed += s.fits ? s.replicas * s.tensor_parallel : 0;
  int emitted = 0;
  for (const auto& [file, n] : instances) emitted += n;
  EXPECT_EQ(emitted, placed);
}

TEST(PlanPlacementTest, EmittedConfigsParseInTheRuntime) {
  expect_configs_parse(plan_of({replicas(model("small", k1B, 2048, 0), 7, "L4")}, "L4"));
  expect_configs_parse(
      plan_of({model("mid", k3B, 4096, 0), replicas(model("small", k1B, 2048, 0), 3, "L4")}, "L4"));
  expect_configs_parse(plan_of({model("big", k70B, 4096, 0)}, "L4"));
  PlanOptions mig;
  mig.mig = true;
  expect_configs_parse(
      plan_of({model("mid", k3B, 4096, 0), replicas(model("small", k1B, 2048, 0), 5, "H100-PCIe")},
              "H100-PCIe", mig));
  expect_configs_parse(plan_of({model("mid", k3B, 4096, 0)}, "A100-PCIe"));  // no profiles
}

TEST(PlanPlacementTest, MigPackingRespectsSlices) {
  PlanOptions mig;
  mig.mig = true;
  const Plan p =
      plan_of({replicas(model("small", k1B, 2048, 0), 9, "H100-PCIe", mig)}, "H100-PCIe", mig);
  const GpuPlan& g = p.gpus[0];
  ASSERT_EQ(g.sizings[0].profile->name, "H100-1-10C");
  EXPECT_EQ(g.placement.gpus.size(), 2u);  // at most 7 of 1g.10gb per GPU
  for (const PlacedGpu& gpu : g.placement.gpus) EXPECT_LE(gpu.slices.size(), 7u);
}

TEST(PlanPlacementTest, LicenceOnlyInVgpuMode) {
  const ModelRequest m = model("small", k1B, 2048, 0);
  const Plan vgpu = plan_of({m}, "L4");
  PlanOptions tessera;
  tessera.sharing = Sharing::kTessera;
  const Plan own = plan_of({m}, "L4", tessera);
  EXPECT_GT(vgpu.gpus[0].tco.licence_usd, 0);
  EXPECT_EQ(own.gpus[0].tco.licence_usd, 0);
  EXPECT_NEAR(vgpu.gpus[0].tco.licence_usd, 4500 * 3, 1e-6);
  EXPECT_NEAR(vgpu.gpus[0].tco.total_usd() - own.gpus[0].tco.total_usd(), 4500 * 3, 1e-6);
}

}  // namespace
}  // namespace tessera::plan
