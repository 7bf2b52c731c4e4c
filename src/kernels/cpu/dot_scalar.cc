// Plain C++ kernels: the same quantized-activation math as the SIMD variants, one element at a
// time. They are the reference the SIMD kernels are tested against (equal up to the order of
// float additions) and the fallback on x86-64 CPUs without AVX2 or on other architectures.
#include <cstring>

#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/weight_blocks.h"
#include "tensor/half.h"

namespace tessera::kernels {
namespace {

float f16_at(const uint8_t* p) { return f16_to_f32(load_u16(p)); }

// Σ over blocks of (float)(integer block dot) · (d_w · d_x), in float, block by block.
float dot_q8_0(const uint8_t* w, const ActBlock32* x, int64_t n_blocks) {
  float acc = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b, w += kQ8_0Bytes) {
    const auto* qs = reinterpret_cast<const int8_t*>(w + kQ8_0QsOffset);
    int32_t isum = 0;
    for (int i = 0; i < kQ8_0Elements; ++i) isum += qs[i] * x[b].qs[i];
    acc += static_cast<float>(isum) * (f16_at(w) * x[b].d);
  }
  return acc;
}

float dot_q4_0(const uint8_t* w, const ActBlock32* x, int64_t n_blocks) {
  constexpr int kHalf = kQ4_0Elements / 2;
  float acc = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b, w += kQ4_0Bytes) {
    const uint8_t* qs = w + kQ4_0QsOffset;
    int32_t isum = 0;
    for (int j = 0; j < kHalf; ++j) {
      isum += ((qs[j] & 0x0f) - kQ4_0Offset) * x[b].qs[j] +
              ((qs[j] >> 4) - kQ4_0Offset) * x[b].qs[j + kHalf];
    }
    acc += static_cast<float>(isum) * (f16_at(w) * x[b].d);
  }
  return acc;
}

// Per super-block: isum = Σ_j sc_j·(Σ q·x over sub-block j), imin = Σ_j m_j·(Σ x over j);
// acc += (d·dx)·isum - (dmin·dx)·imin. isum needs 64 bits here (the SIMD kernels split it
// across lanes that each stay in int32, see kernel_table.h).
float dot_q4_k(const uint8_t* w, const ActBlock256* x, int64_t n_blocks) {
  constexpr int kSub = kQ4_KElements / kQ4_KSubBlocks;  // 32
  float acc = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b, w += kQ4_KBytes) {
    uint8_t sc[kQ4_KSubBlocks], m[kQ4_KSubBlocks];
    unpack_q4_k_scales(w + kQ4_KScalesOffset, sc, m);
    const uint8_t* qs = w + kQ4_KQsOffset;
    int64_t isum = 0, imin = 0;
    for (int j = 0; j < kQ4_KSubBlocks; ++j) {
      // Sub-block j: byte run j/2, low nibbles for even j, high for odd.
      const uint8_t* run = qs + (j / 2) * kSub;
      const int shift = (j % 2) * 4;
      int64_t sub = 0;
      for (int i = 0; i < kSub; ++i) sub += ((run[i] >> shift) & 0x0f) * x[b].qs[j * kSub + i];
      isum += sc[j] * sub;
      imin += m[j] * static_cast<int64_t>(x[b].sums[j]);
    }
    const float dx = x[b].d;
    acc += (f16_at(w) * dx) * static_cast<float>(isum) -
           (f16_at(w + kQ4_KDminOffset) * dx) * static_cast<float>(imin);
  }
  return acc;
}

// Per super-block: isum = Σ_j scale_j·(Σ (q - 32)·x over sub-block j); acc += (d·dx)·isum.
float dot_q6_k(const uint8_t* w, const ActBlock256* x, int64_t n_blocks) {
  constexpr int kHalfElements = 128, kQuarter = 32, kSub = 16;
  float acc = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b, w += kQ6_KBytes) {
    const auto* scales = reinterpret_cast<const int8_t*>(w + kQ6_KScalesOffset);
    int64_t isum = 0;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = w + half * 64;
      const uint8_t* qh = w + kQ6_KQhOffset + half * 32;
      for (int l = 0; l < kQuarter; ++l) {
        for (int part = 0; part < 4; ++part) {
          const int low = (ql[l + (part % 2) * kQuarter] >> (part < 2 ? 0 : 4)) & 0x0f;
          const int high = (qh[l] >> (2 * part)) & 0x03;
          const int e = half * kHalfElements + part * kQuarter + l;
          isum += static_cast<int64_t>(scales[e / kSub]) * ((low | (high << 4)) - kQ6_KOffset) *
                  x[b].qs[e];
        }
      }
    }
    acc += (f16_at(w + kQ6_KDOffset) * x[b].d) * static_cast<float>(isum);
  }
  return acc;
}

// The int8-activation forms: the same sums over ActBlock8 (runs of 16 in `sums`).
float dot_q4_k_int8(const uint8_t* w, const ActBlock8* x, int64_t n_blocks) {
  constexpr int kSub = kQ4_KElements / kQ4_KSubBlocks;  // 32
  float acc = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b, w += kQ4_KBytes) {
    uint8_t sc[kQ4_KSubBlocks], m[kQ4_KSubBlocks];
    unpack_q4_k_scales(w + kQ4_KScalesOffset, sc, m);
    const uint8_t* qs = w + kQ4_KQsOffset;
    int32_t isum = 0, imin = 0;
    for (int j = 0; j < kQ4_KSubBlocks; ++j) {
      const uint8_t* run = qs + (j / 2) * kSub;
      const int shift = (j % 2) * 4;
      int32_t sub = 0;
      for (int i = 0; i < kSub; ++i) sub += ((run[i] >> shift) & 0x0f) * x[b].qs[j * kSub + i];
      isum += sc[j] * sub;
      imin += m[j] * (x[b].sums[2 * j] + x[b].sums[2 * j + 1]);
    }
    const float dx = x[b].d;
    acc += (f16_at(w) * dx) * static_cast<float>(isum) -
           (f16_at(w + kQ4_KDminOffset) * dx) * static_cast<float>(imin);
  }
  return acc;
}

float dot_q6_k_int8(const uint8_t* w, const ActBlock8* x, int64_t n_blocks) {
  constexpr int kHalfElements = 128, kQuarter = 32, kSub = 16;
  float acc = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b, w += kQ6_KBytes) {
    const auto* scales = reinterpret_cast<const int8_t*>(w + kQ6_KScalesOffset);
    int32_t isum = 0;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = w + half * 64;
      const uint8_t* qh = w + kQ6_KQhOffset + half * 32;
      for (int l = 0; l < kQuarter; ++l) {
        for (int part = 0; part < 4; ++part) {
          const int low = (ql[l + (part % 2) * kQuarter] >> (part < 2 ? 0 : 4)) & 0x0f;
          const int high = (qh[l] >> (2 * part)) & 0x03;
          const int e = half * kHalfElements + part * kQuarter + l;
          isum += scales[e / kSub] * (low | (high << 4)) * x[b].qs[e];
        }
      }
    }
    int32_t offset = 0;  // Σ_j scale_j · 32 · Σ x over sub-block j
    for (int j = 0; j < kQ6_KElements / kSub; ++j) offset += scales[j] * x[b].sums[j];
    isum -= kQ6_KOffset * offset;
    acc += (f16_at(w + kQ6_KDOffset) * x[b].d) * static_cast<float>(isum);
  }
  return acc;
}

// Float weights keep float activations: decode a slice of the row, dot it with dot_f32.
constexpr int64_t kDecodeSlice = 256;

template <float (*kDecode)(const uint8_t*), int kBytes>
float dot_float_weights(const uint8_t* w, const float* x, int64_t n) {
  float slice[kDecodeSlice];
  float acc = 0.0f;
  for (int64_t i = 0; i < n; i += kDecodeSlice) {
    const int64_t len = n - i < kDecodeSlice ? n - i : kDecodeSlice;
    for (int64_t k = 0; k < len; ++k) slice[k] = kDecode(w + kBytes * (i + k));
    acc += dot_f32(slice, x + i, len);
  }
  return acc;
}

float decode_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
float decode_f16(const uint8_t* p) { return f16_to_f32(load_u16(p)); }
float decode_bf16(const uint8_t* p) { return bf16_to_f32(load_u16(p)); }

// Every row with every token; no register blocking (this is the plain version).
template <class Act, float (*kDot)(const uint8_t*, const Act*, int64_t), int kBlockElements>
void tile_scalar(const MatmulTile& tile, int64_t n_rows, int64_t n_tokens) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    const auto* x =
        reinterpret_cast<const Act*>(static_cast<const uint8_t*>(tile.x) + t * tile.x_row_bytes);
    for (int64_t r = 0; r < n_rows; ++r) {
      tile.y[t * tile.y_stride + r] =
          kDot(tile.w + r * tile.w_row_bytes, x, tile.n_in / kBlockElements);
    }
  }
}

}  // namespace

const KernelTable kScalarKernels = {
    .name = "scalar",
    .f32 = tile_scalar<float, dot_float_weights<decode_f32, 4>, 1>,
    .f16 = tile_scalar<float, dot_float_weights<decode_f16, 2>, 1>,
    .bf16 = tile_scalar<float, dot_float_weights<decode_bf16, 2>, 1>,
    .q8_0 = tile_scalar<ActBlock32, dot_q8_0, kQ8_0Elements>,
    .q4_0 = tile_scalar<ActBlock32, dot_q4_0, kQ4_0Elements>,
    .q4_k = tile_scalar<ActBlock256, dot_q4_k, kQ4_KElements>,
    .q6_k = tile_scalar<ActBlock256, dot_q6_k, kQ6_KElements>,
    .q4_k_int8 = tile_scalar<ActBlock8, dot_q4_k_int8, kQ4_KElements>,
    .q6_k_int8 = tile_scalar<ActBlock8, dot_q6_k_int8, kQ6_KElements>,
    .quantize_act32 = quantize_row_act32,
    .quantize_act256 = quantize_row_act256,
    .quantize_act8 = quantize_row_act8,
    .peak_int16_macs = nullptr,
    .peak_f32_macs = nullptr,
};

}  // namespace tessera::kernels
