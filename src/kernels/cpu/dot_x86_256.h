// 256-bit kernels for the quantized weight types against int16 activations, templated on the
// instruction that multiplies int16 pairs and adds them into int32 lanes: AVX2 vpmaddwd + vpaddd
// (matmul_avx2.cc) or AVX-VNNI vpdpwssd (matmul_avxvnni.cc). The math is dot_scalar.cc's; each
// (row, token) pair accumulates exact int32 lanes that become float once per block (super-block,
// half super-block for Q6_K), scaled by d_w·d_x and summed in eight float lanes. Q8_0 has its own
// file (q8_0_x86_256.h: eight-row panels for batches, built on the helpers here).
//
// Include only from files compiled with AVX2 + FMA + F16C (or more); everything is in an anonymous
// namespace so that each including file keeps its own copy (see weight_blocks.h).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/quantize_activations.h"
#include "kernels/cpu/tile_loops.h"
#include "kernels/cpu/weight_blocks.h"

namespace tessera::kernels {
namespace {  // NOLINT(build/namespaces): per-ISA copies on purpose

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The eight int32 lanes of v summed (exact).
inline int32_t hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline float load_f16_scale(const uint8_t* p) { return _cvtsh_ss(load_u16(p)); }

inline __m256i load_256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
inline __m128i load_128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// An empty asm that claims to change v: GCC's reassociation would otherwise turn a chain of
// `isum += madd(...)` over a whole super-block into all products first and one long sum last,
// with every product spilled to the stack on the way (measured: 2-3x slower).
inline void materialize(__m256i& v) { __asm__("" : "+x"(v)); }

// Eight int16 values (in both 128-bit halves of v) → element k in all sixteen lanes. pshufb
// works within halves, which is why the values must sit in both; 1 instruction where
// _mm256_set1_epi16 from memory takes 3.
inline __m256i broadcast_epi16(__m256i v, int k) {
  return _mm256_shuffle_epi8(v,
                             _mm256_set1_epi16(static_cast<short>(((2 * k + 1) << 8) | (2 * k))));
}

// Eight bytes (little-endian in `bytes`) as int16 in both 128-bit halves.
inline __m256i widen_u8x8(uint64_t bytes) {
  return _mm256_broadcastsi128_si256(
      _mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(bytes))));
}
inline __m256i widen_i8x8(const int8_t* p) {
  return _mm256_broadcastsi128_si256(
      _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// Decode streams each weight byte from memory exactly once; the hardware prefetchers stop at
// every 4 KiB page and restart after a few misses, so the kernels ask for the bytes this far
// ahead of the current block themselves (non-temporal hint: they will not be reused).
inline constexpr int64_t kPrefetchAheadBytes = 1024;
inline void prefetch_stream(const uint8_t* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_NTA);
}

// All kernels' shared skeleton: acc[r][t] float accumulators, stored as horizontal sums.
template <int R, int T>
struct Accumulators {
  __m256 v[R][T];
  Accumulators() {
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) v[r][t] = _mm256_setzero_ps();
    }
  }
  void store(const MatmulTile& tile, int64_t row, int64_t token) const {
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) store_y(tile, row + r, token + t, hsum(v[r][t]));
    }
  }  // For activations whose blocks share one scale per row (ActBlock32): dx[t] applied once.
  void store_scaled(const MatmulTile& tile, int64_t row, int64_t token, const float* dx) const {
    for (int r = 0; r < R; ++r) {
      for (int t = 0; t < T; ++t) store_y(tile, row + r, token + t, hsum(v[r][t]) * dx[t]);
    }
  }
};

template <class Madd>
struct Q4_0Kernel256 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    const uint8_t* w[R];
    const ActBlock32* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    float dx[T];  // the row's one scale (see quantize_activations.h)
    for (int t = 0; t < T; ++t) {
      x[t] = act_row<ActBlock32>(tile, token + t);
      dx[t] = x[t][0].d;
    }
    Accumulators<R, T> acc;
    const __m256i low_nibble = _mm256_set1_epi16(0x0f);
    const __m256i offset = _mm256_set1_epi16(kQ4_0Offset);
    const int64_t n_blocks = tile.n_in / kQ4_0Elements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      __m256i w_lo[R], w_hi[R];  // q - 8 of elements 0-15 (low nibbles), 16-31 (high nibbles)
      __m256 dw[R];
      for (int r = 0; r < R; ++r) {
        const uint8_t* block = w[r] + b * kQ4_0Bytes;
        // Each byte widened to 16 bits holds both of its nibbles: no cross-lane unpacking.
        const __m256i bytes = _mm256_cvtepu8_epi16(load_128(block + kQ4_0QsOffset));
        w_lo[r] = _mm256_sub_epi16(_mm256_and_si256(bytes, low_nibble), offset);
        w_hi[r] = _mm256_sub_epi16(_mm256_srli_epi16(bytes, 4), offset);
        dw[r] = _mm256_set1_ps(load_f16_scale(block));
      }
      for (int t = 0; t < T; ++t) {
        const __m256i x_lo = load_256(x[t][b].qs), x_hi = load_256(x[t][b].qs + 16);
        for (int r = 0; r < R; ++r) {
          const __m256i dot =
              Madd::madd(Madd::madd(_mm256_setzero_si256(), w_lo[r], x_lo), w_hi[r], x_hi);
          acc.v[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), dw[r], acc.v[r][t]);
        }
      }
    }
    acc.store_scaled(tile, row, token, dx);
  }
};

// Q4_K: per 32-byte run c of qs, bytes 0-15 and 16-31 are widened to int16; their low nibbles
// are sub-block 2c, their high nibbles sub-block 2c+1, each multiplied by its 6-bit scale.
// Per super-block and (row, token): isum lanes = Σ q·sc·x, imin = Σ_j m_j·sums_j (int32 each);
// acc += (d·dx)·isum - (dmin·dx)·imin.
template <class Madd>
struct Q4_KKernel256 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    constexpr int kRuns = 4;
    const uint8_t* w[R];
    const ActBlock256* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<ActBlock256>(tile, token + t);
    Accumulators<R, T> acc;
    const __m256i low_nibbles = _mm256_set1_epi16(0x0f);
    const int64_t n_blocks = tile.n_in / kQ4_KElements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      __m256i sc16[R];  // the eight scales as int16, in both halves
      __m256i m32[R];   // the eight mins as int32
      __m256i isum[R][T];
      for (int r = 0; r < R; ++r) {
        const Q4KScalesMins sm =
            unpack_q4_k_scales_words(w[r] + b * kQ4_KBytes + kQ4_KScalesOffset);
        sc16[r] = widen_u8x8(sm.sc);
        m32[r] = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(sm.m)));
        for (int t = 0; t < T; ++t) isum[r][t] = _mm256_setzero_si256();
      }
#pragma GCC unroll 4  // constant lane indices and shuffle masks
      for (int c = 0; c < kRuns; ++c) {
        for (int r = 0; r < R; ++r) {
          const uint8_t* run = w[r] + b * kQ4_KBytes + kQ4_KQsOffset + 32 * c;
          const __m256i v0 = _mm256_cvtepu8_epi16(load_128(run));
          const __m256i v1 = _mm256_cvtepu8_epi16(load_128(run + 16));
          const __m256i sc_lo = broadcast_epi16(sc16[r], 2 * c);
          const __m256i sc_hi = broadcast_epi16(sc16[r], 2 * c + 1);
          const __m256i a0 = _mm256_mullo_epi16(_mm256_and_si256(v0, low_nibbles), sc_lo);
          const __m256i a1 = _mm256_mullo_epi16(_mm256_and_si256(v1, low_nibbles), sc_lo);
          const __m256i b0 = _mm256_mullo_epi16(_mm256_srli_epi16(v0, 4), sc_hi);
          const __m256i b1 = _mm256_mullo_epi16(_mm256_srli_epi16(v1, 4), sc_hi);
          for (int t = 0; t < T; ++t) {
            const int16_t* xq = x[t][b].qs + 64 * c;
            __m256i s = Madd::madd(isum[r][t], a0, load_256(xq));
            s = Madd::madd(s, a1, load_256(xq + 16));
            s = Madd::madd(s, b0, load_256(xq + 32));
            isum[r][t] = Madd::madd(s, b1, load_256(xq + 48));
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
          const __m256i imin = _mm256_mullo_epi32(m32[r], sums);
          acc.v[r][t] =
              _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r][t]), _mm256_set1_ps(d), acc.v[r][t]);
          acc.v[r][t] =
              _mm256_fnmadd_ps(_mm256_cvtepi32_ps(imin), _mm256_set1_ps(dmin), acc.v[r][t]);
        }
      }
    }
    acc.store(tile, row, token);
  }
};

// Q6_K: per 128-element half and l0 in {0, 16}, 16 bytes of ql (twice) and qh widened to int16
// give the codes of elements l0+{0, 32, 64, 96} .. +15, four sub-blocks of 16; each becomes
// (q - 32)·scale. The int32 lanes turn into float after each half (kernel_table.h: 16 products).
template <class Madd>
struct Q6_KKernel256 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    constexpr int kHalfElements = 128, kSubElements = 16;
    const uint8_t* w[R];
    const ActBlock256* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<ActBlock256>(tile, token + t);
    Accumulators<R, T> acc;
    const __m256i low_nibble = _mm256_set1_epi16(0x0f);
    const __m256i high_pair = _mm256_set1_epi16(0x30);
    const __m256i offset = _mm256_set1_epi16(kQ6_KOffset);
    const int64_t n_blocks = tile.n_in / kQ6_KElements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      for (int half = 0; half < 2; ++half) {
        __m256i isum[R][T];
        for (int r = 0; r < R; ++r) {
          for (int t = 0; t < T; ++t) isum[r][t] = _mm256_setzero_si256();
        }
        for (int r = 0; r < R; ++r) {
          const uint8_t* block = w[r] + b * kQ6_KBytes;
          const uint8_t* ql = block + 64 * half;
          const uint8_t* qh = block + kQ6_KQhOffset + 32 * half;
          const __m256i scales =
              widen_i8x8(reinterpret_cast<const int8_t*>(block + kQ6_KScalesOffset) + 8 * half);
#pragma GCC unroll 4  // constant lane indices and shuffle masks
          for (int l0 = 0; l0 < 32; l0 += 16) {
            const __m256i l_a = _mm256_cvtepu8_epi16(load_128(ql + l0));       // elements +0, +64
            const __m256i l_b = _mm256_cvtepu8_epi16(load_128(ql + 32 + l0));  // +32, +96
            const __m256i h = _mm256_cvtepu8_epi16(load_128(qh + l0));
            __m256i q[4];  // codes of elements l0 + 32k .. +15 (sub-block 2k + l0/16)
            q[0] = _mm256_or_si256(_mm256_and_si256(l_a, low_nibble),
                                   _mm256_and_si256(_mm256_slli_epi16(h, 4), high_pair));
            q[1] = _mm256_or_si256(_mm256_and_si256(l_b, low_nibble),
                                   _mm256_and_si256(_mm256_slli_epi16(h, 2), high_pair));
            q[2] = _mm256_or_si256(_mm256_srli_epi16(l_a, 4), _mm256_and_si256(h, high_pair));
            q[3] = _mm256_or_si256(_mm256_srli_epi16(l_b, 4),
                                   _mm256_and_si256(_mm256_srli_epi16(h, 2), high_pair));
#pragma GCC unroll 4  // constant lane indices and shuffle masks
            for (int k = 0; k < 4; ++k) {
              const int sub = 2 * k + l0 / kSubElements;
              const __m256i wq =
                  _mm256_mullo_epi16(_mm256_sub_epi16(q[k], offset), broadcast_epi16(scales, sub));
              for (int t = 0; t < T; ++t) {
                const int16_t* xq = x[t][b].qs + kHalfElements * half + sub * kSubElements;
                isum[r][t] = Madd::madd(isum[r][t], wq, load_256(xq));
                materialize(isum[r][t]);
              }
            }
          }
        }
        for (int t = 0; t < T; ++t) {
          for (int r = 0; r < R; ++r) {
            const float d = load_f16_scale(w[r] + b * kQ6_KBytes + kQ6_KDOffset) * x[t][b].d;
            acc.v[r][t] =
                _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r][t]), _mm256_set1_ps(d), acc.v[r][t]);
          }
        }
      }
    }
    acc.store(tile, row, token);
  }
};

// Register blocking: 1 row for a single token, 1 row × 4 tokens for batches (each widened weight
// block serves four tokens). A K-quant block's scales, mins and partial sums fill most of the
// sixteen ymm registers, and more rows spilled them to the stack: TinyLlama Q4_K_M decode on 2
// threads, alternating, went from 9-11 to 19 tok/s (int16) and from 14-15 to 23-24 (int8) with one
// row instead of four; Q8_0 (even/odd accumulators per row already) measured the same either way.
inline constexpr int kDecodeRows256 = 1;
inline constexpr int kBatchRows256 = 1;

// peak_int16_macs for a 256-bit variant: Madd::madd does 16 products.
template <class Madd>
double peak_madd_256(int64_t rounds) {
  return peak_chains<__m256i, Madd>(rounds, _mm256_set1_epi16(3), _mm256_set1_epi16(5), 16);
}

template <class Madd>
void tile_q4_0_256(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<Q4_0Kernel256<Madd>, kDecodeRows256, kBatchRows256>(tile, n_rows, n_tokens);
}
template <class Madd>
void tile_q4_k_256(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<Q4_KKernel256<Madd>, kDecodeRows256, kBatchRows256>(tile, n_rows, n_tokens);
}
template <class Madd>
void tile_q6_k_256(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<Q6_KKernel256<Madd>, kDecodeRows256, kBatchRows256>(tile, n_rows, n_tokens);
}

// ---- K-quants against int8 activations (ActBlock8; see kernel_table.h for the bounds) ----

// Q4_K: per 32-byte run c, the low nibbles (sub-block 2c) and high nibbles (2c+1) meet 32 int8
// activations each in vpmaddubsw; vpmaddwd applies the sub-block's scale. The mins meet the
// activation sums in one vpmaddwd per super-block (each min paired with its two runs of 16).
struct Q4_KInt8Kernel256 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    constexpr int kRuns = 4;
    const uint8_t* w[R];
    const ActBlock8* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<ActBlock8>(tile, token + t);
    Accumulators<R, T> acc;
    const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
    const int64_t n_blocks = tile.n_in / kQ4_KElements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      __m256i sc16[R];  // the eight scales as int16, in both halves
      __m256i m16[R];   // min j in int16 lanes 2j and 2j+1
      __m256i isum[R][T];
      for (int r = 0; r < R; ++r) {
        const uint8_t* block = w[r] + b * kQ4_KBytes;
        prefetch_stream(block + kPrefetchAheadBytes);
        prefetch_stream(block + kPrefetchAheadBytes + 64);
        const Q4KScalesMins sm = unpack_q4_k_scales_words(block + kQ4_KScalesOffset);
        sc16[r] = widen_u8x8(sm.sc);
        const __m128i m8 = _mm_cvtsi64_si128(static_cast<int64_t>(sm.m));
        m16[r] = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
        for (int t = 0; t < T; ++t) isum[r][t] = _mm256_setzero_si256();
      }
#pragma GCC unroll 4  // constant lane indices and shuffle masks
      for (int c = 0; c < kRuns; ++c) {
        for (int r = 0; r < R; ++r) {
          const __m256i q = load_256(w[r] + b * kQ4_KBytes + kQ4_KQsOffset + 32 * c);
          const __m256i lo = _mm256_and_si256(q, low_nibbles);
          const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low_nibbles);
          const __m256i sc_lo = broadcast_epi16(sc16[r], 2 * c);
          const __m256i sc_hi = broadcast_epi16(sc16[r], 2 * c + 1);
          for (int t = 0; t < T; ++t) {
            const int8_t* xq = x[t][b].qs + 64 * c;
            const __m256i p_lo = _mm256_maddubs_epi16(lo, load_256(xq));
            const __m256i p_hi = _mm256_maddubs_epi16(hi, load_256(xq + 32));
            isum[r][t] = _mm256_add_epi32(
                isum[r][t],
                _mm256_add_epi32(_mm256_madd_epi16(p_lo, sc_lo), _mm256_madd_epi16(p_hi, sc_hi)));
          }
        }
      }
      for (int t = 0; t < T; ++t) {
        const ActBlock8& xb = x[t][b];
        const __m256i sums = load_256(xb.sums);
        for (int r = 0; r < R; ++r) {
          const uint8_t* block = w[r] + b * kQ4_KBytes;
          const float d = load_f16_scale(block) * xb.d;
          const float dmin = load_f16_scale(block + kQ4_KDminOffset) * xb.d;
          const __m256i imin = _mm256_madd_epi16(sums, m16[r]);
          acc.v[r][t] =
              _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r][t]), _mm256_set1_ps(d), acc.v[r][t]);
          acc.v[r][t] =
              _mm256_fnmadd_ps(_mm256_cvtepi32_ps(imin), _mm256_set1_ps(dmin), acc.v[r][t]);
        }
      }
    }
    acc.store(tile, row, token);
  }
};

// Q6_K: per 128-element half, 32 bytes of ql (twice) and of qh give the 6-bit codes of four runs
// of 32 elements (parts 0-3: elements 32k .. 32k+31 of the half); each run meets its activations
// in vpmaddubsw and its two sub-block scales (lower and upper 128-bit lane) in vpmaddwd. The
// codes are unsigned (0..63): the offset of 32 comes off once per super-block as
// 32 · Σ_j scale_j · Σ x over sub-block j.
struct Q6_KInt8Kernel256 {
  template <int R, int T>
  static void run(const MatmulTile& tile, int64_t row, int64_t token) {
    const uint8_t* w[R];
    const ActBlock8* x[T];
    for (int r = 0; r < R; ++r) w[r] = weight_row(tile, row + r);
    for (int t = 0; t < T; ++t) x[t] = act_row<ActBlock8>(tile, token + t);
    Accumulators<R, T> acc;
    const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
    const __m256i high_pair = _mm256_set1_epi8(0x30);
    const int64_t n_blocks = tile.n_in / kQ6_KElements;
    for (int64_t b = 0; b < n_blocks; ++b) {
      __m256i isum[R][T];
      for (int r = 0; r < R; ++r) {
        const uint8_t* block = w[r] + b * kQ6_KBytes;
        prefetch_stream(block + kPrefetchAheadBytes);
        prefetch_stream(block + kPrefetchAheadBytes + 64);
        prefetch_stream(block + kPrefetchAheadBytes + 128);
        for (int t = 0; t < T; ++t) isum[r][t] = _mm256_setzero_si256();
      }
#pragma GCC unroll 2
      for (int half = 0; half < 2; ++half) {
        for (int r = 0; r < R; ++r) {
          const uint8_t* block = w[r] + b * kQ6_KBytes;
          const __m256i ql_a = load_256(block + 64 * half);
          const __m256i ql_b = load_256(block + 64 * half + 32);
          const __m256i qh = load_256(block + kQ6_KQhOffset + 32 * half);
          __m256i q[4];
          q[0] = _mm256_or_si256(_mm256_and_si256(ql_a, low_nibbles),
                                 _mm256_and_si256(_mm256_slli_epi16(qh, 4), high_pair));
          q[1] = _mm256_or_si256(_mm256_and_si256(ql_b, low_nibbles),
                                 _mm256_and_si256(_mm256_slli_epi16(qh, 2), high_pair));
          q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_a, 4), low_nibbles),
                                 _mm256_and_si256(qh, high_pair));
          q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_b, 4), low_nibbles),
                                 _mm256_and_si256(_mm256_srli_epi16(qh, 2), high_pair));
          // The half's eight scales as int16 in both 128-bit lanes.
          const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64(
              reinterpret_cast<const __m128i*>(block + kQ6_KScalesOffset + 8 * half))));
#pragma GCC unroll 4
          for (int k = 0; k < 4; ++k) {
            // Lower lane: scale 2k (elements 0-15 of the run), upper lane: 2k+1 (16-31).
            const __m256i pick = _mm256_set_m128i(
                _mm_set1_epi16(static_cast<short>(((4 * k + 3) << 8) | (4 * k + 2))),
                _mm_set1_epi16(static_cast<short>(((4 * k + 1) << 8) | (4 * k))));
            const __m256i scale = _mm256_shuffle_epi8(sc16, pick);
            for (int t = 0; t < T; ++t) {
              const int8_t* xq = x[t][b].qs + 128 * half + 32 * k;
              const __m256i p = _mm256_maddubs_epi16(q[k], load_256(xq));
              isum[r][t] = _mm256_add_epi32(isum[r][t], _mm256_madd_epi16(p, scale));
            }
          }
        }
      }
      for (int r = 0; r < R; ++r) {
        const uint8_t* block = w[r] + b * kQ6_KBytes;
        const __m256i scales = _mm256_cvtepi8_epi16(load_128(block + kQ6_KScalesOffset));
        const float dw = load_f16_scale(block + kQ6_KDOffset);
        for (int t = 0; t < T; ++t) {
          const ActBlock8& xb = x[t][b];
          const __m256i offset = _mm256_madd_epi16(load_256(xb.sums), scales);
          const __m256i total = _mm256_sub_epi32(isum[r][t], _mm256_slli_epi32(offset, 5));
          acc.v[r][t] =
              _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(dw * xb.d), acc.v[r][t]);
        }
      }
    }
    acc.store(tile, row, token);
  }
};

inline void tile_q4_k_int8_256(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<Q4_KInt8Kernel256, kDecodeRows256, kBatchRows256>(tile, n_rows, n_tokens);
}
inline void tile_q6_k_int8_256(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  run_tiles<Q6_KInt8Kernel256, kDecodeRows256, kBatchRows256>(tile, n_rows, n_tokens);
}

}  // namespace
}  // namespace tessera::kernels
