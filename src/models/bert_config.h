// Hyperparameters of BERT-family encoders (general.architecture = "bert": BGE, MiniLM, E5,
// BERT cross-encoders) read from GGUF metadata, with errors that name the file and key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "gguf/file.h"

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
  int64_t n_layers = 0;
  int64_t dim = 0;
  int64_t ffn = 0;
  int64_t n_heads = 0;
  int64_t head_dim = 0;
  int64_t context = 0;      // positions (rows of position_embd)
  int64_t vocab = 0;        // filled from token_embd when the metadata lacks it
  int64_t token_types = 0;  // rows of token_types (0: the model has no segment embeddings)
  float norm_eps = 1e-12f;
  // `bert.pooling_type`; nullopt when the file does not say (the caller must choose).
  std::optional<Pooling> pooling;
  bool rerank_head = false;    // cls.output present (cls.weight optional)
  int64_t rerank_outputs = 0;  // rows of cls.output; the score is the first
};

// Unimplemented for other architectures and for causal BERT variants (`bert.attention.causal`).
Result<BertConfig> load_bert_config(const gguf::File& file);

}  // namespace tessera
