// The tensors of a decoder, resolved from a GGUF file by its architecture's tensor layout
// (models/architecture.h) and checked against the config.
// Matrices stay in the mapping in their on-disk type; norms and biases (small) are decoded to F32.
#pragma once

#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "models/llama_config.h"
#include "models/placed_weights.h"
#include "tensor/weight_matrix.h"

namespace tessera {

struct LlamaLayerWeights {
  F32Vector attn_norm;
  // Fused files (attn_qkv, gate+up in ffn_up) give views of their row ranges: rows are
  // independent in every GGUF type, so each part is a matrix of its own.
  WeightMatrix wq, wk, wv, wo;
  F32Vector bq, bk, bv;      // architectures with qkv_bias
  F32Vector q_norm, k_norm;  // architectures with qk_norm: [head_dim], shared by the heads
  F32Vector attn_post_norm;  // architectures with post_norms
  F32Vector ffn_norm;
  WeightMatrix w_gate, w_up, w_down;
  F32Vector ffn_post_norm;
};

struct LlamaWeights {
  WeightMatrix token_embd;
  std::vector<LlamaLayerWeights> layers;
  F32Vector output_norm;
  WeightMatrix output;   // token_embd when the file ties them
  F32Vector rope_freqs;  // llama 3 frequency factors (n_rot / 2); empty when the file has none
  F32Vector rope_factors_long, rope_factors_short;  // phi3 LongRoPE (n_rot / 2 each), or empty

  // Queues every tensor for placement on a backend.
  void add_to(PlacedWeights& placed);
};

// `config.vocab` is filled from token_embd when the metadata did not give it. A missing tensor or a
// wrong shape is an error naming the tensor and the expected shape.
Result<LlamaWeights> load_llama_weights(const gguf::File& file, LlamaConfig& config);

// Shared by model loaders: a 1-D F32 copy, or a matrix view, with shape checks.
Result<F32Vector> load_vector(const gguf::File& file, const std::string& name, int64_t n);
Result<WeightMatrix> load_matrix(const gguf::File& file, const std::string& name, int64_t in,
                                 int64_t out);

}  // namespace tessera
