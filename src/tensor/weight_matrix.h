// A weight matrix as GGUF lays out a Linear [out, in]: `out` rows of `in` elements each, kept in
// its storage type. `data` is memory of the backend that placed it (the file's mapping on the CPU).
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace tessera {

struct WeightMatrix {
  const void* data = nullptr;
  DType type = DType::kF32;
  int64_t in = 0;   // row length (GGUF dims[0])
  int64_t out = 0;  // number of rows (GGUF dims[1])

  int64_t row_bytes() const { return dtype_bytes(type, in); }
  uint64_t bytes() const { return static_cast<uint64_t>(row_bytes() * out); }
  const uint8_t* row(int64_t r) const {
    return static_cast<const uint8_t*>(data) + r * row_bytes();
  }
  // Rows [first, first + count) as a matrix of their own: rows are independent in every storage
  // type (blocks never straddle rows), so a fused matrix (attn_qkv) splits without a copy.
  WeightMatrix rows(int64_t first, int64_t count) const {
    return WeightMatrix{row(first), type, in, count};
  }
};

}  // namespace tessera
