// The hand-checked cases of the planner: Llama-3.1-8B's bytes, where it fits, and a 70B model that
// fits no single L4.
#include <gtest/gtest.h>

#include "plan/catalog.h"
#include "plan/model_source.h"
#include "plan/sizing.h"

namespace tessera::plan {
namespace {

ModelRequest llama_8b(int64_t context, int64_t sequences) {
  ModelDims d;
  d.name = "llama-3.1-8b";
  d.layers = 32;
  d.dim = 4096;
  d.heads = 32;
  d.kv_heads = 8;
  d.ffn = 14336;
  d.vocab = 128256;
  d.context = 131072;
  ModelRequest r;
  r.name = d.name;
  r.shape = *shape_from_dims(d, "test");
  r.workload.context = context;
  r.workload.sequences = sequences;
  r.kv = *number_format("f16");
  return r;
}

ModelRequest llama_70b() {
  ModelRequest r;
  r.name = "llama-70b";
  r.shape = *shape_from_dims(*parse_dims("layers=80,dim=8192,heads=64,kv_heads=8,ffn=28672,"
                                         "vocab=128256,context=131072"),
                             "test");
  r.workload.context = 4096;
  r.workload.sequences = 1;
  r.kv = *number_format("f16");
  return r;
}

struct PlanSizingTest : ::testing::Test {
  void SetUp() override {
    Result<Catalog> c = builtin_catalog();
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    catalog = *c;
    l4 = *catalog.gpu("L4");
  }
  Catalog catalog;
  const GpuSpec* l4 = nullptr;
  PlanOptions options;
  PerfParams perf;
};

TEST_F(PlanSizingTest, Llama8bWeightsAndKvPerToken) {
  const ModelRequest r = llama_8b(8192, 8);
  const Footprint f16 = plan_footprint(r, *number_format("f16"), 1, options);
  // 8.03 B parameters at 2 bytes (norms in F32): 16.06 GB.
  EXPECT_NEAR(static_cast<double>(f16.weights_bytes) / 1e9, 16.06, 0.05);
  EXPECT_EQ(f16.kv_bytes_per_token, 128 * kKiB);  // 2 × 32 layers × 8 heads × 128 × 2 bytes
  EXPECT_EQ(f16.kv_cache_bytes, 8 * kGiB);        // 8192 tokens × 8 sequences
}

TEST_F(PlanSizingTest, Llama8bAt8kBy8NeedsFp8OnAnL4) {
  const Sizing s = size_model(llama_8b(8192, 8), *l4, catalog, options, perf);
  ASSERT_TRUE(s.fits);
  ASSERT_TRUE(s.weights.has_value());
  EXPECT_EQ(s.weights->name, "fp8");
  EXPECT_EQ(s.tensor_parallel, 1);
  ASSERT_NE(s.profile, nullptr);
  EXPECT_EQ(s.profile->name, "L4-24C");
  EXPECT_LE(s.footprint.total_bytes(), s.usable_bytes);
  ASSERT_GE(s.trace.size(), 4u);
  EXPECT_NE(s.trace[2].find("f16 weights"), std::string::npos) << s.trace[2];
  EXPECT_NE(s.trace[2].find("does not fit one L4"), std::string::npos) << s.trace[2];
  EXPECT_NE(s.trace[3].find("fp8 weights"), std::string::npos) << s.trace[3];
  EXPECT_NE(s.trace[3].find("fits one L4"), std::string::npos) << s.trace[3];
}

TEST_F(PlanSizingTest, NoFp8OnAnA10SoInt8) {
  const Sizing s = size_model(llama_8b(8192, 8), **catalog.gpu("A10"), catalog, options, perf);
  ASSERT_TRUE(s.fits);
  EXPECT_EQ(s.weights->name, "q8_0");
}

TEST_F(PlanSizingTest, SmallestProfileThatHoldsIt) {
  const Sizing s = size_model(llama_8b(1024, 1), *l4, catalog, options, perf);
  ASSERT_TRUE(s.fits);
  ASSERT_NE(s.profile, nullptr);
  // f16: ~15 GiB of weights: the 24C profile; then at q4_k the flow is not reached.
  EXPECT_EQ(s.weights->name, "f16");
  EXPECT_EQ(s.profile->name, "L4-24C");
  ModelRequest small = llama_8b(1024, 1);
  small.weights = *number_format("q4_k");
  const Sizing q4 = size_model(small, *l4, catalog, options, perf);
  ASSERT_NE(q4.profile, nullptr);
  EXPECT_EQ(q4.profile->name, "L4-6C");  // ~5.2 GiB: the 4C's 3.6 GiB usable is too small
  EXPECT_GT(q4.footprint.total_bytes(), 4 * kGiB * 9 / 10);
  EXPECT_LE(q4.footprint.total_bytes(), q4.usable_bytes);
}

TEST_F(PlanSizingTest, SeventyBFitsNoSingleL4AndSaysTpOrStepUp) {
  const Sizing s = size_model(llama_70b(), *l4, catalog, options, perf);
  std::string trace;
  for (const std::string& line : s.trace) trace += line + "\n";
  for (const char* p : {"f16 weights", "fp8 weights", "int4 (q4_k) weights"}) {
    const size_t at = trace.find(p);
    ASSERT_NE(at, std::string::npos) << p << "\n" << trace;
    EXPECT_NE(trace.find("does not fit one L4", at), std::string::npos) << trace;
  }
  EXPECT_NE(trace.find("no precision fits one L4"), std::string::npos) << trace;
  EXPECT_NE(trace.find("TP=2"), std::string::npos) << trace;
  EXPECT_NE(trace.find("caveat"), std::string::npos) << trace;
  EXPECT_NE(trace.find("step up: L40S"), std::string::npos) << trace;
  ASSERT_TRUE(s.fits);
  EXPECT_GT(s.tensor_parallel, 1);
  EXPECT_FALSE(s.step_up.empty());
}

TEST_F(PlanSizingTest, TooBigForAHostSaysSoAndStepsUp) {
  ModelRequest r = llama_70b();
  r.weights = *number_format("f16");  // 135 GiB at f16: more than four L4
  const Sizing s = size_model(r, *l4, catalog, options, perf);
  EXPECT_FALSE(s.fits);
  EXPECT_NE(s.trace.back().find("does not fit L4 at any precision"), std::string::npos)
      << s.trace.back();
  // 135 GiB: more than even an H200's usable 127 GiB.
  EXPECT_TRUE(s.step_up.empty()) << s.step_up;
  std::string trace;
  for (const std::string& line : s.trace) trace += line + "\n";
  EXPECT_NE(trace.find("TP=4 even at f16"), std::string::npos) << trace;
  EXPECT_NE(trace.find("no larger GPU in the catalog holds it alone"), std::string::npos) << trace;
  r.weights = *number_format("fp8");  // 69 GiB: an 80 GiB GPU with FP8 holds it alone
  const Sizing fp8 = size_model(r, *l4, catalog, options, perf);
  EXPECT_EQ(fp8.step_up.rfind("H100-PCIe (80.00 GiB) holds it alone at fp8", 0), 0u) << fp8.step_up;
}

TEST_F(PlanSizingTest, TensorParallelShardHalvesTheBytes) {
  const ModelRequest r = llama_70b();
  const Footprint one = plan_footprint(r, *number_format("q4_k"), 1, options);
  const Footprint two = plan_footprint(r, *number_format("q4_k"), 2, options);
  EXPECT_NEAR(static_cast<double>(two.weights_bytes) / static_cast<double>(one.weights_bytes), 0.5,
              0.01);
  EXPECT_EQ(two.kv_cache_bytes * 2, one.kv_cache_bytes);
}

TEST_F(PlanSizingTest, P99TargetPicksALargerProfile) {
  ModelRequest r = llama_8b(1024, 1);
  r.weights = *number_format("q4_k");
  const Sizing relaxed = size_model(r, *l4, catalog, options, perf);
  r.workload.p99_ms = relaxed.perf.latency_ms * 0.6;  // needs more than the 8C's third
  const Sizing strict = size_model(r, *l4, catalog, options, perf);
  ASSERT_NE(strict.profile, nullptr);
  EXPECT_GT(strict.profile->framebuffer_bytes, relaxed.profile->framebuffer_bytes);
  EXPECT_LT(strict.perf.latency_ms, relaxed.perf.latency_ms);
}

TEST_F(PlanSizingTest, UnknownGpuListsTheKnownOnes) {
  Result<const GpuSpec*> g = catalog.gpu("T4");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("unknown GPU 'T4'"), std::string::npos);
  EXPECT_NE(g.status().message().find("L4, L40S, A10"), std::string::npos) << g.status().message();
  EXPECT_TRUE(catalog.gpu("h100-pcie").ok());
}

TEST_F(PlanSizingTest, DecodeEstimateScalesWithBandwidthAndEfficiency) {
  ModelRequest r = llama_8b(4096, 1);
  r.weights = *number_format("f16");
  const Sizing a = size_model(r, **catalog.gpu("L40S"), catalog, options, perf);
  PerfParams slower = perf;
  slower.decode_efficiency /= 2;
  const Sizing b = size_model(r, **catalog.gpu("L40S"), catalog, options, slower);
  ASSERT_TRUE(a.fits && b.fits);
  ASSERT_GT(a.perf.share, 0);
  EXPECT_STREQ(a.perf.decode_bound, "memory bandwidth");
  EXPECT_NEAR(a.perf.decode_tok_s / b.perf.decode_tok_s, 2.0, 0.01);
  // One sequence reads ~15 GiB per token: L40S 864 GB/s × 0.7 → about 37 tok/s (~40 at most).
  // The whole GPU would give ~40 tok/s; the profile's time slice a share of it.
  EXPECT_GT(a.perf.decode_tok_s / a.perf.share, 36);
  EXPECT_LT(a.perf.decode_tok_s / a.perf.share, 42);
}

}  // namespace
}  // namespace tessera::plan
