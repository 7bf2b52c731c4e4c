// The planner's footprint is what the server charges: a synthetic GGUF planned with the server's
// settings equals what SliceModel admission reserves in the slice's arena once every sequence is
// admitted (within 5%; it is in fact exact, as both call compute_footprint).
#include <gtest/gtest.h>

#include <cmath>

#include "models/synthetic.h"
#include "plan/model_source.h"
#include "plan/sizing.h"
#include "runtime/slice_model.h"
#include "testing/host_backend.h"
#include "testing/temp_dir.h"

namespace tessera::plan {
namespace {

struct Case {
  const char* arch;
  int64_t layers, dim, ffn, heads, kv_heads, context;
  DType type;
};

class PlanServerFootprintTest : public ::testing::TestWithParam<Case> {};

TEST_P(PlanServerFootprintTest, PlanEqualsWhatTheSliceCharges) {
  const Case c = GetParam();
  testing::TempDir dir;
  SyntheticSpec spec;
  spec.arch = c.arch;
  spec.layers = c.layers;
  spec.dim = c.dim;
  spec.ffn = c.ffn;
  spec.heads = c.heads;
  spec.kv_heads = c.kv_heads;
  spec.context = c.context;
  spec.type = c.type;
  const std::string path = dir.file("m.gguf");
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  ASSERT_TRUE(writer.ok()) << writer.status().to_string();
  ASSERT_TRUE(writer->write(path).ok());

  constexpr int64_t kSequences = 3;
  SliceModelOptions server;
  server.context = c.context / 2;
  server.sequences = kSequences;
  server.batch_tokens = 32;

  ModelRequest r;
  r.name = "synthetic";
  Result<ModelShape> shape = load_model_shape(path);
  ASSERT_TRUE(shape.ok()) << shape.status().to_string();
  r.shape = *shape;
  r.weights_as_stored = true;    // the server runs the file's own types
  r.kv = *number_format("f32");  // what the CPU runtime's KV cache stores
  r.workload.context = server.context;
  r.workload.sequences = kSequences;
  r.workload.batch_tokens = server.batch_tokens;
  PlanOptions options;
  options.runtime_overhead_bytes = server.runtime_overhead_bytes;
  options.threads = testing::cpu_backend().lanes();  // the slice's backend
  const uint64_t planned = plan_footprint(r, std::nullopt, 1, options).total_bytes();

  Slice slice(SliceSpec{"s", kTiB, 1.0, SliceMode::kTimeSliced, nullptr, 0, 0, 0},
              testing::cpu_backend());
  Result<std::unique_ptr<SliceModel>> m = SliceModel::load(path, slice, server);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  for (int32_t seq = 0; seq < kSequences; ++seq) ASSERT_TRUE((*m)->kv().admit(seq).ok());
  const uint64_t charged = slice.arena().used_bytes();
  EXPECT_LE(std::fabs(static_cast<double>(planned) - static_cast<double>(charged)),
            0.05 * static_cast<double>(charged))
      << "planned " << planned << ", charged " << charged;
  EXPECT_EQ(planned, charged);
}

INSTANTIATE_TEST_SUITE_P(Synthetic, PlanServerFootprintTest,
                         ::testing::Values(Case{"llama", 2, 128, 256, 4, 4, 256, DType::kF32},
                                           Case{"llama", 3, 256, 512, 8, 2, 512, DType::kQ8_0},
                                           Case{"qwen2", 2, 128, 384, 4, 2, 256, DType::kF16}));

}  // namespace
}  // namespace tessera::plan
