// The tensor layout of an encoder (bert, nomic-bert): names, shapes and which ones the file may
// lack, as the architecture row's features imply (models/architecture.h). The one statement of
// it: the weight loader binds by it, `pack --synthetic` writes it and the planner sizes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/architecture.h"

namespace tessera {

// What an encoder tensor is for; the loader binds by this, `pack` draws values by it.
enum class EncoderTensor {
  kTokenEmbedding,
  kTokenTypes,  // segment embeddings; absent in files without token types
  kPositions,   // rows with a position table only
  kEmbedNorm,
  kEmbedNormBias,
  kQ,
  kQBias,
  kK,
  kKBias,
  kV,
  kVBias,
  kQkv,  // fused rows: Q, then K, then V
  kQkvBias,
  kAttnOutput,
  kAttnOutputBias,
  kAttnNorm,  // attn_output_norm: after the attention residual
  kAttnNormBias,
  kUp,
  kUpBias,
  kGate,
  kDown,
  kDownBias,
  kOutputNorm,  // layer_output_norm: after the feed-forward residual
  kOutputNormBias,
  kCls,  // the reranker head: score = cls.output · tanh(cls · h_[CLS] + b) + b
  kClsBias,
  kClsOutput,
  kClsOutputBias,
};

struct EncoderShape {
  int64_t layers = 0;
  int64_t dim = 0;
  int64_t ffn = 0;
  int64_t vocab = 0;
  int64_t context = 0;         // rows of position_embd
  int64_t token_types = 2;     // rows of token_types (0: the tensor is absent)
  int64_t rerank_outputs = 0;  // rows of cls.output (0: no reranker head)
};

struct EncoderTensorSlot {
  EncoderTensor what;
  int64_t layer;  // -1 for tensors outside the blocks
  std::string name;
  std::vector<int64_t> dims;  // GGUF order: [columns (in), rows (out)]
  bool optional;              // may be absent (token_types, the head's inner projection)

  bool is_matrix() const { return dims.size() == 2; }
};

// Every tensor an encoder of `arch` with `shape` has, in the order llama.cpp's converter writes
// BERT's.
std::vector<EncoderTensorSlot> encoder_tensors(const Architecture& arch, const EncoderShape& shape);

}  // namespace tessera
