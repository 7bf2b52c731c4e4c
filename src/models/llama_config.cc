#include "models/llama_config.h"

#include <cmath>

#include "models/hparams.h"

namespace tessera {
namespace {

// An optional positive float key (soft-caps, RoPE bases, factors): `fallback` when absent; NaN,
// infinity, zero and negative values are refused with the key named.
Result<float> optional_positive(const gguf::File& file, const std::string& key, float fallback,
                                double max = 1e12) {
  if (file.find(key) == nullptr) return fallback;
  TESSERA_ASSIGN_OR_RETURN(double v, file.get_f64(key));
  if (!(v > 0.0 && v < max)) {  // also refuses NaN
    return data_loss(file.name() + ": " + key + " = " + std::to_string(v) +
                     " is not a positive finite value below " + std::to_string(max));
  }
  return static_cast<float>(v);
}

// What differs between layers and families beyond the shapes: sliding windows, per-layer RoPE,
// soft-caps, query scale, embedding scale, LongRoPE's original context.
Status load_family_features(const gguf::File& file, const Architecture& arch, LlamaConfig& c) {
  const std::string& a = c.arch;
  c.qkv_bias = arch.qkv_bias;
  c.qk_norm = arch.qk_norm;
  if (arch.scale_embeddings) c.embedding_scale = std::sqrt(static_cast<float>(c.dim));
  if (arch.wide_query_scale_layers > 0 && c.n_layers == arch.wide_query_scale_layers) {
    c.attention_scale = 1.0f / std::sqrt(static_cast<float>(c.dim / c.n_heads));
  }
  if (arch.attn_softcap > 0.0f) {
    TESSERA_ASSIGN_OR_RETURN(
        c.attn_softcap, optional_positive(file, a + ".attn_logit_softcapping", arch.attn_softcap));
  }
  if (arch.reads_final_softcap) {
    TESSERA_ASSIGN_OR_RETURN(
        c.final_softcap,
        optional_positive(file, a + ".final_logit_softcapping", arch.final_softcap));
  }
  c.rope_local = c.rope;
  if (arch.sliding_window_period > 0) {
    c.sliding_window = arch.default_sliding_window;
    if (file.find(a + ".attention.sliding_window")) {
      TESSERA_ASSIGN_OR_RETURN(uint64_t window, file.get_u64(a + ".attention.sliding_window"));
      c.sliding_window = static_cast<int64_t>(std::min<uint64_t>(window, uint64_t{1} << 40));
    }
    c.sliding_window_period = arch.sliding_window_period;
    const std::string pattern_key = a + ".attention.sliding_window_pattern";
    if (const gguf::Value* pattern = file.find(pattern_key)) {
      if (pattern->is_array()) {
        return unimplemented(file.name() + ": " + pattern_key +
                             " as a per-layer array is not supported (only a period)");
      }
      TESSERA_ASSIGN_OR_RETURN(uint64_t period, file.get_u64(pattern_key));
      if (period > static_cast<uint64_t>(c.n_layers)) period = static_cast<uint64_t>(c.n_layers);
      c.sliding_window_period = static_cast<int64_t>(period);
    }
    if (arch.local_rope_base) {
      TESSERA_ASSIGN_OR_RETURN(c.rope_local.freq_base,
                               optional_positive(file, a + ".rope.freq_base_swa", 10000.0f));
      c.rope_local.freq_scale = 1.0f;
    }
  }
  if (arch.long_short_rope_factors) {
    c.rope_original_context = c.context;
    if (file.find(a + ".rope.scaling.original_context_length")) {
      TESSERA_ASSIGN_OR_RETURN(c.rope_original_context,
                               required_dim(file, a + ".rope.scaling.original_context_length"));
    }
  }
  if (file.find(a + ".rope.scaling.attn_factor")) {
    TESSERA_ASSIGN_OR_RETURN(float factor,
                             optional_positive(file, a + ".rope.scaling.attn_factor", 1.0f, 1e3));
    c.rope.attn_factor = factor;
    c.rope_local.attn_factor = factor;
  }
  return {};
}

}  // namespace

Result<LlamaConfig> load_llama_config(const gguf::File& file) {
  LlamaConfig c;
  TESSERA_ASSIGN_OR_RETURN(c.arch, file.architecture());
  TESSERA_ASSIGN_OR_RETURN(c.architecture,
                           require_architecture(c.arch, ModelFamily::kDecoder, file.name()));
  const Architecture& arch = *c.architecture;
  const std::string& a = c.arch;
  TESSERA_ASSIGN_OR_RETURN(c.n_layers, required_dim(file, a + ".block_count"));
  TESSERA_ASSIGN_OR_RETURN(c.dim, required_dim(file, a + ".embedding_length"));
  TESSERA_ASSIGN_OR_RETURN(c.ffn, required_dim(file, a + ".feed_forward_length"));
  TESSERA_ASSIGN_OR_RETURN(c.n_heads, required_dim(file, a + ".attention.head_count"));
  TESSERA_ASSIGN_OR_RETURN(c.context, required_dim(file, a + ".context_length"));
  c.n_kv_heads = c.n_heads;
  if (file.find(a + ".attention.head_count_kv")) {
    TESSERA_ASSIGN_OR_RETURN(c.n_kv_heads, required_dim(file, a + ".attention.head_count_kv"));
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    return data_loss(file.name() + ": head_count " + std::to_string(c.n_heads) +
                     " is not a multiple of head_count_kv " + std::to_string(c.n_kv_heads));
  }
  // The head size: its own key where the file has one (Qwen3, Gemma, Llama 3.2 1B files), else the
  // width split over the heads.
  if (file.find(a + ".attention.key_length")) {
    TESSERA_ASSIGN_OR_RETURN(c.head_dim, required_dim(file, a + ".attention.key_length"));
    int64_t value_length = c.head_dim;
    if (file.find(a + ".attention.value_length")) {
      TESSERA_ASSIGN_OR_RETURN(value_length, required_dim(file, a + ".attention.value_length"));
    }
    if (value_length != c.head_dim) {
      return unimplemented(file.name() + ": " + a + ".attention.value_length = " +
                           std::to_string(value_length) + " differs from key_length " +
                           std::to_string(c.head_dim) + " (only equal head sizes are supported)");
    }
  } else if (c.dim % c.n_heads != 0) {
    return data_loss(file.name() + ": embedding_length " + std::to_string(c.dim) +
                     " is not a multiple of head_count " + std::to_string(c.n_heads) +
                     " and the file gives no " + a + ".attention.key_length");
  } else {
    c.head_dim = c.dim / c.n_heads;
  }
  if (c.head_dim % 2 != 0) {
    return data_loss(file.name() + ": head size " + std::to_string(c.head_dim) +
                     " is odd (RoPE rotates pairs)");
  }
  if (file.find(a + ".attention.layer_norm_rms_epsilon")) {
    TESSERA_ASSIGN_OR_RETURN(double eps, file.get_f64(a + ".attention.layer_norm_rms_epsilon"));
    if (!(eps > 0.0 && eps < 1.0)) {  // also refuses NaN
      return data_loss(file.name() + ": " + a + ".attention.layer_norm_rms_epsilon = " +
                       std::to_string(eps) + " is not in (0, 1)");
    }
    c.rms_eps = static_cast<float>(eps);
  }
  c.rope.n_rot = c.head_dim;
  if (file.find(a + ".rope.dimension_count")) {
    TESSERA_ASSIGN_OR_RETURN(c.rope.n_rot, required_dim(file, a + ".rope.dimension_count"));
    if (c.rope.n_rot > c.head_dim || c.rope.n_rot % 2 != 0) {
      return data_loss(file.name() + ": " + a +
                       ".rope.dimension_count = " + std::to_string(c.rope.n_rot) +
                       " must be even and at most the head size " + std::to_string(c.head_dim));
    }
  }
  TESSERA_ASSIGN_OR_RETURN(c.rope.freq_base, rope_freq_base(file, a));
  // Linear RoPE scaling stretches positions: pos' = pos / factor.
  if (const gguf::Value* type = file.find(a + ".rope.scaling.type"); type && type->is_string()) {
    if (type->as_string() == "linear") {
      TESSERA_ASSIGN_OR_RETURN(double factor, file.get_f64(a + ".rope.scaling.factor"));
      if (factor > 0) c.rope.freq_scale = static_cast<float>(1.0 / factor);
    } else if (type->as_string() != "none") {
      return unimplemented(file.name() + ": " + a + ".rope.scaling.type '" + type->as_string() +
                           "' is not supported (supported: none, linear)");
    }
  }
  c.rope.layout = arch.rope_layout;
  TESSERA_RETURN_IF_ERROR(load_family_features(file, arch, c));
  const gguf::Value* tokens = file.find("tokenizer.ggml.tokens");
  if (tokens && tokens->is_array())
    c.vocab = static_cast<int64_t>(tokens->as_array().elements.size());
  if (file.find(a + ".vocab_size")) {
    TESSERA_ASSIGN_OR_RETURN(c.vocab, required_dim(file, a + ".vocab_size"));
  }
  return c;
}

DecoderShape LlamaConfig::shape() const {
  return DecoderShape{.layers = n_layers,
                      .dim = dim,
                      .n_heads = n_heads,
                      .n_kv_heads = n_kv_heads,
                      .head_dim = head_dim,
                      .ffn = ffn,
                      .vocab = vocab,
                      .n_rot = rope.n_rot};
}

}  // namespace tessera
