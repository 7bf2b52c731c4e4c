// AVX2 + FMA + F16C kernels (compiled with those flags only; see kernels.cmake). The quantized
// types come from dot_x86_256.h with vpmaddwd + vpaddd; this file adds float weights and the
// activation quantizers, which the other x86 variants reuse.
//
// No standard-library templates here or in the headers below: an instantiation compiled with
// these flags could be the one the linker keeps for callers on a CPU without AVX2.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/dot_x86_256.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/kernels_x86.h"
#include "kernels/cpu/q8_0_x86_256.h"
#include "kernels/cpu/quantize_activations.h"
#include "kernels/cpu/tile_loops.h"
#include "kernels/cpu/weight_blocks.h"

namespace tessera::kernels {
namespace {

struct MaddAvx2 {
  static __m256i madd(__m256i acc, __m256i a, __m256i b) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
  }
};

// acc + a·b in eight f32 lanes, for the peak probe.
struct Fma {
  static __m256 madd(__m256 acc, __m256 a, __m256 b) { return _mm256_fmadd_ps(a, b, acc); }
};

// Float weights with float activations: eight products per FMA, converted on the fly.
struct LoadF32 {
  static constexpr int kBytes = 4;
  static __m256 load8(const uint8_t* p) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
  }
  static float load1(const uint8_t* p) {
    float v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  }
};
struct LoadF16 {
  static constexpr int kBytes = 2;
  static __m256 load8(const uint8_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static float load1(const uint8_t* p) { return _cvtsh_ss(load_u16(p)); }
};
struct LoadBF16 {
  static constexpr int kBytes = 2;
  static __m256 load8(const uint8_t* p) {  // bf16 is the top half of an f32
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float load1(const uint8_t* p) {
    const uint32_t bits = static_cast<uint32_t>(load_u16(p)) << 16;
    float v;
    __builtin_memcpy(&v, &bits, sizeof v);
    return v;
  }
};

template <class Load>
struct FloatKernel {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    constexpr int kLanes = 8;
    const uint8_t* w[R];
    const float* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<float>(tile, token + t);
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    }
    const int64_t n = tile.n_in;
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      __m256 wv[R];
      for (int r = 0; r < R; ++r) wv[r] = Load::load8(w[r] + i * Load::kBytes);
      for (int t = 0; t < T; ++t) {
        __m256 xv = _mm256_loadu_ps(x[t] + i);
        // Keep xv in a register: GCC otherwise folds the load into each of the R FMAs, and the
        // loop becomes bound by loads (R·T + R per step) instead of FMAs.
        if constexpr (R > 1) __asm__("" : "+x"(xv));
        for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
      }
    }
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) {
        float tail = 0.0f;
        for (int64_t k = i; k < n; ++k) tail += Load::load1(w[r] + k * Load::kBytes) * x[t][k];
        store_y(tile, row + r, token + t, hsum(acc[r][t]) + tail);
      }
    }
  }
};

// Float weights: 4 rows for decode (four FMA chains hide its latency), 3 rows × 4 tokens per
// batch step: 12 accumulators cover the FMA latency × throughput (5 × 2 on Zen 2-4 and Intel
// cores), and with 3 weight vectors and 1 activation vector they fill the 16 registers. Per step
// 7 loads feed 12 FMAs (2 × 6 needed 8 and measured ~8% slower on F16 weights).
constexpr int kFloatDecodeRows = 4;
constexpr int kFloatBatchRows = 3;
constexpr int kFloatBatchTokens = 4;

// Activation quantizers: the scalar ones' arithmetic (quantize_activations.cc) lane by lane, so the
// bytes are identical — max of |x| (order-free), d = amax/32767 and 1/d in scalar float, x·(1/d)
// clamped with min/max (same NaN handling as the scalar ternaries), rounded to nearest even.
inline float max_abs(const float* x, int64_t n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 amax = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) {
    amax = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), amax);
  }
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline __m256i quantize8(const float* x, __m256 inv_d, float max_code = kActMaxCode) {
  __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x), inv_d);
  v = _mm256_min_ps(v, _mm256_set1_ps(max_code));
  v = _mm256_max_ps(v, _mm256_set1_ps(-max_code));
  return _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// Quantizes 32 values to int16 at out[0..31]; returns eight int32 lanes summing to Σ q.
inline __m256i quantize32(const float* x, __m256 inv_d, int16_t* out) {
  const __m256i i0 = quantize8(x, inv_d), i1 = quantize8(x + 8, inv_d);
  const __m256i i2 = quantize8(x + 16, inv_d), i3 = quantize8(x + 24, inv_d);
  // packs works within 128-bit halves (i0a i1a | i0b i1b); permuting 64-bit quarters restores
  // element order. Values are within ±32767, so the saturation never acts.
  constexpr int kQuarterOrder = 0xd8;  // quarters 0, 2, 1, 3
  const __m256i q01 = _mm256_permute4x64_epi64(_mm256_packs_epi32(i0, i1), kQuarterOrder);
  const __m256i q23 = _mm256_permute4x64_epi64(_mm256_packs_epi32(i2, i3), kQuarterOrder);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), q01);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16), q23);
  return _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
}

struct Scale {
  float d;
  float inv_d;
};
inline Scale scale_for(float amax, float max_code = kActMaxCode) {
  const float d = amax / max_code;
  return {d, d != 0.0f ? 1.0f / d : 0.0f};
}

// 16 values to int8 at out[0..15] (|q| ≤ 127: the packs never saturate); returns their sum.
inline int16_t quantize16_int8(const float* x, __m256 inv_d, int8_t* out) {
  const __m256i i0 = quantize8(x, inv_d, kAct8MaxCode), i1 = quantize8(x + 8, inv_d, kAct8MaxCode);
  // packs works within 128-bit halves: (i0 lo, i1 lo | i0 hi, i1 hi) as int16, so the two halves
  // packed again give i0[0..3] i1[0..3] i0[4..7] i1[4..7]; a byte shuffle restores the order.
  const __m256i w16 = _mm256_packs_epi32(i0, i1);
  const __m128i b8 = _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
  const __m128i order = _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(b8, order));
  return static_cast<int16_t>(hsum_epi32(_mm256_add_epi32(i0, i1)));
}

}  // namespace

namespace avx2 {

void quantize_act32(const float* x, ActBlock32* out, int64_t n) {
  const Scale scale = scale_for(max_abs(x, n));  // one scale for the row
  const __m256 inv_d = _mm256_set1_ps(scale.inv_d);
  for (int64_t b = 0; b < n / kActBlock32Elements; ++b) {
    quantize32(x + b * kActBlock32Elements, inv_d, out[b].qs);
    out[b].d = scale.d;
  }
}

void quantize_act256(const float* x, ActBlock256* out, int64_t n) {
  for (int64_t b = 0; b < n / kActBlock256Elements; ++b) {
    const float* xb = x + b * kActBlock256Elements;
    const Scale scale = scale_for(max_abs(xb, kActBlock256Elements));
    const __m256 inv_d = _mm256_set1_ps(scale.inv_d);
    for (int run = 0; run < kActRuns; ++run) {
      const int at = run * kActRunElements;
      out[b].sums[run] = hsum_epi32(quantize32(xb + at, inv_d, out[b].qs + at));
    }
    out[b].d = scale.d;
  }
}

void quantize_act8(const float* x, ActBlock8* out, int64_t n) {
  for (int64_t b = 0; b < n / kActBlock256Elements; ++b) {
    const float* xb = x + b * kActBlock256Elements;
    const Scale scale = scale_for(max_abs(xb, kActBlock256Elements), kAct8MaxCode);
    const __m256 inv_d = _mm256_set1_ps(scale.inv_d);
    for (int run = 0; run < kAct8Runs; ++run) {
      const int at = run * kAct8RunElements;
      out[b].sums[run] = quantize16_int8(xb + at, inv_d, out[b].qs + at);
    }
    out[b].d = scale.d;
  }
}

double peak_f32_macs(int64_t rounds) {
  // acc·(1 + 1e-9) per round: no overflow or denormals over any number of rounds we run.
  return peak_chains<__m256, Fma>(rounds, _mm256_set1_ps(1.0f), _mm256_set1_ps(1e-9f), 8);
}

void tile_f32(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<FloatKernel<LoadF32>, kFloatDecodeRows, kFloatBatchRows, kFloatBatchTokens>(
      tile, n_rows, n_tokens);
}
void tile_f16(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<FloatKernel<LoadF16>, kFloatDecodeRows, kFloatBatchRows, kFloatBatchTokens>(
      tile, n_rows, n_tokens);
}
void tile_bf16(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<FloatKernel<LoadBF16>, kFloatDecodeRows, kFloatBatchRows, kFloatBatchTokens>(
      tile, n_rows, n_tokens);
}

void tile_q4_k_int8(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  tile_q4_k_int8_256(tile, n_rows, n_tokens);
}
void tile_q6_k_int8(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  tile_q6_k_int8_256(tile, n_rows, n_tokens);
}

}  // namespace avx2

const KernelTable kAvx2Kernels = {
    .name = "avx2",
    .f32 = avx2::tile_f32,
    .f16 = avx2::tile_f16,
    .bf16 = avx2::tile_bf16,
    .q8_0 = tile_q8_0_256<MaddAvx2>,
    .q4_0 = tile_q4_0_256<MaddAvx2>,
    .q4_k = tile_q4_k_256<MaddAvx2>,
    .q6_k = tile_q6_k_256<MaddAvx2>,
    .q4_k_int8 = avx2::tile_q4_k_int8,
    .q6_k_int8 = avx2::tile_q6_k_int8,
    .quantize_act32 = avx2::quantize_act32,
    .quantize_act256 = avx2::quantize_act256,
    .quantize_act8 = avx2::quantize_act8,
    .peak_int16_macs = peak_madd_256<MaddAvx2>,
    .peak_f32_macs = avx2::peak_f32_macs,
};

}  // namespace tessera::kernels
