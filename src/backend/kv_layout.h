// How a paged KV cache sits in a backend's memory: blocks of kKvBlockTokens positions, each block
// laid out [K|V][layer][row][kv_dim] in F32, block b starting at b · block_stride(). A sequence's
// block table lists its block ids in position order; position p lives in block table[p / 16], row
// p % 16. This is the layout the backends' attention and kv_store consume.
#pragma once

#include <cstdint>

namespace tessera {

// Positions per block: vLLM's default. Small enough that a short request wastes little, large
// enough that attention walks long runs of contiguous rows.
inline constexpr int64_t kKvBlockTokens = 16;

// Blocks start this many bytes apart at least: a page on the CPU, so a freed block's pages can
// be returned on their own; more than enough alignment for any GPU kernel.
inline constexpr uint64_t kKvBlockAlignment = 4096;

struct KvLayout {
  int64_t n_layers = 0;
  int64_t kv_dim = 0;

  uint64_t block_floats() const {
    return 2 * static_cast<uint64_t>(n_layers) * kKvBlockTokens * static_cast<uint64_t>(kv_dim);
  }
  uint64_t block_bytes() const { return block_floats() * sizeof(float); }
  // Floats from one block's start to the next's: block_floats() rounded up to kKvBlockAlignment.
  uint64_t block_stride() const {
    const uint64_t align = kKvBlockAlignment / sizeof(float);
    return (block_floats() + align - 1) / align * align;
  }
  // Offset in floats of (layer, which = 0 keys / 1 values) rows inside a block.
  uint64_t rows_offset(int64_t layer, int which) const {
    return static_cast<uint64_t>((which * n_layers + layer) * kKvBlockTokens * kv_dim);
  }
};

inline int64_t kv_blocks_for(int64_t positions) {
  return (positions + kKvBlockTokens - 1) / kKvBlockTokens;
}

}  // namespace tessera
