// A llama-family decoder (llama, qwen2) running from a mapped GGUF file. One forward call runs a
// batch of tokens from many sequences at once (prefill chunks and decode steps mixed), which is
// what continuous batching needs: each token names its sequence and position, and attends causally
// to its own sequence's cache.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/file.h"
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

class LlamaModel {
 public:
  static Result<std::unique_ptr<LlamaModel>> load(const std::string& path);

  const LlamaConfig& config() const { return config_; }
  const gguf::File& file() const { return file_; }
  KvCache make_cache() const {
    return KvCache(config_.n_layers, config_.context, config_.kv_dim());
  }

  // Runs the batch; for every token with want_logits, appends vocab floats to `logits` in batch
  // order. Tokens of one sequence must come in increasing position order; a position at or past the
  // context, or a token id outside the vocabulary, is an InvalidArgument error and nothing runs.
  Status forward(std::span<const BatchToken> batch, KvCache& cache, std::vector<float>& logits,
                 ThreadPool& pool) const;

 private:
  LlamaModel(gguf::File file, LlamaConfig config, LlamaWeights weights)
      : file_(std::move(file)), config_(std::move(config)), weights_(std::move(weights)) {}

  void attention(std::span<const BatchToken> batch, int64_t layer, const float* q, KvCache& cache,
                 float* out, ThreadPool& pool) const;

  gguf::File file_;  // owns the mapping the weights point into
  LlamaConfig config_;
  LlamaWeights weights_;
};

}  // namespace tessera
