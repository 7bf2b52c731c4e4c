// Bounds the GGUF reader and writer enforce. They are generous for real models (the largest
// vocabularies have ~256k tokens; chat templates are a few KiB) and stop malformed files from
// asking for absurd allocations or recursion.
#pragma once

#include <cstdint>

#include "gguf/value.h"

namespace tessera::gguf {

inline constexpr uint64_t kMaxKeyBytes = 65535;
inline constexpr uint64_t kMaxStringBytes = uint64_t{1} << 30;  // 1 GiB
inline constexpr uint64_t kMaxTensorNameBytes = 63;  // ggml's GGML_MAX_NAME minus the NUL
// Decoded metadata costs ~48 bytes per array element whatever its width, so the budget is per file
// (all arrays together), keeping a hostile file's metadata under ~200 MiB of memory. The largest
// real vocabularies (256k tokens, with scores, types and merges) use about 1M.
inline constexpr uint64_t kMaxArrayElementsPerFile = uint64_t{1} << 22;
inline constexpr int kMaxArrayNesting = 8;
inline constexpr uint64_t kMaxAlignment = uint64_t{1} << 16;

// The smallest encodings: a tensor info is a name (u64 length) + n_dims (u32) + one dim (u64) +
// type (u32) + offset (u64); a key-value is a key (u64 length, at least one byte) + type (u32) +
// one byte of value.
inline constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;
inline constexpr uint64_t kMinKeyValueBytes = 8 + 1 + 4 + 1;

// Minimum bytes one element of this type occupies on disk (strings: the length prefix; arrays:
// their element type and count).
inline uint64_t min_encoded_bytes(ValueType type) {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
    case ValueType::kString:
      return 8;
    case ValueType::kArray:
      return 4 + 8;
  }
  return 1;
}

}  // namespace tessera::gguf
