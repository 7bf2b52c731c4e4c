// Q8_0 weights against int16 activations (ActBlock32) on 256 bits, templated on the int16
// multiply-add (AVX2 vpmaddwd + vpaddd, or AVX-VNNI vpdpwssd; see dot_x86_256.h).
//
// Batches (2 tokens or more) run on panels: eight weight rows are widened to int16 and
// interleaved once per call, so that one register holds element pair k of a block for all eight
// rows (row j in int32 lane j), and each token's pair k is broadcast against it. A block then
// costs 16 multiply-adds for eight rows × one token and its int32 lanes are already the eight
// rows' block sums: one conversion and one FMA by the eight rows' scales, where the row-at-a-time
// kernel spent a conversion and an FMA per row. The panel is built for a run of blocks at a time
// (kPanelBlocks: 16 KiB of int16, in L1 while the tokens sweep over it); the float sums carry from
// one run to the next through y.
//
// A row's result is the same whether its token came alone or in a batch: every path computes,
// per (row, token), acc = fma((float) Σ_block q·x, d_w, acc) over the blocks in order from
// acc = 0, then acc · d_x (the row's one activation scale) — the panel kernel in its lanes, the
// one-row kernel (decode, and rows past the last whole panel) in scalar registers. The int32
// block sums are exact, so their order of addition does not matter.
//
// Include only from files compiled with AVX2 + FMA + F16C (or more); everything is in an anonymous
// namespace so that each including file keeps its own copy (see weight_blocks.h).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/dot_x86_256.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/quantize_activations.h"
#include "kernels/cpu/tile_loops.h"
#include "kernels/cpu/weight_blocks.h"

namespace tessera::kernels {
namespace {  // NOLINT(build/namespaces): per-ISA copies on purpose

inline constexpr int kPanelRows = 8;                  // int32 lanes of a ymm register
inline constexpr int kQ8_0Pairs = kQ8_0Elements / 2;  // element pairs per block
inline constexpr int64_t kPanelBlocks = 32;           // blocks per panel: 32 × 16 × 32 B
inline constexpr int kPanelTokens = 4;                // tokens per micro-kernel call

// Eight rows' blocks [first, first + n) of a weight matrix, widened and interleaved.
struct Q8_0Panel {
  __m256i pairs[kPanelBlocks][kQ8_0Pairs];  // [b][k] lane j: row j's elements 2k, 2k+1
  __m256 scales[kPanelBlocks];              // [b] lane j: row j's block scale
};

// rows[j] (int32 lane m = element pair m of row j) → out[m] (lane j = row j's pair m).
inline void transpose_8x8_epi32(const __m256i rows[8], __m256i out[8]) {
  __m256i t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_epi32(rows[2 * i], rows[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_epi32(rows[2 * i], rows[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // rows 0-3, then rows 4-7
    const __m256i* th = t + 4 * h;
    u[4 * h + 0] = _mm256_unpacklo_epi64(th[0], th[2]);  // pairs 0 and 4 of the four rows
    u[4 * h + 1] = _mm256_unpackhi_epi64(th[0], th[2]);  // 1 and 5
    u[4 * h + 2] = _mm256_unpacklo_epi64(th[1], th[3]);  // 2 and 6
    u[4 * h + 3] = _mm256_unpackhi_epi64(th[1], th[3]);  // 3 and 7
  }
  for (int m = 0; m < 4; ++m) {
    out[m] = _mm256_permute2x128_si256(u[m], u[4 + m], 0x20);
    out[m + 4] = _mm256_permute2x128_si256(u[m], u[4 + m], 0x31);
  }
}

// Fills `panel` from rows[0..7] (each pointing at its row's block 0), blocks [first, first + n).
inline void fill_q8_0_panel(const uint8_t* const rows[kPanelRows], int64_t first, int64_t n,
                            Q8_0Panel* panel) {
  for (int64_t b = 0; b < n; ++b) {
    __m256i lo[kPanelRows], hi[kPanelRows];
    alignas(16) uint16_t scale_bits[kPanelRows];
    for (int j = 0; j < kPanelRows; ++j) {
      const uint8_t* block = rows[j] + (first + b) * kQ8_0Bytes;
      lo[j] = _mm256_cvtepi8_epi16(load_128(block + kQ8_0QsOffset));
      hi[j] = _mm256_cvtepi8_epi16(load_128(block + kQ8_0QsOffset + 16));
      scale_bits[j] = load_u16(block);
    }
    transpose_8x8_epi32(lo, panel->pairs[b]);
    transpose_8x8_epi32(hi, panel->pairs[b] + kPanelRows);
    panel->scales[b] =
        _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(scale_bits)));
  }
}

// Requests blocks [first, min(first + kPanelBlocks, n_blocks)) of each row into the cache.
inline void prefetch_q8_0_blocks(const uint8_t* const rows[kPanelRows], int64_t first,
                                 int64_t n_blocks) {
  const int64_t end = first + kPanelBlocks < n_blocks ? first + kPanelBlocks : n_blocks;
  constexpr int64_t kLine = 64;
  for (int j = 0; j < kPanelRows; ++j) {
    for (int64_t at = first * kQ8_0Bytes; at < end * kQ8_0Bytes; at += kLine) {
      _mm_prefetch(reinterpret_cast<const char*>(rows[j] + at), _MM_HINT_T0);
    }
  }
}

inline __m256i broadcast_pair(const int16_t* p) {
  int32_t pair;
  __builtin_memcpy(&pair, p, sizeof pair);
  return _mm256_set1_epi32(pair);
}

// T tokens × the panel's eight rows over its n blocks. acc[t] lane j: token t's running sum for
// row j, carried in and out.
template <class Madd, int T>
inline void q8_0_panel_tokens(const Q8_0Panel& panel, int64_t n, const ActBlock32* const x[T],
                              __m256 acc[T]) {
  for (int64_t b = 0; b < n; ++b) {
    __m256i isum[T];
    for (int t = 0; t < T; ++t) isum[t] = _mm256_setzero_si256();
#pragma GCC unroll 16
    for (int k = 0; k < kQ8_0Pairs; ++k) {
      const __m256i w = panel.pairs[b][k];
      for (int t = 0; t < T; ++t) {
        isum[t] = Madd::madd(isum[t], w, broadcast_pair(x[t][b].qs + 2 * k));
        materialize(isum[t]);
      }
    }
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), panel.scales[b], acc[t]);
    }
  }
}

// Tokens [token, token + T) of one panel: the sums start from y (or zero for the first run of
// blocks) and go back to y (times the token's activation scale after the last run).
template <class Madd, int T>
void q8_0_panel_group(const MatmulTile& tile, const Q8_0Panel& panel, int64_t row, int64_t first,
                      int64_t n, int64_t token, bool last) {
  const ActBlock32* x[T];
  float* y[T];
  float dx[T];  // the row's one activation scale (see quantize_activations.h)
  __m256 acc[T];
  for (int t = 0; t < T; ++t) {
    const ActBlock32* blocks = act_row<ActBlock32>(tile, token + t);
    x[t] = blocks + first;
    dx[t] = blocks[0].d;
    y[t] = tile.y + (token + t) * tile.y_stride + row;
    acc[t] = first == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(y[t]);
  }
  q8_0_panel_tokens<Madd, T>(panel, n, x, acc);
  for (int t = 0; t < T; ++t) {
    _mm256_storeu_ps(y[t], last ? _mm256_mul_ps(acc[t], _mm256_set1_ps(dx[t])) : acc[t]);
  }
}

// v[j]'s eight int32 lanes summed into lane j of the result (exact: integer adds in any order).
inline __m128i sum_lanes_4(const __m256i v[4]) {
  // [v0 lanes 0+2, v1 0+2, v0 1+3, v1 1+3 | the same for lanes 4-7], and for v2, v3.
  const __m256i p01 =
      _mm256_add_epi32(_mm256_unpacklo_epi32(v[0], v[1]), _mm256_unpackhi_epi32(v[0], v[1]));
  const __m256i p23 =
      _mm256_add_epi32(_mm256_unpacklo_epi32(v[2], v[3]), _mm256_unpackhi_epi32(v[2], v[3]));
  // [v0, v1, v2, v3 over lanes 0-3 | over lanes 4-7]
  const __m256i q =
      _mm256_add_epi32(_mm256_unpacklo_epi64(p01, p23), _mm256_unpackhi_epi64(p01, p23));
  return _mm_add_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
}

// One block of one row against one token: the int32 lanes whose sum is the block's exact dot.
template <class Madd>
inline __m256i q8_0_block_lanes(const uint8_t* block, const ActBlock32& x) {
  prefetch_stream(block + kPrefetchAheadBytes);
  const __m256i lo = _mm256_cvtepi8_epi16(load_128(block + kQ8_0QsOffset));
  const __m256i hi = _mm256_cvtepi8_epi16(load_128(block + kQ8_0QsOffset + 16));
  return Madd::madd(Madd::madd(_mm256_setzero_si256(), lo, load_256(x.qs)), hi,
                    load_256(x.qs + 16));
}

// One row against one token with the panel kernel's arithmetic for one lane: acc = fma((float)
// block dot, d_w, acc) block after block, then acc · d_x. Rows go one after another, so a thread
// reads its tile as one sequential stream (decode: what the hardware prefetchers follow best);
// four blocks' lanes are reduced together (sum_lanes_4) to keep the reduction off the critical
// path.
template <class Madd>
float q8_0_row_one_token(const uint8_t* w, const ActBlock32* x, int64_t n_blocks) {
  __m128 acc = _mm_setzero_ps();
  int64_t b = 0;
  for (; b + 4 <= n_blocks; b += 4) {
    const uint8_t* block = w + b * kQ8_0Bytes;
    const __m256i lanes[4] = {q8_0_block_lanes<Madd>(block, x[b]),
                              q8_0_block_lanes<Madd>(block + kQ8_0Bytes, x[b + 1]),
                              q8_0_block_lanes<Madd>(block + 2 * kQ8_0Bytes, x[b + 2]),
                              q8_0_block_lanes<Madd>(block + 3 * kQ8_0Bytes, x[b + 3])};
    const __m128 dots = _mm_cvtepi32_ps(sum_lanes_4(lanes));
    __m128i scale_bits = _mm_cvtsi32_si128(load_u16(block));
    scale_bits = _mm_insert_epi16(scale_bits, load_u16(block + kQ8_0Bytes), 1);
    scale_bits = _mm_insert_epi16(scale_bits, load_u16(block + 2 * kQ8_0Bytes), 2);
    scale_bits = _mm_insert_epi16(scale_bits, load_u16(block + 3 * kQ8_0Bytes), 3);
    const __m128 scales = _mm_cvtph_ps(scale_bits);
    acc = _mm_fmadd_ss(dots, scales, acc);
    acc = _mm_fmadd_ss(_mm_shuffle_ps(dots, dots, 1), _mm_shuffle_ps(scales, scales, 1), acc);
    acc = _mm_fmadd_ss(_mm_shuffle_ps(dots, dots, 2), _mm_shuffle_ps(scales, scales, 2), acc);
    acc = _mm_fmadd_ss(_mm_shuffle_ps(dots, dots, 3), _mm_shuffle_ps(scales, scales, 3), acc);
  }
  for (; b < n_blocks; ++b) {
    const uint8_t* block = w + b * kQ8_0Bytes;
    const __m128 dot =
        _mm_cvtsi32_ss(_mm_setzero_ps(), hsum_epi32(q8_0_block_lanes<Madd>(block, x[b])));
    acc = _mm_fmadd_ss(dot, _mm_set_ss(load_f16_scale(block)), acc);
  }
  return _mm_cvtss_f32(_mm_mul_ss(acc, _mm_set_ss(x[0].d)));
}

template <class Madd>
void q8_0_rows_one_token_each(const MatmulTile& tile, int64_t row, int64_t n_rows,
                              int64_t n_tokens) {
  const int64_t n_blocks = tile.n_in / kQ8_0Elements;
  for (int64_t r = row; r < n_rows; ++r) {
    for (int64_t t = 0; t < n_tokens; ++t) {
      store_y(
          tile, r, t,
          q8_0_row_one_token<Madd>(weight_row(tile, r), act_row<ActBlock32>(tile, t), n_blocks));
    }
  }
}

// The last `left` (< kPanelTokens) tokens as one group of exactly that many.
template <class Madd, int T>
void q8_0_panel_tail(const MatmulTile& tile, const Q8_0Panel& panel, int64_t row, int64_t first,
                     int64_t n, int64_t token, int64_t left, bool last) {
  if constexpr (T >= 1) {
    if (left == T) {
      q8_0_panel_group<Madd, T>(tile, panel, row, first, n, token, last);
    } else {
      q8_0_panel_tail<Madd, T - 1>(tile, panel, row, first, n, token, left, last);
    }
  }
}

template <class Madd>
void tile_q8_0_256(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  if (n_tokens == 1) {
    q8_0_rows_one_token_each<Madd>(tile, 0, n_rows, 1);
    return;
  }
  const int64_t n_blocks = tile.n_in / kQ8_0Elements;
  Q8_0Panel panel;
  int64_t row = 0;
  for (; row + kPanelRows <= n_rows; row += kPanelRows) {
    const uint8_t* rows[kPanelRows];
    for (int j = 0; j < kPanelRows; ++j) rows[j] = weight_row(tile, row + j);
    for (int64_t first = 0; first < n_blocks; first += kPanelBlocks) {
      const int64_t n = n_blocks - first < kPanelBlocks ? n_blocks - first : kPanelBlocks;
      const bool last = first + n == n_blocks;
      fill_q8_0_panel(rows, first, n, &panel);
      // The next panel's bytes, requested while this one's tokens run: in a model the weights
      // come from memory, and a panel is too short a stream for the hardware prefetchers.
      if (!last) {
        prefetch_q8_0_blocks(rows, first + n, n_blocks);
      } else if (row + 2 * kPanelRows <= n_rows) {
        const uint8_t* next_rows[kPanelRows];
        for (int j = 0; j < kPanelRows; ++j) next_rows[j] = weight_row(tile, row + kPanelRows + j);
        prefetch_q8_0_blocks(next_rows, 0, n_blocks);
      }
      int64_t t = 0;
      for (; t + kPanelTokens <= n_tokens; t += kPanelTokens) {
        q8_0_panel_group<Madd, kPanelTokens>(tile, panel, row, first, n, t, last);
      }
      q8_0_panel_tail<Madd, kPanelTokens - 1>(tile, panel, row, first, n, t, n_tokens - t, last);
    }
  }
  q8_0_rows_one_token_each<Madd>(tile, row, n_rows, n_tokens);
}

}  // namespace
}  // namespace tessera::kernels
