// IEEE binary16 and bfloat16 conversions, bit-exact with the conversions ggml uses on disk
// (round to nearest even; NaN stays NaN).
#pragma once

#include <cstdint>

namespace tessera {

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);

}  // namespace tessera
