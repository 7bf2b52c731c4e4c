#include "backend/kv_pool.h"

namespace tessera {

Result<std::unique_ptr<KvBlockPool>> KvBlockPool::create(Backend& backend, const KvLayout& layout,
                                                         int64_t capacity_blocks,
                                                         std::string_view what) {
  if (layout.n_layers <= 0 || layout.kv_dim <= 0 || capacity_blocks <= 0 ||
      capacity_blocks > INT32_MAX / kKvBlockTokens) {
    return invalid_argument(std::string(what) + ": a KV pool needs layers, kv_dim and 1.." +
                            std::to_string(INT32_MAX / kKvBlockTokens) + " blocks (got " +
                            std::to_string(capacity_blocks) + " blocks)");
  }
  std::unique_ptr<KvBlockPool> pool(new KvBlockPool(backend, layout));
  const uint64_t bytes =
      static_cast<uint64_t>(capacity_blocks) * layout.block_stride() * sizeof(float);
  TESSERA_ASSIGN_OR_RETURN(pool->memory_,
                           backend.allocate(nullptr, bytes, MemoryUse::kKvCache, what));
  pool->capacity_ = capacity_blocks;
  return pool;
}

int32_t KvBlockPool::allocate() {
  if (!free_.empty()) {
    const int32_t block = free_.back();
    free_.pop_back();
    return block;
  }
  if (next_fresh_ == capacity_) return -1;
  return static_cast<int32_t>(next_fresh_++);
}

void KvBlockPool::release(int32_t block) {
  backend_.discard(data() + static_cast<uint64_t>(block) * layout_.block_stride(),
                   layout_.block_stride() * sizeof(float));
  free_.push_back(block);
}

}  // namespace tessera
