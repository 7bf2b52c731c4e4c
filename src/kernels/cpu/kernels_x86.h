// Entry points of the AVX2 file that the other x86 variants' tables reuse: float weights (f32
// FMA throughout), the K-quants against int8 activations (vpmaddubsw) and the activation
// quantizers. Only ever called through a table whose ISA the
// CPU supports (AVX2 is part of every x86 table).
#pragma once

#include <cstdint>

#include "kernels/cpu/kernel_table.h"

namespace tessera::kernels::avx2 {

void tile_f32(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens);
void tile_f16(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens);
void tile_bf16(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens);
void tile_q4_k_int8(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens);
void tile_q6_k_int8(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens);
void quantize_act32(const float* x, ActBlock32* out, int64_t n);
void quantize_act256(const float* x, ActBlock256* out, int64_t n);
void quantize_act8(const float* x, ActBlock8* out, int64_t n);
double peak_f32_macs(int64_t rounds);

}  // namespace tessera::kernels::avx2
