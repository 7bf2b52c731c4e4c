// Byte layouts of the quantized weight blocks as the kernels read them (ggml's on-disk layouts;
// src/tensor/q*.cc documents and decodes them, ../shared/reference/gguf-notes.md cites them).
// Offsets are constants rather than structs because rows come straight from a memory-mapped file
// with 1-byte alignment: kernels load fields with unaligned loads or memcpy.
//
// Included by the ISA-specific files (compiled with extra -m flags), so the helpers below live in
// an anonymous namespace: each file gets its own copy, built for its own instruction set, and no
// copy compiled for AVX-512 can be picked by the linker for a caller on an AVX2 machine.
#pragma once

#include <cstdint>
#include <cstring>

namespace tessera::kernels {

// Q8_0: {f16 d; i8 qs[32]}, value = qs[i]·d.
inline constexpr int kQ8_0Elements = 32;
inline constexpr int kQ8_0Bytes = 34;
inline constexpr int kQ8_0QsOffset = 2;

// Q4_0: {f16 d; u8 qs[16]}, element j < 16 in the low nibble of byte j, element j+16 in its high
// nibble; value = (q - 8)·d.
inline constexpr int kQ4_0Elements = 32;
inline constexpr int kQ4_0Bytes = 18;
inline constexpr int kQ4_0QsOffset = 2;
inline constexpr int kQ4_0Offset = 8;

// Q4_K: {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}; 8 sub-blocks of 32 with 6-bit scale sc and
// min m: value = d·sc·q - dmin·m. Each 32-byte run of qs holds sub-block 2c in its low nibbles
// and sub-block 2c+1 in its high nibbles.
inline constexpr int kQ4_KElements = 256;
inline constexpr int kQ4_KBytes = 144;
inline constexpr int kQ4_KDminOffset = 2;
inline constexpr int kQ4_KScalesOffset = 4;
inline constexpr int kQ4_KQsOffset = 16;
inline constexpr int kQ4_KSubBlocks = 8;

// Q6_K: {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}; 16 sub-blocks of 16, value =
// d·scale·(q - 32). Per 128-element half (ql += 64, qh += 32, scales += 8), for l < 32:
// element l = ql[l] low | qh[l] bits 0-1, l+32 = ql[l+32] low | bits 2-3,
// l+64 = ql[l] high | bits 4-5, l+96 = ql[l+32] high | bits 6-7 (the 2-bit parts above bit 4).
inline constexpr int kQ6_KElements = 256;
inline constexpr int kQ6_KBytes = 210;
inline constexpr int kQ6_KQhOffset = 128;
inline constexpr int kQ6_KScalesOffset = 192;
inline constexpr int kQ6_KDOffset = 208;
inline constexpr int kQ6_KOffset = 32;

namespace {  // NOLINT(build/namespaces): per-ISA copies on purpose, see above

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Q4_K's 6-bit scales and mins (ggml's get_scale_min_k4 packing): sub-blocks 0-3 keep sc and m
// in the low 6 bits of bytes j and j+4; sub-blocks 4-7 keep their low 4 bits in byte j+4 and
// their top 2 bits in the spare top bits of bytes j-4 (sc) and j (m).
inline void unpack_q4_k_scales(const uint8_t* packed, uint8_t* sc, uint8_t* m) {
  constexpr uint8_t kSixBits = 0x3f, kFourBits = 0x0f;
  for (int j = 0; j < 4; ++j) {
    sc[j] = packed[j] & kSixBits;
    m[j] = packed[j + 4] & kSixBits;
    sc[j + 4] = static_cast<uint8_t>((packed[j + 8] & kFourBits) | ((packed[j] >> 6) << 4));
    m[j + 4] = static_cast<uint8_t>((packed[j + 8] >> 4) | ((packed[j + 4] >> 6) << 4));
  }
}

// The same unpacking on 32-bit words, for the SIMD kernels: returns sc[0..7] in the low 8 bytes
// and m[0..7] in the high 8 bytes of `scales_mins` (bytes in element order). Per byte:
//   sc[0..3] = B[0..3] & 63,  sc[4..7] = (B[8..11] & 15) | (B[0..3] >> 6) << 4,
//   m[0..3]  = B[4..7] & 63,  m[4..7]  = (B[8..11] >> 4) | (B[4..7] >> 6) << 4;
// (B >> 6) << 4 of every byte at once is (word >> 2) & 0x30303030.
struct Q4KScalesMins {
  uint64_t sc;
  uint64_t m;
};
inline Q4KScalesMins unpack_q4_k_scales_words(const uint8_t* packed) {
  constexpr uint32_t kSixBits = 0x3f3f3f3f, kLowNibbles = 0x0f0f0f0f, kTopPairs = 0x30303030;
  uint32_t u[3];
  std::memcpy(u, packed, sizeof u);
  const uint32_t sc_lo = u[0] & kSixBits;
  const uint32_t sc_hi = (u[2] & kLowNibbles) | ((u[0] >> 2) & kTopPairs);
  const uint32_t m_lo = u[1] & kSixBits;
  const uint32_t m_hi = ((u[2] >> 4) & kLowNibbles) | ((u[1] >> 2) & kTopPairs);
  return {sc_lo | (static_cast<uint64_t>(sc_hi) << 32), m_lo | (static_cast<uint64_t>(m_hi) << 32)};
}

}  // namespace

}  // namespace tessera::kernels
