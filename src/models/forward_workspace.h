// The scratch of one forward pass of each model family, as a WorkspaceLayout: the model allocates
// exactly this at load (one Buffer), and the footprint (footprint.cc) counts exactly this as its
// activation bytes, so what the planner promises is what the backend allocates.
#pragma once

#include <cstdint>
#include <vector>

#include "backend/backend.h"
#include "backend/buffer.h"
#include "backend/workspace.h"

namespace tessera {

// The dimensions a forward pass's scratch depends on.
struct ForwardDims {
  int64_t dim = 0;
  int64_t q_dim = 0;   // n_heads · head_dim
  int64_t kv_dim = 0;  // n_kv_heads · head_dim (decoders)
  int64_t head_dim = 0;
  int64_t ffn = 0;
  int64_t vocab = 0;       // decoders: logits per token
  int64_t outputs = 0;     // encoders: the reranker head's outputs (0: none)
  int64_t context = 0;     // tokens per sequence
  bool gated_ffn = false;  // encoders: a SwiGLU feed-forward keeps `up` beside its gate
};

// Decoders (llama, qwen2): a batch of up to `tokens` tokens, each attending up to `context`.
// Regions: x xb q att k v gate up normed logits (F32), matmul staging, per-lane scores, and the
// batch's ids, positions, sequence indices, KV slots and block tables (int32).
struct DecoderWorkspace {
  WorkspaceLayout layout;
  uint64_t x, xb, q, att, k, v, gate, up, normed, logits, staging, scores;
  uint64_t ids, positions, token_seq, slots, seq_blocks, block_ids;
  int64_t tokens = 0;
  int64_t max_blocks = 0;  // block ids the batch's tables may hold
};
DecoderWorkspace decoder_workspace(const ForwardDims& d, int64_t tokens, int lanes);

// Encoders (bert, nomic-bert): packed batches of up to `tokens` tokens. Regions: x q k v att
// pooled (F32 [tokens][dim]), hidden [tokens][ffn] (and up [tokens][ffn] for gated
// feed-forwards), head scores, matmul staging, per-lane attention tiles, and the ids, positions
// and token types (int32).
struct EncoderWorkspace {
  WorkspaceLayout layout;
  uint64_t x, q, k, v, att, pooled, hidden, up = 0, scores, staging, attention;
  uint64_t ids, positions, types;
  int64_t tokens = 0;
};
EncoderWorkspace encoder_workspace(const ForwardDims& d, int64_t tokens, int lanes);

// The region at `offset` of a model's workspace buffer (offsets from the layouts above).
template <typename T>
T* workspace_region(const Buffer& workspace, uint64_t offset) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(workspace.data()) + offset);
}

// Copies a pass's host index array into its workspace region; returns the region.
const int32_t* upload_indices(Backend& backend, const Buffer& workspace, uint64_t offset,
                              const std::vector<int32_t>& values);

}  // namespace tessera
