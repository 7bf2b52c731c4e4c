// The tensors of a llama-family model, resolved from a GGUF file and checked against the config.
// Matrices stay in the mapping in their on-disk type; norms and biases (small) are decoded to F32.
#pragma once

#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "kernels/cpu/matmul.h"
#include "models/llama_config.h"

namespace tessera {

struct LlamaLayerWeights {
  std::vector<float> attn_norm;
  kernels::WeightMatrix wq, wk, wv, wo;
  std::vector<float> bq, bk, bv;  // qwen2 only
  std::vector<float> ffn_norm;
  kernels::WeightMatrix w_gate, w_up, w_down;
};

struct LlamaWeights {
  kernels::WeightMatrix token_embd;
  std::vector<LlamaLayerWeights> layers;
  std::vector<float> output_norm;
  kernels::WeightMatrix output;  // token_embd when the file ties them
};

// `config.vocab` is filled from token_embd when the metadata did not give it. A missing tensor or a
// wrong shape is an error naming the tensor and the expected shape.
Result<LlamaWeights> load_llama_weights(const gguf::File& file, LlamaConfig& config);

// Shared by model loaders: a 1-D F32 copy, or a matrix view, with shape checks.
Result<std::vector<float>> load_vector(const gguf::File& file, const std::string& name, int64_t n);
Result<kernels::WeightMatrix> load_matrix(const gguf::File& file, const std::string& name,
                                          int64_t in, int64_t out);

}  // namespace tessera
