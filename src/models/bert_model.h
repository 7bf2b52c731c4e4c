// An encoder of the architecture table (BERT, XLM-RoBERTa and nomic-bert embedders, BERT-style
// cross-encoder rerankers), its forward pass written once against a Backend; it branches on the
// row's features (position table or RoPE, GELU or SwiGLU, biases), never on the name.
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

#include "backend/arena.h"
#include "backend/backend.h"
#include "base/status.h"
#include "gguf/file.h"
#include "models/bert_config.h"
#include "models/bert_weights.h"
#include "models/forward_workspace.h"

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
  // Places the weights on `backend` and allocates the workspace of a packed batch of up to
  // max(max_batch_tokens, context) tokens, all charged to `arena` (which must outlive the model).
  static Result<std::unique_ptr<BertModel>> load(const std::string& path, Backend& backend,
                                                 Arena& arena, int64_t max_batch_tokens = 2048);

  const BertConfig& config() const { return config_; }
  const gguf::File& file() const { return file_; }
  Backend& backend() const { return backend_; }
  // Tokens one encode() call may pack.
  int64_t max_batch_tokens() const { return workspace_.tokens; }
  uint64_t allocated_bytes(MemoryUse use) const;

  // Runs the batch and pools each sequence's states. InvalidArgument, naming the sequence, for an
  // empty batch or sequence, a sequence longer than the context, more tokens than
  // max_batch_tokens(), a token id outside the vocabulary, a token type the model has no
  // embedding for, or kRank on a model without a reranker head; nothing runs then. One call at a
  // time (the workspace is the instance's).
  Result<EncoderOutput> encode(std::span<const EncoderSequence> batch, Pooling pooling);

 private:
  BertModel(gguf::File file, BertConfig config, BertWeights weights, Backend& backend)
      : file_(std::move(file)),
        config_(std::move(config)),
        weights_(std::move(weights)),
        backend_(backend) {}

  Status check_batch(std::span<const EncoderSequence> batch, Pooling pooling) const;
  // Returns the packed positions (backend memory) for RoPE.
  const int32_t* embed(std::span<const EncoderSequence> batch, float* x);
  void pool_rows(const float* x, Pooling pooling, EncoderOutput& out);

  gguf::File file_;  // owns the mapping the weights point into
  BertConfig config_;
  BertWeights weights_;
  Backend& backend_;
  PlacedWeights placed_;
  EncoderWorkspace workspace_;
  Buffer scratch_;
  std::vector<int64_t> offsets_;                  // the batch's sequence starts (host)
  std::vector<int32_t> ids_, positions_, types_;  // host mirrors of the index regions
};

}  // namespace tessera
