// A decoder of any row of the architecture table (llama, qwen2/3, gemma2/3, phi3), its forward
// pass written once against a Backend, branching on the row's features. One
// forward call runs a batch of tokens from many sequences at once (prefill chunks and decode
// steps mixed), which is what continuous batching needs: each token names its sequence and
// position, and attends causally to its own sequence's paged cache.
//
// Loading places the weights on the backend and allocates the whole workspace of a batch of up to
// `max_batch_tokens` tokens (forward_workspace.h), charged to the arena: a forward pass allocates
// nothing. One pass at a time per model instance (the step runner serializes them).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend/arena.h"
#include "backend/backend.h"
#include "base/status.h"
#include "gguf/file.h"
#include "models/forward_workspace.h"
#include "models/kv_cache.h"
#include "models/llama_config.h"
#include "models/llama_weights.h"

namespace tessera {

struct BatchToken {
  int32_t token = 0;
  int32_t seq = 0;
  int64_t pos = 0;
  bool want_logits = false;
};

struct DecoderLimits {
  int64_t max_batch_tokens = 512;  // tokens of one forward pass (sizes the workspace)
  int64_t context = 0;             // tokens per sequence; 0: the model's
};

class LlamaModel {
 public:
  // Everything the instance holds is charged to `arena` (which must outlive it): the mapped
  // weights, their decoded norms and biases, the workspace.
  static Result<std::unique_ptr<LlamaModel>> load(const std::string& path, Backend& backend,
                                                  Arena& arena, const DecoderLimits& limits = {});

  const LlamaConfig& config() const { return config_; }
  const gguf::File& file() const { return file_; }
  Backend& backend() const { return backend_; }
  int64_t context() const { return context_; }
  int64_t max_batch_tokens() const { return workspace_.tokens; }
  // Bytes the instance allocated, by use (the KV cache is the cache's).
  uint64_t allocated_bytes(MemoryUse use) const;

  // A cache on this model's backend with room for `sequences` whole contexts.
  Result<KvCache> make_cache(int64_t sequences = 1) const {
    return KvCache::for_sequences(backend_, config_.n_layers, context_, config_.kv_dim(),
                                  sequences);
  }

  // Runs the batch; for every token with want_logits, appends vocab floats to `logits` in batch
  // order. Tokens of one sequence must come in increasing position order; more tokens than
  // max_batch_tokens(), a position at or past the context, or a token id outside the vocabulary
  // is an InvalidArgument error and nothing runs. ResourceExhausted when the cache has no block
  // left for a new position.
  Status forward(std::span<const BatchToken> batch, KvCache& cache, std::vector<float>& logits);

 private:
  LlamaModel(gguf::File file, LlamaConfig config, LlamaWeights weights, Backend& backend)
      : file_(std::move(file)),
        config_(std::move(config)),
        weights_(std::move(weights)),
        backend_(backend) {}

  Status check_batch(std::span<const BatchToken> batch) const;
  // Fills the batch's index arrays (host mirrors), checking that each sequence's positions
  // increase, then grows the cache's tables (a full pool fails here, before anything runs).
  Status index_batch(std::span<const BatchToken> batch, KvCache& cache);

  gguf::File file_;  // owns the mapping the weights point into
  LlamaConfig config_;
  LlamaWeights weights_;
  Backend& backend_;
  int64_t context_ = 0;
  PlacedWeights placed_;
  DecoderWorkspace workspace_;
  Buffer scratch_;
  // Host mirrors of the int32 regions, filled per pass, then uploaded.
  std::vector<int32_t> ids_, positions_, token_seq_, slots_, seq_blocks_, block_ids_;
  std::vector<int32_t> seq_of_batch_;       // the batch's distinct sequences, in first-seen order
  std::vector<int64_t> last_pos_of_batch_;  // the latest position of each, so far in the batch
};

}  // namespace tessera
