#include "models/llama_config.h"

#include "models/hparams.h"

namespace tessera {

Result<LlamaConfig> load_llama_config(const gguf::File& file) {
  LlamaConfig c;
  TESSERA_ASSIGN_OR_RETURN(c.arch, file.architecture());
  if (c.arch != "llama" && c.arch != "qwen2") {
    return unimplemented(
        file.name() + ": architecture '" + c.arch +
        "' is not supported by the decoder engine (supported: " + kSupportedDecoderArchs + ")");
  }
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
  if (c.dim % c.n_heads != 0 || c.n_heads % c.n_kv_heads != 0) {
    return data_loss(file.name() + ": embedding_length " + std::to_string(c.dim) + ", head_count " +
                     std::to_string(c.n_heads) + " and head_count_kv " +
                     std::to_string(c.n_kv_heads) + " do not divide evenly");
  }
  c.head_dim = c.dim / c.n_heads;
  if (file.find(a + ".attention.layer_norm_rms_epsilon")) {
    TESSERA_ASSIGN_OR_RETURN(double eps, file.get_f64(a + ".attention.layer_norm_rms_epsilon"));
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
  c.rope.freq_base = 10000.0f;
  if (file.find(a + ".rope.freq_base")) {
    TESSERA_ASSIGN_OR_RETURN(double base, file.get_f64(a + ".rope.freq_base"));
    c.rope.freq_base = static_cast<float>(base);
  }
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
  c.rope.layout = a == "qwen2" ? RopeLayout::kNeox : RopeLayout::kAdjacentPairs;
  c.qkv_bias = a == "qwen2";
  const gguf::Value* tokens = file.find("tokenizer.ggml.tokens");
  if (tokens && tokens->is_array())
    c.vocab = static_cast<int64_t>(tokens->as_array().elements.size());
  if (file.find(a + ".vocab_size")) {
    TESSERA_ASSIGN_OR_RETURN(c.vocab, required_dim(file, a + ".vocab_size"));
  }
  return c;
}

}  // namespace tessera
