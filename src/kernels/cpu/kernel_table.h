// The kernels of one instruction-set variant, as a table of function pointers that matmul.cc
// picks from at run time (cpu_features.h decides which table may run). One entry per weight type;
// the tables live in the files that implement them:
//   kScalarKernels      dot_scalar.cc         plain C++ (the reference for the integer math)
//   kAvx2Kernels        matmul_avx2.cc        AVX2 + FMA + F16C: vpmaddwd
//   kAvxVnniKernels     matmul_avxvnni.cc     + AVX-VNNI: 256-bit vpdpwssd
//   kAvx512Kernels      matmul_avx512.cc      AVX-512 F/BW/VL: 512-bit vpmaddwd
//   kAvx512VnniKernels  matmul_avx512vnni.cc  + AVX-512 VNNI: 512-bit vpdpwssd
//
// The quantized kernels widen each weight block to int16 once per row (Q8_0: q; Q4_0: q - 8;
// Q4_K: q·sc; Q6_K: (q - 32)·sc) and multiply it with every token's int16 activations
// (quantize_activations.h), summing pairs into int32 lanes that are converted to float once per
// block (Q8_0, Q4_0), super-block (Q4_K) or half super-block (Q6_K on 256 bits). The int32 lanes
// cannot overflow: with |x| ≤ 32767 a lane adds at most
//   Q8_0  4 products of |w| ≤ 128             ≤ 1.7e7
//   Q4_K  32 products of |q·sc| ≤ 15·63        ≤ 9.9e8
//   Q6_K  16 products of |(q-32)·sc| ≤ 32·128  = 2 147 418 112 < 2^31 - 1
// Float weights keep float activations and FMA in f32.
//
// Q4_K and Q6_K also have kernels for int8 activations (ActBlock8), chosen by
// ActivationPrecision (cpu_features.h): vpmaddubsw multiplies the unsigned codes with the int8
// activations into int16 pairs (≤ 2·15·127 for Q4_K, 2·63·127 = 16002 for Q6_K: no saturation),
// vpmaddwd applies the sub-block scale into int32 (≤ 8 such lanes per super-block for Q6_K:
// ≤ 3.3e7). Q6_K's offset of 32 is taken off once per sub-block through the activation sums,
// Q4_K's mins likewise.
//
// Included by the ISA-specific files: types, constants and declarations only (see the note in
// quantize_activations.h).
#pragma once

#include <cstdint>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/quantize_activations.h"

namespace tessera::kernels {

// A block of the product y[t][o] = Σ_i W[o][i]·x[t][i]: rows r < n_rows of W starting at `w`,
// tokens t < n_tokens of the activations starting at `x`.
struct MatmulTile {
  const uint8_t* w;     // weight row 0, in the weight type's encoding
  int64_t w_row_bytes;  // distance between weight rows
  const void* x;        // activation row 0: floats or ActBlock32/ActBlock256, see ActFormat
  int64_t x_row_bytes;  // distance between activation rows
  int64_t n_in;         // elements per row (a multiple of the weight's block size)
  float* y;             // y[t * y_stride + r]
  int64_t y_stride;
};

// Computes the n_rows × n_tokens outputs of `tile`. Weights are read once per group of up to
// four tokens and stay in cache while the group's tokens use them.
using TileFn = void (*)(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens);

// What the activations of a weight type look like when they reach its TileFn.
enum class ActFormat { kF32, kAct32, kAct256, kAct8 };

struct KernelTable {
  const char* name;
  TileFn f32;        // activations kF32
  TileFn f16;        // kF32
  TileFn bf16;       // kF32
  TileFn q8_0;       // kAct32
  TileFn q4_0;       // kAct32
  TileFn q4_k;       // kAct256
  TileFn q6_k;       // kAct256
  TileFn q4_k_int8;  // kAct8; nullptr where the variant has none (the int16 kernel runs)
  TileFn q6_k_int8;  // kAct8
  void (*quantize_act32)(const float* x, ActBlock32* out, int64_t n);
  void (*quantize_act256)(const float* x, ActBlock256* out, int64_t n);
  void (*quantize_act8)(const float* x, ActBlock8* out, int64_t n);
  // The arithmetic ceiling of one core for this variant, in multiply-accumulates per second:
  // `rounds` rounds of kPeakChains independent accumulator chains of the instruction its quantized
  // kernels multiply with (int16 pairs into int32) and of its float kernels' f32 FMA. nullptr in
  // the scalar table, whose speed is the compiler's.
  double (*peak_int16_macs)(int64_t rounds);
  double (*peak_f32_macs)(int64_t rounds);
};

// Chains per peak round: enough independent accumulators to cover latency × throughput of the
// multiply-add instructions on current x86 cores (at most 5 cycles × 2 per cycle).
inline constexpr int kPeakChains = 12;

// The table of a variant (nullptr for kReference, which has none). Defined in matmul.cc; the
// caller checks isa_supported() before running anything from it.
const KernelTable* kernel_table(KernelIsa isa);

extern const KernelTable kScalarKernels;
#if defined(__x86_64__)
extern const KernelTable kAvx2Kernels;
extern const KernelTable kAvxVnniKernels;
extern const KernelTable kAvx512Kernels;
extern const KernelTable kAvx512VnniKernels;
#endif

}  // namespace tessera::kernels
