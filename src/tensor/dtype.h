// Element types of weight tensors, numbered as ggml numbers them on disk, and one traits table that
// drives every per-type operation (block geometry, dequantize, quantize, reference dot product).
// Code elsewhere looks types up here instead of switching on DType.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera {

// Values are the ggml type ids stored in GGUF tensor infos.
enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ6_K = 14,
  kBF16 = 30,
};

struct DTypeTraits {
  DType type;
  const char* name;        // lower-case name as used on the CLI: "f32", "q4_k", ...
  int64_t block_elements;  // elements per block (1 for plain float types)
  int64_t block_bytes;     // bytes per block on disk
  bool quantized;          // block-quantized (not a plain float type)
  // Decode n elements (n a multiple of block_elements) from src into dst.
  void (*to_float)(const void* src, float* dst, int64_t n);
  // Encode n elements (n a multiple of block_elements) from src into dst.
  void (*from_float)(const float* src, void* dst, int64_t n);
  // Reference dot product of n encoded elements with n floats, accumulated in double.
  // Plain and obviously correct; fast kernels are tested against it.
  double (*dot_ref)(const void* encoded, const float* x, int64_t n);
};

// Traits of a supported type, or nullptr.
const DTypeTraits* dtype_traits(DType type);
// Maps a raw ggml type id to a supported DType; an error names the id (and the ggml name if known).
Result<DType> dtype_from_ggml_id(uint32_t id);
// Parses a CLI name ("f32", "F16", "q8_0", "Q4_K", ...).
Result<DType> dtype_from_name(std::string_view name);
// Name of a ggml type id even where Tessera cannot decode it ("q5_k"), for error messages.
std::string ggml_type_name(uint32_t id);
const char* dtype_name(DType type);

// Bytes that n elements occupy on disk; n must be a multiple of the block size.
int64_t dtype_bytes(DType type, int64_t n_elements);
// Whether rows of this length can be stored in the type (row length divisible by the block size).
bool dtype_fits_row(DType type, int64_t row_elements);

}  // namespace tessera
