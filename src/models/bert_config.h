// Hyperparameters of the encoders the architecture table lists ("bert": BGE, MiniLM, E5, BERT and
// XLM-RoBERTa cross-encoders; "nomic-bert": nomic-embed-text) read from GGUF metadata under the
// architecture's prefix, with errors that name the file and key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "gguf/file.h"
#include "models/architecture.h"
#include "models/encoder_tensors.h"
#include "tensor/rope_params.h"

namespace tessera {

// How token states become one output per sequence. Values are llama.cpp's llama_pooling_type, which
// is what `bert.pooling_type` stores.
enum class Pooling : int {
  kNone = 0,  // no pooling: one vector per token
  kMean = 1,  // mean over every token of the sequence, [CLS] and [SEP] included
  kCls = 2,   // the first token's state
  kLast = 3,  // the last token's state
  kRank = 4,  // reranker: the [CLS] state through the classification head, one score
};

const char* pooling_name(Pooling pooling);
// "none", "mean", "cls", "last", "rank"; InvalidArgument listing them otherwise.
Result<Pooling> pooling_from_name(std::string_view name);

struct BertConfig {
  std::string arch;
  const Architecture* architecture = nullptr;  // the table row of `arch`
  int64_t n_layers = 0;
  int64_t dim = 0;
  int64_t ffn = 0;
  int64_t n_heads = 0;
  int64_t head_dim = 0;
  int64_t context = 0;      // the longest sequence (and the rows of position_embd, if any)
  int64_t vocab = 0;        // filled from token_embd when the metadata lacks it
  int64_t token_types = 0;  // rows of token_types (0: the model has no segment embeddings)
  float norm_eps = 1e-12f;
  // `bert.pooling_type`; nullopt when the file does not say (the caller must choose).
  std::optional<Pooling> pooling;
  bool rerank_head = false;    // cls.output present (cls.weight optional)
  int64_t rerank_outputs = 0;  // rows of cls.output; the score is the first
  // Rows without a position table: RoPE over the whole head (`<arch>.rope.freq_base`, default
  // 10000 as llama.cpp's; `<arch>.rope.dimension_count` may rotate fewer dimensions).
  RopeParams rope{};

  // The tensor layout implied so far (token_types and rerank_outputs once the weights are read).
  EncoderShape shape() const;
};

// Unimplemented for decoders, unknown architectures and causal variants
// (`<arch>.attention.causal`).
Result<BertConfig> load_bert_config(const gguf::File& file);

}  // namespace tessera
