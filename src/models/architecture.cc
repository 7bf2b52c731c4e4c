#include "models/architecture.h"

namespace tessera {
namespace {

// Values from each family's published Hugging Face configs and llama.cpp's GGUF converter.
const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> kRows = {
      // Llama 2/3/3.1/3.2, Mistral, TinyLlama, SmolLM: the converter permutes Q/K so adjacent
      // pairs rotate; Llama 3.1+ files add rope_freqs.weight.
      {.name = "llama",
       .family = ModelFamily::kDecoder,
       .encoder = {},
       .hf_model_types = {"llama", "mistral"},
       .rope_layout = RopeLayout::kAdjacentPairs,
       .qkv_bias = false,
       .qk_norm = false,
       .explicit_head_dim = false,
       .rms_eps = 1e-5f,
       .rope_base = 1e4f,
       .tokenizer_models = {"llama", "gpt2"}},
      // Qwen 2 / 2.5: biases on q, k, v; NEOX rotation.
      {.name = "qwen2",
       .family = ModelFamily::kDecoder,
       .encoder = {},
       .hf_model_types = {"qwen2"},
       .rope_layout = RopeLayout::kNeox,
       .qkv_bias = true,
       .qk_norm = false,
       .explicit_head_dim = false,
       .rms_eps = 1e-6f,
       .rope_base = 1e6f,
       .tokenizer_models = {"gpt2", "llama"}},
      // Qwen 3 (dense): no biases, an RMSNorm over each query and key head before RoPE, and a head
      // size of its own (128 where dim / heads is 64 or 80).
      {.name = "qwen3",
       .family = ModelFamily::kDecoder,
       .encoder = {},
       .hf_model_types = {"qwen3"},
       .rope_layout = RopeLayout::kNeox,
       .qkv_bias = false,
       .qk_norm = true,
       .explicit_head_dim = true,
       .rms_eps = 1e-6f,
       .rope_base = 1e6f,
       .tokenizer_models = {"gpt2", "llama"}},
      // Gemma 2: GeGLU, RMSNorms after the attention and feed-forward blocks too (the converter
      // stores every norm weight + 1), embeddings × sqrt(dim), soft-capped attention scores (50)
      // and logits (30), sliding windows of 4096 on every other layer, head size 256.
      {.name = "gemma2",
       .family = ModelFamily::kDecoder,
       .encoder = {},
       .hf_model_types = {"gemma2"},
       .rope_layout = RopeLayout::kNeox,
       .qkv_bias = false,
       .qk_norm = false,
       .explicit_head_dim = true,
       .post_norms = true,
       .scale_embeddings = true,
       .ffn_activation = FfnActivation::kGeluTanh,
       .sliding_window_period = 2,
       .default_sliding_window = 4096,
       .attn_softcap = 50.0f,
       .final_softcap = 30.0f,
       .reads_final_softcap = true,
       .wide_query_scale_layers = 46,
       .tied_output = true,
       .rms_eps = 1e-6f,
       .rope_base = 1e4f,
       .tokenizer_models = {"llama"}},
      // Gemma 3 (text): Gemma 2 without attention soft-capping, plus QK-norm; five local layers
      // (window 512-1024, base 10000) to one global (base 1e6, linear scaling on the larger ones).
      {.name = "gemma3",
       .family = ModelFamily::kDecoder,
       .encoder = {},
       .hf_model_types = {"gemma3", "gemma3_text"},
       .rope_layout = RopeLayout::kNeox,
       .qkv_bias = false,
       .qk_norm = true,
       .explicit_head_dim = true,
       .post_norms = true,
       .scale_embeddings = true,
       .ffn_activation = FfnActivation::kGeluTanh,
       .sliding_window_period = 6,
       .local_rope_base = true,
       .reads_final_softcap = true,
       .wide_query_scale_layers = 62,
       .tied_output = true,
       .rms_eps = 1e-6f,
       .rope_base = 1e6f,
       .tokenizer_models = {"llama"}},
      // Phi-3 / 3.5 / 4: fused QKV and gate/up projections; the long-context variants carry
      // LongRoPE's per-pair divisors (long and short) and an attention factor.
      {.name = "phi3",
       .family = ModelFamily::kDecoder,
       .encoder = {},
       .hf_model_types = {"phi3"},
       .rope_layout = RopeLayout::kNeox,
       .qkv_bias = false,
       .qk_norm = false,
       .explicit_head_dim = false,
       .fused_qkv = true,
       .fused_gate_up = true,
       .long_short_rope_factors = true,
       .rms_eps = 1e-5f,
       .rope_base = 1e4f,
       .tokenizer_models = {"llama", "gpt2"}},
      // BERT-style encoders (bge, e5, MiniLM) and their rerankers; XLM-RoBERTa ones (bge-m3,
      // bge-reranker-v2-m3) are the same blocks with a SentencePiece unigram ("t5") vocabulary.
      {.name = "bert",
       .family = ModelFamily::kEncoder,
       .encoder = {},
       .hf_model_types = {"bert", "roberta", "xlm-roberta"},
       .rope_layout = RopeLayout::kAdjacentPairs,
       .qkv_bias = true,
       .qk_norm = false,
       .explicit_head_dim = false,
       .rms_eps = 1e-12f,
       .rope_base = 0.0f,
       .tokenizer_models = {"bert", "t5"}},
      // nomic-embed-text v1 / v1.5: BERT's post-norm blocks with NEOX RoPE instead of position
      // embeddings, fused QKV, SwiGLU and no projection biases (its converter asserts them off).
      {.name = "nomic-bert",
       .family = ModelFamily::kEncoder,
       .encoder = {.position_table = false, .gated_ffn = true, .projection_biases = false},
       .hf_model_types = {"nomic_bert"},
       .rope_layout = RopeLayout::kNeox,
       .qkv_bias = false,
       .qk_norm = false,
       .explicit_head_dim = false,
       .fused_qkv = true,
       .rms_eps = 1e-12f,
       .rope_base = 1000.0f,
       .tokenizer_models = {"bert"}},
  };
  return kRows;
}

const char* family_name(ModelFamily family) {
  return family == ModelFamily::kDecoder ? "decoder" : "encoder";
}

}  // namespace

const Architecture* find_architecture(std::string_view name) {
  for (const Architecture& a : architectures()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const Architecture* find_hf_architecture(std::string_view model_type) {
  for (const Architecture& a : architectures()) {
    for (std::string_view t : a.hf_model_types) {
      if (t == model_type) return &a;
    }
  }
  return nullptr;
}

std::string architecture_names(std::optional<ModelFamily> family) {
  std::string names;
  for (const Architecture& a : architectures()) {
    if (family && a.family != *family) continue;
    if (!names.empty()) names += ", ";
    names += a.name;
  }
  return names;
}

Result<const Architecture*> require_architecture(std::string_view name, ModelFamily family,
                                                 const std::string& source) {
  const Architecture* arch = find_architecture(name);
  if (arch != nullptr && arch->family == family) return arch;
  std::string message = source + ": architecture '" + std::string(name) + "' ";
  if (arch != nullptr) {
    const auto with_article = [](ModelFamily f) {
      return std::string(f == ModelFamily::kDecoder ? "a " : "an ") + family_name(f);
    };
    message += "is " + with_article(arch->family) + ", not " + with_article(family) + " (" +
               family_name(family) + "s: " + architecture_names(family) + ")";
  } else {
    message += "is not supported (supported: " + architecture_names() + ")";
  }
  return unimplemented(message);
}

std::vector<DecoderTensorSlot> decoder_tensors(const Architecture& arch, const DecoderShape& s) {
  using T = DecoderTensor;
  std::vector<DecoderTensorSlot> slots;
  const auto add = [&](T what, int64_t layer, std::string name, std::vector<int64_t> dims,
                       bool optional = false) {
    slots.push_back({what, layer, std::move(name), std::move(dims), optional});
  };
  add(T::kTokenEmbedding, -1, "token_embd.weight", {s.dim, s.vocab});
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(T::kAttnNorm, l, p + "attn_norm.weight", {s.dim});
    if (arch.fused_qkv) {
      add(T::kQkv, l, p + "attn_qkv.weight", {s.dim, s.q_dim() + 2 * s.kv_dim()});
    } else {
      add(T::kQ, l, p + "attn_q.weight", {s.dim, s.q_dim()});
      add(T::kK, l, p + "attn_k.weight", {s.dim, s.kv_dim()});
      add(T::kV, l, p + "attn_v.weight", {s.dim, s.kv_dim()});
    }
    if (arch.qkv_bias) {
      add(T::kQBias, l, p + "attn_q.bias", {s.q_dim()});
      add(T::kKBias, l, p + "attn_k.bias", {s.kv_dim()});
      add(T::kVBias, l, p + "attn_v.bias", {s.kv_dim()});
    }
    if (arch.qk_norm) {
      add(T::kQNorm, l, p + "attn_q_norm.weight", {s.head_dim});
      add(T::kKNorm, l, p + "attn_k_norm.weight", {s.head_dim});
    }
    add(T::kAttnOutput, l, p + "attn_output.weight", {s.q_dim(), s.dim});
    if (arch.post_norms) add(T::kAttnPostNorm, l, p + "post_attention_norm.weight", {s.dim});
    add(T::kFfnNorm, l, p + "ffn_norm.weight", {s.dim});
    if (arch.fused_gate_up) {
      add(T::kGateUp, l, p + "ffn_up.weight", {s.dim, 2 * s.ffn});
    } else {
      add(T::kGate, l, p + "ffn_gate.weight", {s.dim, s.ffn});
      add(T::kUp, l, p + "ffn_up.weight", {s.dim, s.ffn});
    }
    add(T::kDown, l, p + "ffn_down.weight", {s.ffn, s.dim});
    if (arch.post_norms) add(T::kFfnPostNorm, l, p + "post_ffw_norm.weight", {s.dim});
  }
  add(T::kOutputNorm, -1, "output_norm.weight", {s.dim});
  add(T::kOutput, -1, "output.weight", {s.dim, s.vocab}, /*optional=*/true);
  add(T::kRopeFreqs, -1, "rope_freqs.weight", {s.n_rot / 2}, /*optional=*/true);
  if (arch.long_short_rope_factors) {
    add(T::kRopeFactorsLong, -1, "rope_factors_long.weight", {s.n_rot / 2}, /*optional=*/true);
    add(T::kRopeFactorsShort, -1, "rope_factors_short.weight", {s.n_rot / 2}, /*optional=*/true);
  }
  return slots;
}

}  // namespace tessera
