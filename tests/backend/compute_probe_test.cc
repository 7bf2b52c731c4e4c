#include "backend/cpu/compute_probe.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "models/synthetic.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

gguf::File pack_llama(const TempDir& dir, DType type, bool tied_output) {
  SyntheticSpec spec;
  spec.layers = 3;
  spec.dim = 64;
  spec.ffn = 160;
  spec.heads = 4;
  spec.kv_heads = 2;  // k and v project to 2 × 16 = 32
  spec.type = type;
  spec.tied_output = tied_output;
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  const std::string path = dir.file(tied_output ? "tied.gguf" : "m.gguf");
  EXPECT_TRUE(writer->write(path).ok());
  Result<gguf::File> file = gguf::File::open(path);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  return std::move(file).value();
}

// Per layer: q and o are 64×64, k and v 64×32, gate, up and down 64×160.
constexpr int64_t kLayerMacs = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 160;

TEST(ComputeProbeTest, CountsEachBlockMatrixOncePerToken) {
  TempDir dir;
  const gguf::File f = pack_llama(dir, DType::kQ8_0, false);
  EXPECT_EQ(weight_macs_per_token(f), 3 * kLayerMacs);
  const int64_t vocab = f.find_tensor("output.weight")->dims[1];
  EXPECT_EQ(output_macs_per_token(f), 64 * vocab);
  // Tied embeddings: the output projection is token_embd's matrix, the same size.
  const gguf::File tied = pack_llama(dir, DType::kQ8_0, true);
  EXPECT_EQ(tied.find_tensor("output.weight"), nullptr);
  EXPECT_EQ(output_macs_per_token(tied), 64 * vocab);
}

TEST(ComputeProbeTest, EachWeightTypeMeetsItsOwnPeak) {
  TempDir dir;
  const ComputePeaks peaks{"test", 2.0, 0.5};  // GMAC/s: int16 for quantized, f32 for float
  const gguf::File q = pack_llama(dir, DType::kQ8_0, false);
  EXPECT_DOUBLE_EQ(compute_seconds_per_token(q, peaks, false), 3 * kLayerMacs / 2.0e9);

  TempDir float_dir;
  const gguf::File f = pack_llama(float_dir, DType::kF32, false);
  const double blocks = 3 * kLayerMacs / 0.5e9;
  EXPECT_DOUBLE_EQ(compute_seconds_per_token(f, peaks, false), blocks);
  EXPECT_DOUBLE_EQ(compute_seconds_per_token(f, peaks, true),
                   blocks + static_cast<double>(output_macs_per_token(f)) / 0.5e9);
}

TEST(ComputeProbeTest, PeaksArePositiveWhereTheKernelsHaveAPeakLoop) {
  ThreadPool pool(2);
  Result<ComputePeaks> peaks = measure_compute_peaks(pool, 1);
  const kernels::KernelTable* table = kernels::kernel_table(kernels::selected_isa());
  if (table == nullptr || table->peak_int16_macs == nullptr) {
    ASSERT_FALSE(peaks.ok());
    EXPECT_EQ(peaks.status().code(), StatusCode::kUnimplemented);
    EXPECT_NE(peaks.status().message().find(kernels::isa_name(kernels::selected_isa())),
              std::string::npos);
    return;
  }
  ASSERT_TRUE(peaks.ok()) << peaks.status().to_string();
  EXPECT_STREQ(peaks->isa, kernels::isa_name(kernels::selected_isa()));
  // Any core with AVX2 does well over 1 GMAC/s with either instruction (about 50 per core at
  // 3 GHz); the bound only catches a loop that was optimized away or timed wrongly.
  EXPECT_TRUE(std::isfinite(peaks->int16_gmac_s));
  EXPECT_TRUE(std::isfinite(peaks->f32_gmac_s));
  EXPECT_GT(peaks->int16_gmac_s, 1.0);
  EXPECT_GT(peaks->f32_gmac_s, 1.0);
}

}  // namespace
}  // namespace tessera
