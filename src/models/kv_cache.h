// Keys and values of past positions, in F32, paged: each sequence has a block table, and a block
// holds kKvBlockTokens consecutive positions of every layer, laid out [K|V][layer][row][kv_dim].
// A block is allocated when the first of its positions is written and freed when its sequence is
// dropped, so a sequence holds memory for the positions it has reached (rounded up to a block),
// not for the whole context. The last block of the context is cut to the positions left, so a
// sequence that fills the context holds exactly context · bytes_per_token() — the footprint the
// planner counts.
//
// Not thread-safe: one forward pass at a time writes (k(), v()) and reads (blocks()); drop() must
// not overlap a pass that uses the sequence (the engine's job).
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace tessera {

// Positions per block: vLLM's default. Small enough that a short request wastes little, large
// enough that attention walks long runs of contiguous rows.
inline constexpr int64_t kKvBlockTokens = 16;

struct KvBlock {
  float* data = nullptr;
  int64_t rows = 0;  // positions this block holds (kKvBlockTokens, or fewer at the context's end)
};

class KvCache {
 public:
  KvCache(int64_t n_layers, int64_t context, int64_t kv_dim)
      : n_layers_(n_layers), context_(context), kv_dim_(kv_dim) {}
  ~KvCache();
  KvCache(KvCache&& other) noexcept;
  KvCache& operator=(KvCache&&) = delete;
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int64_t context() const { return context_; }
  int64_t kv_dim() const { return kv_dim_; }
  uint64_t bytes_per_token() const {
    return 2 * static_cast<uint64_t>(n_layers_) * static_cast<uint64_t>(kv_dim_) * sizeof(float);
  }
  // The positions the blocks holding `tokens` positions cover: whole blocks, the context's last
  // one cut (0 or more than the context: the whole context).
  int64_t positions_for_tokens(int64_t tokens) const;
  uint64_t bytes_for_tokens(int64_t tokens) const {
    return static_cast<uint64_t>(positions_for_tokens(tokens)) * bytes_per_token();
  }

  // Where position `pos` of `seq` keeps this layer's key (value); allocates its block when new.
  float* k(int32_t seq, int64_t layer, int64_t pos) { return slot(seq, layer, pos, 0); }
  float* v(int32_t seq, int64_t layer, int64_t pos) { return slot(seq, layer, pos, 1); }

  // The block table of a sequence that holds at least one position (for the attention loops,
  // which must not look the sequence up once per position).
  std::span<const KvBlock> blocks(int32_t seq) const { return seqs_.at(seq); }
  // A block's rows of one layer: its positions in order, kv_dim() floats apart.
  const float* k_rows(const KvBlock& block, int64_t layer) const {
    return block.data + layer * block.rows * kv_dim_;
  }
  const float* v_rows(const KvBlock& block, int64_t layer) const {
    return block.data + (n_layers_ + layer) * block.rows * kv_dim_;
  }

  // Forgets a sequence and frees its blocks.
  void drop(int32_t seq);
  // Bytes of the blocks allocated now, over every sequence.
  int64_t bytes() const { return static_cast<int64_t>(allocated_bytes_); }

 private:
  float* slot(int32_t seq, int64_t layer, int64_t pos, int which);
  KvBlock allocate(int64_t block_index);
  void free_block(const KvBlock& block);

  int64_t n_layers_, context_, kv_dim_;
  std::unordered_map<int32_t, std::vector<KvBlock>> seqs_;
  uint64_t allocated_bytes_ = 0;
};

}  // namespace tessera
