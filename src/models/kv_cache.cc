#include "models/kv_cache.h"

#include <algorithm>

namespace tessera {

Result<KvCache> KvCache::create(Backend& backend, int64_t n_layers, int64_t context, int64_t kv_dim,
                                int64_t capacity_blocks) {
  if (context <= 0) return invalid_argument("a KV cache needs a context of at least 1 token");
  TESSERA_ASSIGN_OR_RETURN(
      std::unique_ptr<KvBlockPool> pool,
      KvBlockPool::create(backend, KvLayout{n_layers, kv_dim}, capacity_blocks, "KV cache"));
  return KvCache(std::move(pool), context);
}

KvCache::~KvCache() {
  if (!pool_) return;  // moved from
  for (auto& [seq, table] : tables_) {
    for (int32_t block : table) pool_->release(block);
  }
}

int64_t KvCache::positions_for_tokens(int64_t tokens) const {
  if (tokens <= 0 || tokens > context_) tokens = context_;
  return kv_blocks_for(tokens) * kKvBlockTokens;
}

Status KvCache::grow(int32_t seq, int64_t pos) {
  std::vector<int32_t>& table = tables_[seq];
  const int64_t need = pos / kKvBlockTokens + 1;
  const auto had = static_cast<int64_t>(table.size());
  while (static_cast<int64_t>(table.size()) < need) {
    const int32_t block = pool_->allocate();
    if (block < 0) {
      while (static_cast<int64_t>(table.size()) > had) {
        pool_->release(table.back());
        table.pop_back();
      }
      if (table.empty()) tables_.erase(seq);
      return resource_exhausted("KV cache: all " + std::to_string(pool_->capacity()) +
                                " blocks are in use; sequence " + std::to_string(seq) +
                                " cannot reach position " + std::to_string(pos));
    }
    table.push_back(block);
  }
  return {};
}

int32_t KvCache::slot(int32_t seq, int64_t pos) const {
  const std::vector<int32_t>& table = tables_.at(seq);
  return table[static_cast<size_t>(pos / kKvBlockTokens)] * static_cast<int32_t>(kKvBlockTokens) +
         static_cast<int32_t>(pos % kKvBlockTokens);
}

std::span<const int32_t> KvCache::block_table(int32_t seq) const {
  auto it = tables_.find(seq);
  if (it == tables_.end()) return {};
  return it->second;
}

void KvCache::drop(int32_t seq) {
  auto it = tables_.find(seq);
  if (it == tables_.end()) return;
  for (int32_t block : it->second) pool_->release(block);
  tables_.erase(it);
}

}  // namespace tessera
