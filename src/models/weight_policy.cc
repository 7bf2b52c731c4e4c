#include "models/weight_policy.h"

#include <string_view>

namespace tessera {

bool is_weight_matrix(const std::string& name, const std::vector<int64_t>& dims) {
  if (dims.size() != 2) return false;
  constexpr std::string_view kSuffix = ".weight";
  if (name.size() < kSuffix.size() ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return false;
  }
  if (name.find("_norm.") != std::string::npos) return false;
  // Encoder lookup tables with a handful of rows: quantizing them saves nothing and costs accuracy.
  return name != "token_types.weight" && name != "position_embd.weight";
}

DType storage_type_for_row(DType requested, int64_t row_elements) {
  if (dtype_fits_row(requested, row_elements)) return requested;
  const DTypeTraits* traits = dtype_traits(requested);
  // Types of at most 4.5 bits per weight fall back to Q4_0; wider ones to Q8_0.
  constexpr double kFourBitClassMaxBits = 5.0;
  const double bits_per_weight =
      8.0 * static_cast<double>(traits->block_bytes) / static_cast<double>(traits->block_elements);
  const DType fallback = bits_per_weight < kFourBitClassMaxBits ? DType::kQ4_0 : DType::kQ8_0;
  if (dtype_fits_row(fallback, row_elements)) return fallback;
  return DType::kF16;
}

uint32_t llama_file_type(DType type) {
  switch (type) {
    case DType::kF32:
      return 0;
    case DType::kF16:
      return 1;
    case DType::kQ4_0:
      return 2;
    case DType::kQ8_0:
      return 7;
    case DType::kQ4_K:
      return 15;
    case DType::kQ6_K:
      return 18;
    case DType::kBF16:
      return 32;
  }
  return 0;
}

}  // namespace tessera
