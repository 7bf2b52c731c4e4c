// 512-bit kernels for the quantized weight types against int16 activations: dot_x86_256.h's math
// with 32 int16 per vector, templated on vpmaddwd + vpaddd (matmul_avx512.cc) or AVX-512 VNNI
// vpdpwssd (matmul_avx512vnni.cc). A Q8_0/Q4_0 block is one vector; Q4_K takes one sub-block of
// 32 per vector; Q6_K two sub-blocks of 16, and with 16 int32 lanes a whole super-block fits the
// lanes' bound (kernel_table.h), so it is converted to float once per super-block.
//
// Include only from files compiled with AVX-512 F/BW/VL (and AVX2/FMA/F16C); everything is in an
// anonymous namespace (see weight_blocks.h).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/quantize_activations.h"
#include "kernels/cpu/tile_loops.h"
#include "kernels/cpu/weight_blocks.h"

namespace tessera::kernels {
namespace {  // NOLINT(build/namespaces): per-ISA copies on purpose

inline float load_f16_scale(const uint8_t* p) { return _cvtsh_ss(load_u16(p)); }
inline __m256i load_256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
inline __m128i load_128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// See dot_x86_256.h: keeps GCC from reassociating long int32 accumulation chains.
inline void materialize(__m512i& v) { __asm__("" : "+v"(v)); }

template <int R, int T>
struct Accumulators512 {
  __m512 v[R][T];
  Accumulators512() {
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) v[r][t] = _mm512_setzero_ps();
    }
  }
  void store(const MatmulTile& tile, int64_t row, int64_t token) const {
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) store_y(tile, row + r, token + t, _mm512_reduce_add_ps(v[r][t]));
    }
  }
};

// Q8_0 and Q4_0 share everything but the widening of a block to 32 int16.
struct WidenQ8_0 {
  static constexpr int kBytes = kQ8_0Bytes;
  static __m512i widen(const uint8_t* block) {
    return _mm512_cvtepi8_epi16(load_256(block + kQ8_0QsOffset));
  }
};
struct WidenQ4_0 {
  static constexpr int kBytes = kQ4_0Bytes;
  static __m512i widen(const uint8_t* block) {
    const __m128i packed = load_128(block + kQ4_0QsOffset);
    const __m128i low_nibbles = _mm_set1_epi8(0x0f);
    // Elements 0-15 are the low nibbles, 16-31 the high ones.
    const __m256i codes = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), low_nibbles),
                                           _mm_and_si128(packed, low_nibbles));
    return _mm512_cvtepi8_epi16(_mm256_sub_epi8(codes, _mm256_set1_epi8(kQ4_0Offset)));
  }
};

template <class Madd, class Widen>
struct LegacyKernel512 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    const uint8_t* w[R];
    const ActBlock32* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<ActBlock32>(tile, token + t);
    Accumulators512<R, T> acc;
    const int64_t n_blocks = tile.n_in / kActBlock32Elements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      __m512i wq[R];
      float dw[R];
      for (int r = 0; r < R; ++r) {
        const uint8_t* block = w[r] + b * Widen::kBytes;
        wq[r] = Widen::widen(block);
        dw[r] = load_f16_scale(block);
      }
      for (int t = 0; t < T; ++t) {
        const __m512i xq = _mm512_loadu_si512(x[t][b].qs);
        const float dx = x[t][b].d;
        for (int r = 0; r < R; ++r) {
          const __m512i dot = Madd::madd(_mm512_setzero_si512(), wq[r], xq);
          acc.v[r][t] =
              _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_set1_ps(dw[r] * dx), acc.v[r][t]);
        }
      }
    }
    acc.store(tile, row, token);
  }
};

template <class Madd>
struct Q4_KKernel512 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    constexpr int kRuns = 4;
    const uint8_t* w[R];
    const ActBlock256* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<ActBlock256>(tile, token + t);
    Accumulators512<R, T> acc;
    const __m512i low_nibbles = _mm512_set1_epi16(0x0f);
    const int64_t n_blocks = tile.n_in / kQ4_KElements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      uint8_t sc[R][kQ4_KSubBlocks];
      __m256i m32[R];
      __m512i isum[R][T];
      for (int r = 0; r < R; ++r) {
        const Q4KScalesMins sm =
            unpack_q4_k_scales_words(w[r] + b * kQ4_KBytes + kQ4_KScalesOffset);
        __builtin_memcpy(sc[r], &sm.sc, sizeof sc[r]);
        m32[r] = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(sm.m)));
        for (int t = 0; t < T; ++t) isum[r][t] = _mm512_setzero_si512();
      }
#pragma GCC unroll 4  // constant lane indices and shuffle masks
      for (int c = 0; c < kRuns; ++c) {
        for (int r = 0; r < R; ++r) {
          // Run c: low nibbles are sub-block 2c, high nibbles sub-block 2c+1.
          const __m512i v =
              _mm512_cvtepu8_epi16(load_256(w[r] + b * kQ4_KBytes + kQ4_KQsOffset + 32 * c));
          const __m512i lo =
              _mm512_mullo_epi16(_mm512_and_si512(v, low_nibbles), _mm512_set1_epi16(sc[r][2 * c]));
          const __m512i hi =
              _mm512_mullo_epi16(_mm512_srli_epi16(v, 4), _mm512_set1_epi16(sc[r][2 * c + 1]));
          for (int t = 0; t < T; ++t) {
            const int16_t* xq = x[t][b].qs + 64 * c;
            isum[r][t] = Madd::madd(Madd::madd(isum[r][t], lo, _mm512_loadu_si512(xq)), hi,
                                    _mm512_loadu_si512(xq + 32));
            materialize(isum[r][t]);
          }
        }
      }
      for (int t = 0; t < T; ++t) {
        const ActBlock256& xb = x[t][b];
        const __m256i sums = load_256(xb.sums);
        for (int r = 0; r < R; ++r) {
          const uint8_t* block = w[r] + b * kQ4_KBytes;
          const float d = load_f16_scale(block) * xb.d;
          const float dmin = load_f16_scale(block + kQ4_KDminOffset) * xb.d;
          const __m512i imin = _mm512_zextsi256_si512(_mm256_mullo_epi32(m32[r], sums));
          acc.v[r][t] =
              _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r][t]), _mm512_set1_ps(d), acc.v[r][t]);
          acc.v[r][t] =
              _mm512_fnmadd_ps(_mm512_cvtepi32_ps(imin), _mm512_set1_ps(dmin), acc.v[r][t]);
        }
      }
    }
    acc.store(tile, row, token);
  }
};

// Q6_K: per half, 32 bytes of ql (twice) and qh widened to int16 give the codes of elements
// {0, 32, 64, 96} .. +31, each two sub-blocks of 16 (one per 256-bit half of the vector).
template <class Madd>
struct Q6_KKernel512 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    constexpr int kHalfElements = 128, kSubElements = 16;
    constexpr __mmask32 kHighHalf = 0xffff0000;
    const uint8_t* w[R];
    const ActBlock256* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<ActBlock256>(tile, token + t);
    Accumulators512<R, T> acc;
    const __m512i low_nibble = _mm512_set1_epi16(0x0f);
    const __m512i high_pair = _mm512_set1_epi16(0x30);
    const __m512i offset = _mm512_set1_epi16(kQ6_KOffset);
    const int64_t n_blocks = tile.n_in / kQ6_KElements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      __m512i isum[R][T];
      for (int r = 0; r < R; ++r) {
        for (int t = 0; t < T; ++t) isum[r][t] = _mm512_setzero_si512();
      }
      for (int half = 0; half < 2; ++half) {
        for (int r = 0; r < R; ++r) {
          const uint8_t* block = w[r] + b * kQ6_KBytes;
          const uint8_t* ql = block + 64 * half;
          const auto* scales =
              reinterpret_cast<const int8_t*>(block + kQ6_KScalesOffset) + 8 * half;
          const __m512i l_a = _mm512_cvtepu8_epi16(load_256(ql));       // elements +0, +64
          const __m512i l_b = _mm512_cvtepu8_epi16(load_256(ql + 32));  // +32, +96
          const __m512i h = _mm512_cvtepu8_epi16(load_256(block + kQ6_KQhOffset + 32 * half));
          __m512i q[4];  // codes of elements 32k .. 32k+31 (sub-blocks 2k, 2k+1)
          q[0] = _mm512_or_si512(_mm512_and_si512(l_a, low_nibble),
                                 _mm512_and_si512(_mm512_slli_epi16(h, 4), high_pair));
          q[1] = _mm512_or_si512(_mm512_and_si512(l_b, low_nibble),
                                 _mm512_and_si512(_mm512_slli_epi16(h, 2), high_pair));
          q[2] = _mm512_or_si512(_mm512_srli_epi16(l_a, 4), _mm512_and_si512(h, high_pair));
          q[3] = _mm512_or_si512(_mm512_srli_epi16(l_b, 4),
                                 _mm512_and_si512(_mm512_srli_epi16(h, 2), high_pair));
#pragma GCC unroll 4  // constant lane indices and shuffle masks
          for (int k = 0; k < 4; ++k) {
            const __m512i scale = _mm512_mask_blend_epi16(
                kHighHalf, _mm512_set1_epi16(scales[2 * k]), _mm512_set1_epi16(scales[2 * k + 1]));
            const __m512i wq = _mm512_mullo_epi16(_mm512_sub_epi16(q[k], offset), scale);
            for (int t = 0; t < T; ++t) {
              const int16_t* xq = x[t][b].qs + kHalfElements * half + 2 * k * kSubElements;
              isum[r][t] = Madd::madd(isum[r][t], wq, _mm512_loadu_si512(xq));
              materialize(isum[r][t]);
            }
          }
        }
      }
      for (int t = 0; t < T; ++t) {
        for (int r = 0; r < R; ++r) {
          const float d = load_f16_scale(w[r] + b * kQ6_KBytes + kQ6_KDOffset) * x[t][b].d;
          acc.v[r][t] =
              _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r][t]), _mm512_set1_ps(d), acc.v[r][t]);
        }
      }
    }
    acc.store(tile, row, token);
  }
};

// 32 vector registers: 4 rows for decode, 2 rows × 4 tokens for batches.
inline constexpr int kDecodeRows512 = 4;
inline constexpr int kBatchRows512 = 2;

// peak_int16_macs for a 512-bit variant: Madd::madd does 32 products.
template <class Madd>
double peak_madd_512(int64_t rounds) {
  return peak_chains<__m512i, Madd>(rounds, _mm512_set1_epi16(3), _mm512_set1_epi16(5), 32);
}

template <class Madd>
void tile_q8_0_512(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<LegacyKernel512<Madd, WidenQ8_0>, kDecodeRows512, kBatchRows512>(tile, n_rows,
                                                                             n_tokens);
}
template <class Madd>
void tile_q4_0_512(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<LegacyKernel512<Madd, WidenQ4_0>, kDecodeRows512, kBatchRows512>(tile, n_rows,
                                                                             n_tokens);
}
template <class Madd>
void tile_q4_k_512(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<Q4_KKernel512<Madd>, kDecodeRows512, kBatchRows512>(tile, n_rows, n_tokens);
}
template <class Madd>
void tile_q6_k_512(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<Q6_KKernel512<Madd>, kDecodeRows512, kBatchRows512>(tile, n_rows, n_tokens);
}

}  // namespace
}  // namespace tessera::kernels
