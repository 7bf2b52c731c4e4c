// The fast matmul path against its two references: every SIMD variant this CPU runs against the
// scalar integer kernels (same integer math, so equal up to the order of float additions), and
// every variant against the f32 reference matmul (equal up to the activation-quantization error,
// which the test bounds per element). Variants the CPU lacks are reported and skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "kernel_test_util.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/quantize_activations.h"

namespace tessera::kernels {
namespace {

using testing::kAllTypes;
using testing::kFastIsas;

constexpr int64_t kTokenCounts[] = {1, 2, 3, 4, 5, 9, 16};
constexpr int64_t kMaxTokens = 16;
constexpr int64_t kOuts[] = {1, 6, 37};
// Float additions in a different order: relative to Σ|terms|, a few ulp times log-ish growth.
constexpr double kReorderTolerance = 1e-5;

std::vector<int64_t> row_lengths(DType type) {
  const int64_t block = dtype_traits(type)->block_elements;
  if (block == 256) return {256, 768, 2048};
  if (block == 32) return {32, 96, 512, 2048};  // 96: an odd block count (AVX-512 pairs blocks)
  return {7, 100, 512, 2048};                   // float rows need no block multiple
}

// Weights of one shape: quantized from Gaussian floats (realistic) or raw random blocks.
struct Weights {
  std::vector<uint8_t> bytes;
  std::vector<float> decoded;     // f32 values the reference sees
  std::vector<float> magnitudes;  // bound on the terms the kernels add, per element
  WeightMatrix matrix;
};

Weights make_weights(DType type, int64_t in, int64_t out, bool raw, uint32_t seed) {
  Weights w;
  w.bytes = raw ? testing::random_blocks(type, out, in, seed)
                : testing::encode(type, testing::gaussian(seed, out * in, 0.05f));
  w.decoded = testing::decode(type, w.bytes, out * in);
  w.magnitudes = testing::term_magnitudes(type, w.bytes, out * in);
  w.matrix = {w.bytes.data(), type, in, out};
  return w;
}

// The activation precisions a weight type's kernels can meet: K-quants both (int8 and int16), the
// others only their one.
std::vector<ActivationPrecision> precisions_for(DType type) {
  if (type == DType::kQ4_K || type == DType::kQ6_K) {
    return {ActivationPrecision::kInt8, ActivationPrecision::kInt16};
  }
  return {ActivationPrecision::kInt16};
}

// Scale of each activation block (0 for float weights, which keep f32 activations).
std::vector<float> activation_steps(DType type, ActivationPrecision precision,
                                    const std::vector<float>& x, int64_t n_tokens, int64_t in) {
  std::vector<float> step(static_cast<size_t>(n_tokens * in), 0.0f);
  const int64_t block = dtype_traits(type)->block_elements;
  if (!dtype_traits(type)->quantized) return step;
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* row = x.data() + t * in;
    if (block == 32) {
      std::vector<ActBlock32> q(static_cast<size_t>(in / 32));
      quantize_row_act32(row, q.data(), in);
      for (int64_t i = 0; i < in; ++i) step[t * in + i] = q[i / 32].d;
    } else if (precision == ActivationPrecision::kInt8) {
      std::vector<ActBlock8> q(static_cast<size_t>(in / 256));
      quantize_row_act8(row, q.data(), in);
      for (int64_t i = 0; i < in; ++i) step[t * in + i] = q[i / 256].d;
    } else {
      std::vector<ActBlock256> q(static_cast<size_t>(in / 256));
      quantize_row_act256(row, q.data(), in);
      for (int64_t i = 0; i < in; ++i) step[t * in + i] = q[i / 256].d;
    }
  }
  return step;
}

std::vector<float> run(KernelIsa isa, ActivationPrecision precision, const WeightMatrix& w,
                       const std::vector<float>& x, int64_t n_tokens, ThreadPool& pool) {
  std::vector<float> y(static_cast<size_t>(n_tokens * w.out), -1.0f);
  if (isa == KernelIsa::kReference) {
    matmul_reference(w, x.data(), n_tokens, y.data(), pool);
  } else {
    matmul_with(isa, precision, w, x.data(), n_tokens, y.data(), pool);
  }
  return y;
}

constexpr ActivationPrecision kInt16 = ActivationPrecision::kInt16;

std::vector<KernelIsa> supported_fast_isas() {
  std::vector<KernelIsa> isas;
  for (KernelIsa isa : kFastIsas) {
    if (isa_supported(isa)) {
      isas.push_back(isa);
    } else {
      std::printf("[ skipped  ] %s: not supported by this CPU\n", isa_name(isa));
    }
  }
  return isas;
}

// Calls check(isa, precision, type, weights, x, n_tokens, raw) over every shape, both weight
// kinds, every activation precision of the type and every token count.
template <class Check>
void for_all_cases(const std::vector<KernelIsa>& isas, Check check) {
  uint32_t seed = 100;
  for (DType type : kAllTypes) {
    for (int64_t in : row_lengths(type)) {
      for (int64_t out : kOuts) {
        if (in == 2048 && out != 37) continue;  // the long rows span several L2 tiles already
        for (bool raw : {false, true}) {
          if (raw && !dtype_traits(type)->quantized) continue;
          const Weights w = make_weights(type, in, out, raw, ++seed);
          const std::vector<float> x = testing::activations(++seed, kMaxTokens, in);
          for (KernelIsa isa : isas) {
            for (ActivationPrecision precision : precisions_for(type)) {
              for (int64_t n_tokens : kTokenCounts) {
                check(isa, precision, type, w, x, n_tokens, raw);
              }
            }
          }
        }
      }
    }
  }
}

TEST(KernelVariantsTest, SimdKernelsMatchScalarKernels) {
  std::vector<KernelIsa> isas;
  for (KernelIsa isa : supported_fast_isas()) {
    if (isa != KernelIsa::kScalar) isas.push_back(isa);
  }
  if (isas.empty()) GTEST_SKIP() << "no SIMD variant runs on this CPU";
  ThreadPool pool(2);
  for_all_cases(isas,
                [&](KernelIsa isa, ActivationPrecision precision, DType type, const Weights& w,
                    const std::vector<float>& x, int64_t n_tokens, bool raw) {
                  const std::vector<float> fast = run(isa, precision, w.matrix, x, n_tokens, pool);
                  const std::vector<float> scalar =
                      run(KernelIsa::kScalar, precision, w.matrix, x, n_tokens, pool);
                  const int64_t in = w.matrix.in, out = w.matrix.out;
                  for (int64_t t = 0; t < n_tokens; ++t) {
                    for (int64_t o = 0; o < out; ++o) {
                      double terms = 0;
                      for (int64_t i = 0; i < in; ++i)
                        terms += w.magnitudes[o * in + i] * std::fabs(x[t * in + i]);
                      // x quantized can exceed |x| by half a step; 1.1 covers it with room.
                      const double tolerance = kReorderTolerance * 1.1 * terms + 1e-30;
                      ASSERT_NEAR(fast[t * out + o], scalar[t * out + o], tolerance)
                          << isa_name(isa) << " " << activation_precision_name(precision) << " "
                          << dtype_name(type) << (raw ? " raw" : "") << " in=" << in
                          << " out=" << out << " tokens=" << n_tokens << " t=" << t << " o=" << o;
                    }
                  }
                });
}

// Blocks at the int32 lanes' bounds (kernel_table.h): Q8_0 codes all -128, Q4_K codes, scales and
// mins all at their maxima, Q6_K codes all 0 (q - 32 = -32) with scales -128; activations all
// equal, so every int16 activation is 32767 (every int8 one 127). An overflow would show as a
// wildly wrong sum.
TEST(KernelVariantsTest, BlocksAtTheIntegerBoundsStayExact) {
  ThreadPool pool(2);
  const int64_t in = 512, out = 5, n_tokens = 5;
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    std::vector<uint8_t> bytes = testing::random_blocks(type, out, in, 3);
    const int64_t block_bytes = dtype_traits(type)->block_bytes;
    for (size_t at = 0; at < bytes.size(); at += static_cast<size_t>(block_bytes)) {
      uint8_t* block = bytes.data() + at;
      if (type == DType::kQ8_0) std::fill(block + 2, block + 34, uint8_t{0x80});
      if (type == DType::kQ4_0) std::fill(block + 2, block + 18, uint8_t{0x00});
      if (type == DType::kQ4_K) std::fill(block + 4, block + 144, uint8_t{0xff});
      if (type == DType::kQ6_K) {
        std::fill(block, block + 192, uint8_t{0});
        std::fill(block + 192, block + 208, uint8_t{0x80});
      }
    }
    const WeightMatrix w{bytes.data(), type, in, out};
    const std::vector<float> x(static_cast<size_t>(n_tokens * in), 1.0f);
    const std::vector<float> reference = run(KernelIsa::kReference, kInt16, w, x, n_tokens, pool);
    for (KernelIsa isa : supported_fast_isas()) {
      for (ActivationPrecision precision : precisions_for(type)) {
        const std::vector<float> fast = run(isa, precision, w, x, n_tokens, pool);
        for (size_t i = 0; i < fast.size(); ++i) {
          // 1.0 quantizes to 32767·(1/32767) or 127·(1/127): exact up to the rounding of d.
          EXPECT_NEAR(fast[i], reference[i], 1e-5 * std::fabs(reference[i]))
              << isa_name(isa) << " " << activation_precision_name(precision) << " "
              << dtype_name(type) << " i=" << i;
        }
      }
    }
  }
}

TEST(MatmulTest, FastPathMatchesF32ReferenceWithinActivationQuantization) {
  ThreadPool pool(2);
  for_all_cases(supported_fast_isas(), [&](KernelIsa isa, ActivationPrecision precision, DType type,
                                           const Weights& w, const std::vector<float>& x,
                                           int64_t n_tokens, bool raw) {
    const std::vector<float> fast = run(isa, precision, w.matrix, x, n_tokens, pool);
    const std::vector<float> reference =
        run(KernelIsa::kReference, precision, w.matrix, x, n_tokens, pool);
    const std::vector<float> step = activation_steps(type, precision, x, n_tokens, w.matrix.in);
    const int64_t in = w.matrix.in, out = w.matrix.out;
    for (int64_t t = 0; t < n_tokens; ++t) {
      for (int64_t o = 0; o < out; ++o) {
        // Rounding moves each activation by at most half its block's step, so the products move
        // by at most Σ |w|·step/2; the rest is float reordering.
        double quantization = 0, terms = 0;
        for (int64_t i = 0; i < in; ++i) {
          quantization += std::fabs(w.decoded[o * in + i]) * step[t * in + i] / 2;
          terms += w.magnitudes[o * in + i] * std::fabs(x[t * in + i]);
        }
        const double tolerance = quantization * 1.001 + kReorderTolerance * 1.1 * terms + 1e-30;
        ASSERT_NEAR(fast[t * out + o], reference[t * out + o], tolerance)
            << isa_name(isa) << " " << activation_precision_name(precision) << " "
            << dtype_name(type) << (raw ? " raw" : "") << " in=" << in << " out=" << out
            << " tokens=" << n_tokens << " t=" << t << " o=" << o;
      }
    }
  });
}

// Each output is computed by the same sequence of operations whatever the register blocking, the
// split across threads (by rows; by token chunks for float weights in batches of 64 and more) or
// the batch it arrives in: prefill and decode agree bit for bit.
TEST(MatmulTest, ResultsDoNotDependOnBatchingOrThreads) {
  ThreadPool one(1), two(2);
  for (KernelIsa isa : supported_fast_isas()) {
    for (DType type : kAllTypes) {
      for (ActivationPrecision precision : precisions_for(type)) {
        const std::string what = std::string(isa_name(isa)) + " " +
                                 activation_precision_name(precision) + " " + dtype_name(type);
        // 1120 = 35 blocks of 32: more than one panel of blocks (the Q8_0 batch kernel carries
        // its sums between them) and a count the one-token kernel's groups of four do not divide.
        const int64_t long_in = dtype_traits(type)->block_elements == 32 ? 1120 : 512;
        for (const auto& [n_tokens, in] :
             {std::pair<int64_t, int64_t>{9, 512}, {131, 512}, {11, long_in}}) {
          const int64_t out = 37;
          const Weights w = make_weights(type, in, out, /*raw=*/false, 7);
          const std::vector<float> x = testing::activations(8, n_tokens, in);
          const std::vector<float> batch = run(isa, precision, w.matrix, x, n_tokens, two);
          EXPECT_EQ(run(isa, precision, w.matrix, x, n_tokens, one), batch) << what;
          for (int64_t t = 0; t < n_tokens; ++t) {
            const std::vector<float> token(x.begin() + t * in, x.begin() + (t + 1) * in);
            const std::vector<float> alone = run(isa, precision, w.matrix, token, 1, two);
            const std::vector<float> in_batch(batch.begin() + t * out,
                                              batch.begin() + (t + 1) * out);
            EXPECT_EQ(alone, in_batch) << what << " t=" << t;
          }
        }
      }
    }
  }
}

TEST(MatmulTest, DefaultEntryPointRunsTheSelectedVariant) {
  ThreadPool pool(2);
  const Weights w = make_weights(DType::kQ4_K, 512, 6, /*raw=*/false, 11);
  const std::vector<float> x = testing::activations(12, 3, 512);
  std::vector<float> y(3 * 6);
  matmul(w.matrix, x.data(), 3, y.data(), pool);
  EXPECT_EQ(y, run(selected_isa(), selected_activations(), w.matrix, x, 3, pool))
      << isa_name(selected_isa()) << " " << activation_precision_name(selected_activations());
}

TEST(KernelCpuFeaturesTest, SelectionIsSupported) {
  const CpuFeatures& f = cpu_features();
  std::printf(
      "cpu: avx2=%d fma=%d f16c=%d avxvnni=%d avx512f=%d bw=%d vl=%d vnni=%d; best=%s "
      "selected=%s\n",
      f.avx2, f.fma, f.f16c, f.avx_vnni, f.avx512f, f.avx512bw, f.avx512vl, f.avx512_vnni,
      isa_name(best_isa()), isa_name(selected_isa()));
  EXPECT_TRUE(isa_supported(KernelIsa::kReference));
  EXPECT_TRUE(isa_supported(KernelIsa::kScalar));
  EXPECT_TRUE(isa_supported(best_isa()));
  EXPECT_TRUE(isa_supported(selected_isa()));
  // A variant implies the ones below it on its branch.
  EXPECT_TRUE(!isa_supported(KernelIsa::kAvx512Vnni) || isa_supported(KernelIsa::kAvx512));
  EXPECT_TRUE(!isa_supported(KernelIsa::kAvx512) || isa_supported(KernelIsa::kAvx2));
  EXPECT_TRUE(!isa_supported(KernelIsa::kAvxVnni) || isa_supported(KernelIsa::kAvx2));
}

}  // namespace
}  // namespace tessera::kernels
