// The hardware catalog: the built-in one parses, cites a source for everything and agrees with the
// runtime's profile table; malformed catalogs give errors that name file, line and field.
#include <gtest/gtest.h>

#include "plan/catalog.h"
#include "runtime/profiles.h"

namespace tessera::plan {
namespace {

std::string error_of(const std::string& yaml) {
  Result<Catalog> c = parse_catalog(yaml, "hw.yaml");
  return c.ok() ? std::string() : c.status().message();
}

const char* kMinimal = R"(sources: {ds: a datasheet}
gpus:
  - {name: X1, memory: 16GiB, bandwidth_gb_s: 100, tflops: {fp16: 10}, power_w: 50, fp8: false,
     mig: false, source: ds}
planning:
  memory_utilization: {value: 0.9, source: ds}
  decode_bandwidth_efficiency: {value: 0.7, source: ds}
  prefill_compute_efficiency: {value: 0.5, source: ds}
tco:
  years: {value: 3, source: ds}
  host_usd: {value: 1, source: ds}
  host_baseline_w: {value: 1, source: ds}
  gpu_power_fraction: {value: 1, source: ds}
  pue: {value: 1.5, source: ds}
  usd_per_kwh: {value: 0.1, source: ds}
  licence_usd_per_gpu_year: {value: 1, source: ds}
  operations_usd_per_host_year: {value: 1, source: ds}
  average_load: {value: 1, source: ds}
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(PlanCatalogTest, BuiltinHasEveryGpuOfTheIssueWithSources) {
  Result<Catalog> c = builtin_catalog();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  for (const char* name :
       {"L4", "L40S", "A10", "A100-PCIe", "A100-SXM", "H100-PCIe", "H100-SXM", "H200-SXM"}) {
    Result<const GpuSpec*> g = c->gpu(name);
    ASSERT_TRUE(g.ok()) << name;
    EXPECT_FALSE((*g)->source.empty()) << name;
    EXPECT_GT((*g)->bandwidth_gb_s, 0) << name;
    EXPECT_TRUE((*g)->price_usd == 0 || !(*g)->price_source.empty()) << name;
    EXPECT_TRUE((*g)->profiles.empty() || !(*g)->profiles_source.empty()) << name;
  }
  EXPECT_FALSE((*c->gpu("L4"))->mig);  // not on L4 and not on L40S (MIG user guide)
  EXPECT_FALSE((*c->gpu("L40S"))->mig);
  EXPECT_FALSE((*c->gpu("A100-PCIe"))->fp8);
  for (const auto& [key, f] : c->factors) EXPECT_EQ(c->sources.count(f.source), 1u) << key;
}

// One table of facts: the catalog's profiles are the runtime's (runtime/profiles.cc).
TEST(PlanCatalogTest, ProfilesAgreeWithTheRuntime) {
  Result<Catalog> c = builtin_catalog();
  ASSERT_TRUE(c.ok());
  int compared = 0;
  for (const GpuSpec& g : c->gpus) {
    for (const CatalogProfile& p : g.profiles) {
      const Profile* r = find_profile(p.name);
      ASSERT_NE(r, nullptr) << p.name;
      EXPECT_EQ(r->gpu, g.vgpu_type) << p.name;
      EXPECT_EQ(r->framebuffer_bytes, p.framebuffer_bytes) << p.name;
      EXPECT_EQ(r->max_equal, p.max_equal) << p.name;
      EXPECT_EQ(r->max_mixed, p.max_mixed) << p.name;
      EXPECT_EQ(r->mig_compute_slices, p.mig_compute_slices) << p.name;
      EXPECT_EQ(r->mig_memory_slices, p.mig_memory_slices) << p.name;
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(profile_catalog().size()));
}

TEST(PlanCatalogTest, MinimalCatalogParses) {
  Result<Catalog> c = parse_catalog(kMinimal, "hw.yaml");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->default_gpu, "X1");
  EXPECT_EQ(c->gpus[0].memory_bytes, 16 * (uint64_t{1} << 30));
}

TEST(PlanCatalogTest, MalformedCatalogsNameFileLineAndField) {
  EXPECT_NE(error_of("gpus: [").find("hw.yaml:1:"), std::string::npos) << error_of("gpus: [");
  EXPECT_NE(error_of("").find("hw.yaml: empty catalog"), std::string::npos);
  EXPECT_NE(error_of(replaced(kMinimal, ", source: ds}\nplanning", "}\nplanning"))
                .find("gpus[0] (X1).source: missing (every figure needs a source)"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kMinimal, "mig: false, source: ds", "mig: false, source: blog"))
                .find("hw.yaml:4:26: gpus[0] (X1).source: unknown source 'blog'"),
            std::string::npos)
      << error_of(replaced(kMinimal, "mig: false, source: ds", "mig: false, source: blog"));
  EXPECT_NE(error_of(replaced(kMinimal, "bandwidth_gb_s: 100", "bandwidth_gb_s: fast"))
                .find("hw.yaml:3:47: gpus[0] (X1).bandwidth_gb_s: expected a number, got 'fast'"),
            std::string::npos)
      << error_of(replaced(kMinimal, "bandwidth_gb_s: 100", "bandwidth_gb_s: fast"));
  EXPECT_NE(error_of(replaced(kMinimal, "memory: 16GiB", "memory: 16XB")).find("memory"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kMinimal, "power_w: 50", "watts: 50")).find("unknown key 'watts'"),
            std::string::npos);
  EXPECT_NE(
      error_of(replaced(kMinimal, "fp8: false", "fp8: true")).find("fp8: true needs an fp8 figure"),
      std::string::npos);
  EXPECT_NE(error_of(replaced(kMinimal, "  pue: {value: 1.5, source: ds}\n", ""))
                .find("tco: missing 'pue'"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kMinimal, "pue: {value: 1.5", "pue: {value: 0.5")).find("tco.pue"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kMinimal, "gpus:\n", "default_gpu: T4\ngpus:\n"))
                .find("default_gpu: unknown GPU 'T4' (known: X1)"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kMinimal, "source: ds}\nplanning",
                              "source: ds, profiles_source: ds, profiles: "
                              "[{name: X1-32C, framebuffer: 32GiB, max_equal: 1}]}\nplanning"))
                .find("more frame buffer than the GPU's memory"),
            std::string::npos);
  EXPECT_NE(error_of("gpus: {a: 1}\nsources: {a: b}\nplanning: {}\ntco: {}")
                .find("gpus: expected a non-empty list"),
            std::string::npos);
}

TEST(PlanCatalogTest, SetOverridesAFactor) {
  Result<Catalog> c = builtin_catalog();
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->set_factor("usd_per_kwh=0.2").ok());
  EXPECT_DOUBLE_EQ(c->factor("usd_per_kwh"), 0.2);
  EXPECT_NE(c->set_factor("kwh=1").message().find("unknown key 'kwh'"), std::string::npos);
  EXPECT_NE(c->set_factor("pue=0.5").message().find("out of range"), std::string::npos);
  EXPECT_NE(c->set_factor("pue").message().find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(c->set_factor("pue=abc").message().find("non-negative number"), std::string::npos);
}

}  // namespace
}  // namespace tessera::plan
