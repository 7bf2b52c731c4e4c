// Keys and values of past positions, paged: each sequence has a block table of int32 block ids
// into a KvBlockPool (src/backend/kv_pool.h), which is the layout a device attention kernel reads.
// A block holds kKvBlockTokens consecutive positions of every layer; it is taken from the pool
// when the first of its positions is about to be written and returned when its sequence is
// dropped, so a sequence holds memory for the positions it has reached, rounded up to a block.
// New K/V rows are written in place into their block (Backend::kv_store): nothing is copied when
// a sequence grows.
//
// Not thread-safe: one forward pass at a time grows and reads the tables; drop() must not overlap
// a pass that uses the sequence (the engine's job).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"
#include "backend/kv_pool.h"
#include "base/status.h"

namespace tessera {

class KvCache {
 public:
  // A cache of `context` positions per sequence over a pool of `capacity_blocks` blocks.
  static Result<KvCache> create(Backend& backend, int64_t n_layers, int64_t context, int64_t kv_dim,
                                int64_t capacity_blocks);
  // Room for `sequences` whole contexts.
  static Result<KvCache> for_sequences(Backend& backend, int64_t n_layers, int64_t context,
                                       int64_t kv_dim, int64_t sequences) {
    return create(backend, n_layers, context, kv_dim, sequences * kv_blocks_for(context));
  }
  KvCache(KvCache&&) noexcept = default;
  KvCache& operator=(KvCache&&) noexcept = default;
  ~KvCache();

  int64_t context() const { return context_; }
  int64_t kv_dim() const { return pool_->layout().kv_dim; }
  const KvLayout& layout() const { return pool_->layout(); }
  uint64_t bytes_per_token() const {
    return 2 * static_cast<uint64_t>(layout().n_layers) * static_cast<uint64_t>(kv_dim()) *
           sizeof(float);
  }
  // The positions the blocks holding `tokens` positions cover: whole blocks (0 or more than the
  // context: the whole context's blocks).
  int64_t positions_for_tokens(int64_t tokens) const;
  uint64_t bytes_for_tokens(int64_t tokens) const {
    return static_cast<uint64_t>(positions_for_tokens(tokens)) * bytes_per_token();
  }

  // Makes sure `seq` has blocks for positions 0..pos; ResourceExhausted when the pool is out of
  // blocks (nothing changes then).
  Status grow(int32_t seq, int64_t pos);
  // Where position `pos` of `seq` lives (its block must exist): block id · 16 + row.
  int32_t slot(int32_t seq, int64_t pos) const;
  // A sequence's block ids in position order (empty when it holds none).
  std::span<const int32_t> block_table(int32_t seq) const;

  // Forgets a sequence and returns its blocks.
  void drop(int32_t seq);
  // Bytes of the blocks held now, over every sequence.
  int64_t bytes() const { return static_cast<int64_t>(pool_->bytes_in_use()); }
  KvBlockPool& pool() { return *pool_; }
  const KvBlockPool& pool() const { return *pool_; }

 private:
  KvCache(std::unique_ptr<KvBlockPool> pool, int64_t context)
      : pool_(std::move(pool)), context_(context) {}

  std::unique_ptr<KvBlockPool> pool_;
  int64_t context_ = 0;
  std::unordered_map<int32_t, std::vector<int32_t>> tables_;
};

}  // namespace tessera
