// Helpers shared by the per-type codecs (see codecs.h).
#include <cmath>
#include <vector>

#include "tensor/codecs.h"

namespace tessera::codecs {

int round_to_int(float value) { return static_cast<int>(std::lrint(value)); }

double dot_by_blocks(ToFloatFn to_float, int64_t block_elements, int64_t block_bytes,
                     const void* encoded, const float* x, int64_t n) {
  const auto* block = static_cast<const uint8_t*>(encoded);
  std::vector<float> decoded(static_cast<size_t>(block_elements));
  double sum = 0.0;
  for (int64_t start = 0; start < n; start += block_elements) {
    to_float(block, decoded.data(), block_elements);
    for (int64_t i = 0; i < block_elements; ++i) {
      sum +=
          static_cast<double>(decoded[static_cast<size_t>(i)]) * static_cast<double>(x[start + i]);
    }
    block += block_bytes;
  }
  return sum;
}

}  // namespace tessera::codecs
