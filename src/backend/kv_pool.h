// A pool of KV blocks (kv_layout.h) in one Backend buffer: blocks are named by int32 ids, handed
// out and taken back in O(1), and a taken-back block's memory is discarded (on the CPU its pages
// return to the system at once). The buffer is allocated up front for `capacity` blocks but costs
// only what is written (the CPU maps it lazily); the bytes in use are paid for by whoever admits
// sequences (runtime/slice_kv_cache.h reserves them in the slice's Arena first).
//
// Not thread-safe: its owner (KvCache) serializes allocate/release.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/buffer.h"
#include "backend/kv_layout.h"
#include "base/status.h"

namespace tessera {

class KvBlockPool {
 public:
  static Result<std::unique_ptr<KvBlockPool>> create(Backend& backend, const KvLayout& layout,
                                                     int64_t capacity_blocks,
                                                     std::string_view what);

  const KvLayout& layout() const { return layout_; }
  int64_t capacity() const { return capacity_; }
  int64_t in_use() const { return next_fresh_ - static_cast<int64_t>(free_.size()); }
  // Bytes of one block as the footprint counts it (its K/V floats).
  uint64_t block_bytes() const { return layout_.block_bytes(); }
  uint64_t bytes_in_use() const { return static_cast<uint64_t>(in_use()) * block_bytes(); }

  // A free block id, or -1 when every block is taken.
  int32_t allocate();
  void release(int32_t block);

  // The pool's memory: block b starts at data() + b · layout().block_stride().
  float* data() const { return memory_.as<float>(); }

 private:
  KvBlockPool(Backend& backend, const KvLayout& layout) : backend_(backend), layout_(layout) {}

  Backend& backend_;
  KvLayout layout_;
  int64_t capacity_ = 0;
  Buffer memory_;
  // Ids below next_fresh_ have been handed out at least once; the released ones wait in free_, a
  // stack (the most recently released block is reused first). Nothing is O(capacity).
  int64_t next_fresh_ = 0;
  std::vector<int32_t> free_;
};

}  // namespace tessera
