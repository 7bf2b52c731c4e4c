// The loop nest shared by every kernel variant: it walks a MatmulTile in register blocks of
// R rows × T tokens and calls the variant's micro-kernel for each.
//
//   decode (1 token):  R = kDecodeRows rows at a time, so several independent accumulator chains
//                      hide the FMA latency while the weights stream from memory once;
//   batch (≥ 2):       groups of T = kBatchTokens tokens, kBatchRows rows at a time: each weight
//                      block is decoded once and used for every token of the group, and the rows
//                      of the tile (a few tens of KiB, see matmul.cc) stay in L1/L2 while the
//                      groups sweep over them.
//
// Included by the ISA-specific files: everything here is in an anonymous namespace so that each
// file compiles its own copy for its own instruction set (see weight_blocks.h).
#pragma once

#include <time.h>

#include <cstdint>

#include "kernels/cpu/kernel_table.h"

namespace tessera::kernels {
namespace {  // NOLINT(build/namespaces): per-ISA copies on purpose

inline constexpr int kBatchTokens = 4;

// K::template run<R, T>(tile, row, token) computes rows [row, row+R) × tokens [token, token+T).
template <class K, int R, int T>
void rows_loop(const MatmulTile& tile, int64_t n_rows, int64_t token) {
  int64_t r = 0;
  for (; r + R <= n_rows; r += R) K::template run<R, T>(tile, r, token);
  for (; r < n_rows; ++r) K::template run<1, T>(tile, r, token);
}

// The last `left` (< T) tokens of a batch, as one group of exactly that many.
template <class K, int kDecodeRows, int kBatchRows, int T>
void tail_tokens(const MatmulTile& tile, int64_t n_rows, int64_t token, int64_t left) {
  if constexpr (T <= 1) {
    rows_loop<K, kDecodeRows, 1>(tile, n_rows, token);
  } else if (left == T) {
    rows_loop<K, kBatchRows, T>(tile, n_rows, token);
  } else {
    tail_tokens<K, kDecodeRows, kBatchRows, T - 1>(tile, n_rows, token, left);
  }
}

// kTokens: the token group of the batch micro-kernel (R × kTokens accumulators must fit the
// register file with the R weight vectors and one activation vector).
template <class K, int kDecodeRows, int kBatchRows, int kTokens = kBatchTokens>
void run_tiles(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  if (n_tokens == 1) {
    rows_loop<K, kDecodeRows, 1>(tile, n_rows, 0);
    return;
  }
  int64_t t = 0;
  for (; t + kTokens <= n_tokens; t += kTokens) rows_loop<K, kBatchRows, kTokens>(tile, n_rows, t);
  if (t < n_tokens) {
    tail_tokens<K, kDecodeRows, kBatchRows, kTokens - 1>(tile, n_rows, t, n_tokens - t);
  }
}

// Where row r's weights and token t's activations start.
inline const uint8_t* weight_row(const MatmulTile& tile, int64_t r) {
  return tile.w + r * tile.w_row_bytes;
}
template <class Act>
const Act* act_row(const MatmulTile& tile, int64_t t) {
  return reinterpret_cast<const Act*>(static_cast<const uint8_t*>(tile.x) + t * tile.x_row_bytes);
}
inline void store_y(const MatmulTile& tile, int64_t r, int64_t t, float value) {
  tile.y[t * tile.y_stride + r] = value;
}

// Wall-clock seconds that f() takes, for the peak probes (KernelTable::peak_*). clock_gettime
// rather than std::chrono, whose templates must not be instantiated in these files (see
// matmul_avx2.cc).
template <class F>
double timed_seconds(F&& f) {
  timespec start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  f();
  clock_gettime(CLOCK_MONOTONIC, &end);
  return static_cast<double>(end.tv_sec - start.tv_sec) +
         1e-9 * static_cast<double>(end.tv_nsec - start.tv_nsec);
}

// A peak probe (KernelTable::peak_*): `rounds` rounds of kPeakChains independent chains
// acc = Op::madd(acc, acc, b) on vectors V (starting at `start`), each doing `products`
// multiply-accumulates; returns multiply-accumulates per second. Each chain multiplies its own
// value: with a shared multiplicand the compiler computes an Op that is a product plus an add
// (vpmaddwd + vpaddd) once per round for all chains, and the loop measures the adds.
template <class V, class Op>
double peak_chains(int64_t rounds, V start, V b, int products) {
  // The unroll pragmas let GCC keep the chains in registers; without them it stores every chain
  // to the stack on every round.
  V acc[kPeakChains];
  // Each chain starts from a value the compiler cannot see (volatile asm is never merged), or
  // twelve equal chains would be computed once.
#pragma GCC unroll 16
  for (V& v : acc) {
    v = start;
    __asm__ volatile("" : "+v"(v));
  }
  const double seconds = timed_seconds([&] {
    for (int64_t n = 0; n < rounds; ++n) {
#pragma GCC unroll 16
      for (V& v : acc) v = Op::madd(v, v, b);
      __asm__ volatile("" : "+v"(b));  // b stays unknown, so no product folds to a constant
    }
    // The results are used before the clock is read again: register-only work may otherwise be
    // scheduled past the closing clock_gettime, and the probe would time less than it ran.
#pragma GCC unroll 16
    for (V& v : acc) __asm__ volatile("" : : "v"(v));
  });
  return static_cast<double>(rounds) * kPeakChains * products / seconds;
}

}  // namespace
}  // namespace tessera::kernels
