// Hyperparameters of the decoders the architecture table lists (llama 2/3, Mistral, TinyLlama,
// SmolLM as `llama`; Qwen2 as `qwen2`; Qwen3 as `qwen3`) read from GGUF metadata, with errors that
// name the file and key.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "gguf/file.h"
#include "models/architecture.h"
#include "tensor/rope_params.h"

namespace tessera {

struct LlamaConfig {
  std::string arch;
  const Architecture* architecture = nullptr;  // the table row of `arch`
  int64_t n_layers = 0;
  int64_t dim = 0;
  int64_t ffn = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;  // attention.key_length where the file gives it, else dim / heads
  int64_t context = 0;
  int64_t vocab = 0;
  float rms_eps = 1e-5f;
  RopeParams rope{};
  bool qkv_bias = false;
  bool qk_norm = false;

  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  DecoderShape shape() const;
};

Result<LlamaConfig> load_llama_config(const gguf::File& file);

}  // namespace tessera
