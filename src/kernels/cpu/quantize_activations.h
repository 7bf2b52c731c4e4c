// Activations quantized on the fly to int16 blocks, so that quantized weights meet them in integer
// dot products (vpmaddwd / vpdpwssd: int16 × int16 summed in pairs into int32). Two layouts, by
// the weight type's block size (see kernel_table.h):
//
//   ActBlock32  (Q8_0, Q4_0 weights): 32 values and one float scale d. All blocks of a row carry
//               the same d (the row's max|x| / 32767): the weight's own per-block scale then is
//               the only float factor inside the loop and a kernel applies d once per row, which
//               saves a multiply and a broadcast per block, row and token. Int16 has the room:
//               even an outlier 100× the row's typical value leaves that value ~300 codes.
//   ActBlock256 (Q4_K, Q6_K weights): 256 values, one float scale d, and the sum of each run of 32
//               values (Q4_K's sub-blocks), which its mins multiply.
//
//   ActBlock8   (Q4_K, Q6_K weights with int8 activations, see ActivationPrecision in
//               cpu_features.h): 256 values as int8, one float scale d = max|x| / 127, and the
//               sum of each run of 16 (Q6_K's sub-blocks; Q4_K adds pairs). Half the bytes of
//               ActBlock256 and one vpmaddubsw per 32 products.
//
// ActBlock32 and ActBlock256 quantize symmetrically: d = max|x| / 32767 (over the row for
// ActBlock32, over the block for ActBlock256), q = round-to-nearest-even(x · (1/d)), so q lies in
// [-32767, 32767] and never is -32768. An all-zero row (ActBlock32) or block (ActBlock256) gets d =
// 0 and q = 0.
//
// Why 16 bits and not 8: int8 activations (step max|x|/127) move logits by ~1% of their spread,
// which flips the top-1 token at 2-6% of positions of the synthetic models the NumPy oracle test
// checks (tests/reference/test_llama_forward.py wants ≥ 99% agreement). Int16 moves them by ~4e-5.
// On AVX2 the int16 product costs no more than int8's (maddubs needs a sign trick and a second
// madd to reach int32 where one vpmaddwd does); see kernel_table.h for the overflow bounds.
//
// Every kernel variant uses exactly these values; the SIMD quantizers in the ISA files produce the
// same bytes as the scalar ones here. This header is included by the ISA-specific files, which are
// compiled with extra -m flags: it holds only types, constants and declarations — no inline
// functions, whose one linked copy might carry instructions the CPU lacks.
#pragma once

#include <cstdint>

namespace tessera::kernels {

inline constexpr int kActBlock32Elements = 32;
inline constexpr int kActBlock256Elements = 256;
inline constexpr int kActRunElements = 32;  // ActBlock256::sums covers runs of this many
inline constexpr int kActRuns = kActBlock256Elements / kActRunElements;
inline constexpr float kActMaxCode = 32767.0f;

struct ActBlock32 {
  int16_t qs[kActBlock32Elements];
  float d;  // value ≈ qs[i] · d
};
static_assert(sizeof(ActBlock32) == 68);

struct ActBlock256 {
  int16_t qs[kActBlock256Elements];
  float d;                 // value ≈ qs[i] · d
  int32_t sums[kActRuns];  // sums[j] = Σ qs[32j .. 32j+31]
};
static_assert(sizeof(ActBlock256) == 548);

inline constexpr int kAct8RunElements = 16;  // ActBlock8::sums covers runs of this many
inline constexpr int kAct8Runs = kActBlock256Elements / kAct8RunElements;
inline constexpr float kAct8MaxCode = 127.0f;

struct ActBlock8 {
  int8_t qs[kActBlock256Elements];
  float d;                  // value ≈ qs[i] · d
  int16_t sums[kAct8Runs];  // sums[j] = Σ qs[16j .. 16j+15], |sums| ≤ 2032
};
static_assert(sizeof(ActBlock8) == 292);

// Quantizes one row of n floats (n a multiple of the block size) into n / block-size blocks.
void quantize_row_act32(const float* x, ActBlock32* out, int64_t n);
void quantize_row_act256(const float* x, ActBlock256* out, int64_t n);
// d = max|x| / 127 per block, q = round-to-nearest-even(x · (1/d)) in [-127, 127].
void quantize_row_act8(const float* x, ActBlock8* out, int64_t n);

}  // namespace tessera::kernels
