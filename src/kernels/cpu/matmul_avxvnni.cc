// AVX-VNNI kernels (AVX2 + the VEX-encoded 256-bit vpdpwssd, e.g. Intel Alder Lake and later, AMD
// Zen 5): vpdpwssd fuses dot_x86_256.h's vpmaddwd + vpaddd. Float weights and quantizers are
// AVX2's. No standard-library templates in this file (see matmul_avx2.cc).
#include <immintrin.h>

#include "kernels/cpu/dot_x86_256.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/kernels_x86.h"
#include "kernels/cpu/q8_0_x86_256.h"

namespace tessera::kernels {
namespace {

struct MaddAvxVnni {
  static __m256i madd(__m256i acc, __m256i a, __m256i b) {
    return _mm256_dpwssd_avx_epi32(acc, a, b);
  }
};

}  // namespace

const KernelTable kAvxVnniKernels = {
    .name = "avxvnni",
    .f32 = avx2::tile_f32,
    .f16 = avx2::tile_f16,
    .bf16 = avx2::tile_bf16,
    .q8_0 = tile_q8_0_256<MaddAvxVnni>,
    .q4_0 = tile_q4_0_256<MaddAvxVnni>,
    .q4_k = tile_q4_k_256<MaddAvxVnni>,
    .q6_k = tile_q6_k_256<MaddAvxVnni>,
    .q4_k_int8 = avx2::tile_q4_k_int8,
    .q6_k_int8 = avx2::tile_q6_k_int8,
    .quantize_act32 = avx2::quantize_act32,
    .quantize_act256 = avx2::quantize_act256,
    .quantize_act8 = avx2::quantize_act8,
    .peak_int16_macs = peak_madd_256<MaddAvxVnni>,
    .peak_f32_macs = avx2::peak_f32_macs,
};

}  // namespace tessera::kernels
