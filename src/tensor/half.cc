// Bit-level conversions between binary32 and the two 16-bit float formats found in GGUF files.
// Plain integer arithmetic rather than _Float16 / F16C, so the result is the same on every
// compiler and CPU, and exact: every binary16 and bfloat16 value is representable in binary32,
// and the narrowing direction rounds to nearest, ties to even, as IEEE 754 and ggml do.
#include "tensor/half.h"

#include <bit>

namespace tessera {
namespace {

// binary32 fields.
constexpr uint32_t kF32SignMask = 0x80000000u;
constexpr uint32_t kF32AbsMask = 0x7fffffffu;
constexpr uint32_t kF32ExpMask = 0x7f800000u;  // also the bits of +inf
constexpr uint32_t kF32MantMask = 0x007fffffu;
constexpr int kF32MantBits = 23;
constexpr int kF32Bias = 127;

// binary16 fields.
constexpr uint32_t kF16ExpMask = 0x7c00u;  // also the bits of +inf
constexpr uint32_t kF16MantMask = 0x03ffu;
constexpr uint32_t kF16QuietBit = 0x0200u;
constexpr int kF16MantBits = 10;
constexpr int kF16Bias = 15;
constexpr int kF16MaxBiasedExp = 31;  // all ones: inf / NaN

// Mantissa bits dropped when narrowing f32 -> f16, and the exponent rebias between them.
constexpr int kF32ToF16MantShift = kF32MantBits - kF16MantBits;  // 13
constexpr int kBiasDelta = kF32Bias - kF16Bias;                  // 112

// bfloat16 is the top half of a binary32.
constexpr int kBf16Shift = 16;
constexpr uint32_t kBf16QuietBit = 0x0040u;

uint32_t bits_of(float f) { return std::bit_cast<uint32_t>(f); }
float float_of(uint32_t bits) { return std::bit_cast<float>(bits); }

// Shifts `value` right by `shift` (1..31) bits, rounding to nearest with ties to even.
uint32_t shift_right_round_even(uint32_t value, int shift) {
  const uint32_t kept = value >> shift;
  const uint32_t rest = value & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (kept & 1u))) return kept + 1u;
  return kept;
}

}  // namespace

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const int exp = (h & kF16ExpMask) >> kF16MantBits;
  uint32_t mant = h & kF16MantMask;

  if (exp == kF16MaxBiasedExp) {
    // Inf keeps a zero mantissa; a NaN keeps its payload (and hence stays a NaN).
    return float_of(sign | kF32ExpMask | (mant << kF32ToF16MantShift));
  }
  if (exp == 0) {
    if (mant == 0) return float_of(sign);  // +-0
    // Subnormal: mant * 2^-24. Normalise so the leading one becomes the implicit bit.
    int e = 1 - kF16Bias;  // exponent of a subnormal's scale, 2^-14
    while ((mant & (1u << kF16MantBits)) == 0) {
      mant <<= 1;
      --e;
    }
    mant &= kF16MantMask;
    return float_of(sign | (static_cast<uint32_t>(e + kF32Bias) << kF32MantBits) |
                    (mant << kF32ToF16MantShift));
  }
  return float_of(sign | (static_cast<uint32_t>(exp + kBiasDelta) << kF32MantBits) |
                  (mant << kF32ToF16MantShift));
}

uint16_t f32_to_f16(float f) {
  const uint32_t bits = bits_of(f);
  const uint32_t sign = (bits & kF32SignMask) >> 16;
  const uint32_t abs = bits & kF32AbsMask;
  const int exp = static_cast<int>(abs >> kF32MantBits);

  if (abs >= kF32ExpMask) {
    if (abs == kF32ExpMask) return static_cast<uint16_t>(sign | kF16ExpMask);  // +-inf
    // NaN: keep the top payload bits and set the quiet bit (as IEEE conversion and x86 F16C
    // do), which also guarantees the result is a NaN even if the kept payload bits are zero.
    const uint32_t payload = (abs & kF32MantMask) >> kF32ToF16MantShift;
    return static_cast<uint16_t>(sign | kF16ExpMask | kF16QuietBit | payload);
  }

  const int f16_exp = exp - kBiasDelta;
  if (f16_exp >= kF16MaxBiasedExp) return static_cast<uint16_t>(sign | kF16ExpMask);  // overflow

  if (f16_exp <= 0) {
    // Result is subnormal (or zero): the value in units of the smallest subnormal 2^-24 is
    // full_mant * 2^(exp - 150 + 24), i.e. full_mant >> (126 - exp).
    const int shift = (kF32Bias - 1) - exp;
    // Beyond 24 bits even the largest mantissa is below half a unit: rounds to zero. This also
    // covers f32 zeros and subnormals (exp == 0).
    constexpr int kMaxUsefulShift = kF32MantBits + 1;
    if (shift > kMaxUsefulShift) return static_cast<uint16_t>(sign);
    const uint32_t full_mant = (abs & kF32MantMask) | (1u << kF32MantBits);
    // May round up to 0x400, which is exactly the encoding of the smallest normal.
    return static_cast<uint16_t>(sign | shift_right_round_even(full_mant, shift));
  }

  // Normal: rebias the exponent and round the mantissa. A carry out of the mantissa correctly
  // bumps the exponent, and from the largest finite value it lands on inf (0x7c00).
  const uint32_t unrounded =
      (static_cast<uint32_t>(f16_exp) << kF32MantBits) | (abs & kF32MantMask);
  return static_cast<uint16_t>(sign | shift_right_round_even(unrounded, kF32ToF16MantShift));
}

float bf16_to_f32(uint16_t h) { return float_of(static_cast<uint32_t>(h) << kBf16Shift); }

uint16_t f32_to_bf16(float f) {
  const uint32_t bits = bits_of(f);
  if ((bits & kF32AbsMask) > kF32ExpMask) {
    // NaN: truncating could clear every payload bit left and make an inf; force the quiet bit.
    return static_cast<uint16_t>((bits >> kBf16Shift) | kBf16QuietBit);
  }
  // Round to nearest even on the dropped 16 bits; overflow carries into inf naturally.
  const uint32_t rounding = 0x7fffu + ((bits >> kBf16Shift) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> kBf16Shift);
}

}  // namespace tessera
