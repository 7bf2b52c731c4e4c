// Hyperparameters of the decoders the architecture table lists (llama 2/3, Mistral, TinyLlama,
// SmolLM as `llama`; Qwen2, Qwen3, Gemma 2/3, Phi-3/4) read from GGUF metadata, with errors that
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
  RopeParams rope{};        // every layer, or the global ones where some are local
  RopeParams rope_local{};  // sliding-window layers (gemma 3: their own base, no scaling)
  bool qkv_bias = false;
  bool qk_norm = false;
  float embedding_scale = 1.0f;  // sqrt(dim) for gemma
  float attention_scale = 0.0f;  // q·k multiplier; 0: 1/sqrt(head_dim)
  float attn_softcap = 0.0f;     // 0: none
  float final_softcap = 0.0f;    // 0: none
  // Sliding-window attention: `sliding_window` positions on the layers local_layer() names: layer
  // l is local when l % period < period - 1 (period 0: every layer, as llama.cpp reads it).
  int64_t sliding_window = 0;
  int64_t sliding_window_period = 0;
  // LongRoPE (phi3): the long factors apply when an instance's context exceeds this.
  int64_t rope_original_context = 0;

  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  bool local_layer(int64_t layer) const {
    if (sliding_window <= 0) return false;
    return sliding_window_period == 0 || layer % sliding_window_period < sliding_window_period - 1;
  }
  DecoderShape shape() const;
};

Result<LlamaConfig> load_llama_config(const gguf::File& file);

}  // namespace tessera
