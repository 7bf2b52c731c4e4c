// The loop nest shared by every kernel variant: it walks a MatmulTile in register blocks of
// R rows × T tokens and calls the variant's micro-kernel for each.
//
//   decode (1 token):  R = kDecodeRows rows at a time (each variant chooses: several rows give
//                      independent accumulator chains, but a quantized block's scales may fill
//                      the registers; the 256-bit variants take one) while the weights stream
//                      from memory once;
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

// Monotonic wall-clock seconds, for the peak probes (KernelTable::peak_*). clock_gettime rather
// than std::chrono, whose templates must not be instantiated in these files (see matmul_avx2.cc).
inline double monotonic_seconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// A peak probe (KernelTable::peak_*): `rounds` rounds of kPeakChains independent chains
// acc = Op::madd(acc, acc, b) on vectors V (starting at `start`), each doing `products`
// multiply-accumulates; returns multiply-accumulates per second. Each chain multiplies its own
// value: with a shared multiplicand the compiler computes an Op that is a product plus an add
// (vpmaddwd + vpaddd) once per round for all chains, and the loop measures the adds.
// The chains are plain locals, never captured or addressed, so that they stay in registers in
// every build (a captured array lives on the stack, and under ASan every round then checks it).
template <class V, class Op>
double peak_chains(int64_t rounds, V start, V b, int products) {
  static_assert(kPeakChains == 12, "the chains below are spelled out");
  // Each chain starts from a value the compiler cannot see (volatile asm is never merged), or
  // twelve equal chains would be computed once.
  V c0 = start, c1 = start, c2 = start, c3 = start, c4 = start, c5 = start;
  V c6 = start, c7 = start, c8 = start, c9 = start, c10 = start, c11 = start;
  __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5));
  __asm__ volatile("" : "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));
  const double begin = monotonic_seconds();
  for (int64_t n = 0; n < rounds; ++n) {
    c0 = Op::madd(c0, c0, b), c1 = Op::madd(c1, c1, b), c2 = Op::madd(c2, c2, b);
    c3 = Op::madd(c3, c3, b), c4 = Op::madd(c4, c4, b), c5 = Op::madd(c5, c5, b);
    c6 = Op::madd(c6, c6, b), c7 = Op::madd(c7, c7, b), c8 = Op::madd(c8, c8, b);
    c9 = Op::madd(c9, c9, b), c10 = Op::madd(c10, c10, b), c11 = Op::madd(c11, c11, b);
    __asm__ volatile("" : "+v"(b));  // b stays unknown, so no product folds to a constant
  }
  // The results are used before the clock is read again: register-only work may otherwise be
  // scheduled past the closing read, and the probe would time less than it ran.
  __asm__ volatile("" : : "v"(c0), "v"(c1), "v"(c2), "v"(c3), "v"(c4), "v"(c5));
  __asm__ volatile("" : : "v"(c6), "v"(c7), "v"(c8), "v"(c9), "v"(c10), "v"(c11));
  const double seconds = monotonic_seconds() - begin;
  return static_cast<double>(rounds) * kPeakChains * products / seconds;
}

}  // namespace
}  // namespace tessera::kernels
