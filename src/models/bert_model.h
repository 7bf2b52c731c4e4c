// A BERT-family encoder (embedders and cross-encoder rerankers) running from a mapped GGUF file.
// One encode call runs a whole batch of sequences of different lengths as one packed step: the
// tokens of all sequences sit back to back (no padding), every matrix product covers all of them,
// and attention runs per (sequence, head) over that sequence's own tokens only, which is exactly
// what a padding mask would allow, without computing the padding.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/file.h"
#include "models/bert_config.h"
#include "models/bert_weights.h"

namespace tessera {

// One input sequence, already framed ([CLS] ... [SEP]). Views: the caller keeps the ids alive.
struct EncoderSequence {
  std::span<const int32_t> tokens;
  std::span<const int32_t> token_types;  // segment ids per token; empty: all 0 (segment A)
};

struct EncoderOutput {
  Pooling pooling = Pooling::kMean;
  int64_t width = 0;  // floats per row: dim, or the reranker head's outputs for kRank
  // kNone: one row per token, sequences back to back in batch order (row_begin[s] is the first
  // row of sequence s). Otherwise one row per sequence. Embeddings are not normalized here.
  std::vector<float> rows;
  std::vector<int64_t> row_begin;
};

class BertModel {
 public:
  static Result<std::unique_ptr<BertModel>> load(const std::string& path);

  const BertConfig& config() const { return config_; }
  const gguf::File& file() const { return file_; }

  // Runs the batch and pools each sequence's states. InvalidArgument, naming the sequence, for an
  // empty batch or sequence, a sequence longer than the context, a token id outside the
  // vocabulary, a token type the model has no embedding for, or kRank on a model without a
  // reranker head; nothing runs then.
  Result<EncoderOutput> encode(std::span<const EncoderSequence> batch, Pooling pooling,
                               ThreadPool& pool) const;

 private:
  BertModel(gguf::File file, BertConfig config, BertWeights weights)
      : file_(std::move(file)), config_(std::move(config)), weights_(std::move(weights)) {}

  Status check_batch(std::span<const EncoderSequence> batch, Pooling pooling) const;
  void embed(std::span<const EncoderSequence> batch, std::span<const int64_t> offsets, float* x,
             ThreadPool& pool) const;
  void pool_rows(std::span<const int64_t> offsets, const float* x, Pooling pooling,
                 EncoderOutput& out, ThreadPool& pool) const;

  gguf::File file_;  // owns the mapping the weights point into
  BertConfig config_;
  BertWeights weights_;
};

// The encoder's element-wise kernels, exposed so tests can check them against plain references.
namespace bert_kernels {

// x = gelu(x + b) per row, with an erf approximation of absolute error below 1e-6.
void bias_gelu(float* x, const float* b, int64_t rows, int64_t n, ThreadPool& pool);

// x = layer_norm(x + y + b) * w + beta, per row of n.
void residual_layer_norm(float* x, const float* y, const float* b, const float* w,
                         const float* beta, int64_t rows, int64_t n, float eps, ThreadPool& pool);

// Bidirectional attention within each sequence: q, k, v and out are [tokens][n_heads*head_dim];
// sequence s owns rows offsets[s] .. offsets[s+1].
void packed_attention(const float* q, const float* k, const float* v, float* out,
                      std::span<const int64_t> offsets, int64_t n_heads, int64_t head_dim,
                      ThreadPool& pool);

}  // namespace bert_kernels

}  // namespace tessera
