// AVX-512 F/BW/VL kernels: the quantized types from dot_x86_512.h with 512-bit vpmaddwd + vpaddd.
// Float weights and quantizers are AVX2's. No standard-library templates here (see
// matmul_avx2.cc).
#include <immintrin.h>

#include "kernels/cpu/dot_x86_512.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/kernels_x86.h"

namespace tessera::kernels {
namespace {

struct MaddAvx512 {
  static __m512i madd(__m512i acc, __m512i a, __m512i b) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
  }
};

}  // namespace

const KernelTable kAvx512Kernels = {
    .name = "avx512",
    .f32 = avx2::tile_f32,
    .f16 = avx2::tile_f16,
    .bf16 = avx2::tile_bf16,
    .q8_0 = tile_q8_0_512<MaddAvx512>,
    .q4_0 = tile_q4_0_512<MaddAvx512>,
    .q4_k = tile_q4_k_512<MaddAvx512>,
    .q6_k = tile_q6_k_512<MaddAvx512>,
    // The int8-activation K-quant kernels are the 256-bit ones (AVX2 vpmaddubsw); a 512-bit
    // version is future work.
    .q4_k_int8 = avx2::tile_q4_k_int8,
    .q6_k_int8 = avx2::tile_q6_k_int8,
    .quantize_act32 = avx2::quantize_act32,
    .quantize_act256 = avx2::quantize_act256,
    .quantize_act8 = avx2::quantize_act8,
    .peak_int16_macs = peak_madd_512<MaddAvx512>,
    .peak_f32_macs = avx2::peak_f32_macs,
};

}  // namespace tessera::kernels
