// The encoder kernels (src/kernels/cpu/encoder_ops.h), fast and reference variants, against plain
// double-precision definitions.
#include "kernels/cpu/encoder_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/cpu/ops.h"

namespace tessera {
namespace {

std::vector<float> random_values(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

TEST(EncoderOps, GeluMatchesErfDefinition) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.001f) x.push_back(v);
  for (float v : {0.0f, -0.0f, 1e-8f, -1e-8f, 50.0f, -50.0f, 1e30f, -1e30f}) x.push_back(v);
  std::vector<float> b(x.size(), 0.0f);
  std::vector<float> fast = x;
  kernels::bias_gelu_row_fast(fast.data(), b.data(), static_cast<int64_t>(x.size()));
  double worst = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double want = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    worst = std::max(worst, std::abs(fast[i] - want) / std::max(1.0, std::abs(v)));
    ASSERT_TRUE(std::isfinite(fast[i])) << "x = " << x[i];
  }
  EXPECT_LT(worst, 1e-6);
  std::vector<float> reference = x;
  kernels::bias_gelu_row_reference(reference.data(), b.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double want = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    ASSERT_LE(std::abs(reference[i] - want) / std::max(1.0, std::abs(v)), 1e-6) << "x = " << v;
  }
}

TEST(EncoderOps, ResidualLayerNormMatchesReference) {
  const int64_t rows = 5, n = 384;
  std::vector<float> x = random_values(rows * n, 1, 3.0f), y = random_values(rows * n, 2);
  const std::vector<float> b = random_values(n, 3), w = random_values(n, 4),
                           beta = random_values(n, 5);
  std::vector<float> want(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> sum(n);
    for (int64_t i = 0; i < n; ++i) sum[i] = x[r * n + i] + y[r * n + i] + b[i];
    kernels::layer_norm(sum.data(), w.data(), beta.data(), &want[r * n], n, 1e-12f);
  }
  std::vector<float> ref = x;
  for (int64_t r = 0; r < rows; ++r) {
    kernels::layer_norm_row_fast(&x[r * n], &y[r * n], b.data(), w.data(), beta.data(), n, 1e-12f);
    kernels::layer_norm_row_reference(&ref[r * n], &y[r * n], b.data(), w.data(), beta.data(), n,
                                      1e-12f);
  }
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(ref[i], want[i], 2e-5f) << i;
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], want[i], 2e-5f) << i;
}

TEST(EncoderOps, ResidualLayerNormWithoutBias) {
  // nomic-bert's attention output and feed-forward have no biases: x + y alone is normalized.
  const int64_t n = 96;
  std::vector<float> x = random_values(n, 6, 3.0f);
  const std::vector<float> y = random_values(n, 7), w = random_values(n, 8),
                           beta = random_values(n, 9);
  std::vector<float> want(n), sum(n);
  for (int64_t i = 0; i < n; ++i) sum[i] = x[i] + y[i];
  kernels::layer_norm(sum.data(), w.data(), beta.data(), want.data(), n, 1e-12f);
  std::vector<float> ref = x;
  kernels::layer_norm_row_fast(x.data(), y.data(), nullptr, w.data(), beta.data(), n, 1e-12f);
  kernels::layer_norm_row_reference(ref.data(), y.data(), nullptr, w.data(), beta.data(), n,
                                    1e-12f);
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(x[i], want[i], 2e-5f) << i;
    EXPECT_NEAR(ref[i], want[i], 2e-5f) << i;
  }
}

// Attention per sequence, in double, one query at a time.
std::vector<float> reference_attention(const std::vector<float>& q, const std::vector<float>& k,
                                       const std::vector<float>& v,
                                       const std::vector<int64_t>& offsets, int64_t heads,
                                       int64_t head_dim) {
  const int64_t dim = heads * head_dim;
  std::vector<float> out(q.size());
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = offsets[s]; i < offsets[s + 1]; ++i) {
        std::vector<double> w;
        for (int64_t j = offsets[s]; j < offsets[s + 1]; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < head_dim; ++d)
            dot +=
                static_cast<double>(q[i * dim + h * head_dim + d]) * k[j * dim + h * head_dim + d];
          w.push_back(dot / std::sqrt(static_cast<double>(head_dim)));
        }
        const double max = *std::max_element(w.begin(), w.end());
        double sum = 0;
        for (double& x : w) sum += (x = std::exp(x - max));
        for (int64_t d = 0; d < head_dim; ++d) {
          double acc = 0;
          for (size_t j = 0; j < w.size(); ++j)
            acc += w[j] / sum * v[(offsets[s] + static_cast<int64_t>(j)) * dim + h * head_dim + d];
          out[i * dim + h * head_dim + d] = static_cast<float>(acc);
        }
      }
    }
  }
  return out;
}

TEST(EncoderOps, PackedAttentionMatchesPerSequenceReference) {
  for (const int64_t head_dim : {32, 12}) {  // blocked path, and the plain one for odd sizes
    const int64_t heads = 3, dim = heads * head_dim;
    const std::vector<int64_t> offsets = {0, 1, 4, 21, 85, 92};
    const auto n = static_cast<size_t>(offsets.back() * dim);
    const std::vector<float> q = random_values(n, 7, 2.0f), k = random_values(n, 8, 2.0f),
                             v = random_values(n, 9);
    const std::vector<float> want = reference_attention(q, k, v, offsets, heads, head_dim);
    ThreadPool pool(2);
    std::vector<float> scratch(static_cast<size_t>(
        pool.size() * kernels::packed_attention_lane_floats(offsets.back(), head_dim)));
    for (const bool reference : {false, true}) {
      std::vector<float> out(n, -1.0f);
      kernels::packed_attention_with(reference, q.data(), k.data(), v.data(), out.data(),
                                     offsets.data(), static_cast<int64_t>(offsets.size()) - 1,
                                     heads, head_dim, scratch.data(), pool);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(out[i], want[i], 1e-5f) << head_dim << " " << i << " reference " << reference;
      }
    }
  }
}

}  // namespace
}  // namespace tessera
