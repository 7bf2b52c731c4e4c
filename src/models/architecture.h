// The architectures the engines run, one table row each: what differs between model families
// (RoPE layout, biases, QK-norm, defaults, which tokenizers suit them) and the tensor layout a
// decoder of that family has. Config, weights, forward passes, footprint, the planner and
// `pack --synthetic` all read the row instead of matching architecture strings themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tensor/rope_params.h"

namespace tessera {

enum class ModelFamily { kDecoder, kEncoder };

// The gated feed-forward's activation: down(act(gate(x)) · up(x)).
enum class FfnActivation {
  kSilu,      // SwiGLU (llama, qwen, phi3)
  kGeluTanh,  // GeGLU with GELU's tanh form (gemma)
};

// How an encoder's blocks differ between families (rows of family kEncoder; decoders leave the
// defaults). BERT is all defaults; nomic-bert rotates q and k instead of adding positions, gates
// its feed-forward and has no projection biases (and fuses q/k/v: the row's fused_qkv).
struct EncoderFeatures {
  // Learned absolute positions (position_embd.weight); false: RoPE on q and k, as the row's
  // rope_layout says, with `<arch>.rope.freq_base`.
  bool position_table = true;
  // SwiGLU feed-forward, down(silu(gate(x)) · up(x)), instead of down(gelu(up(x) + b)).
  bool gated_ffn = false;
  // Biases on the attention output and feed-forward projections (q/k/v biases: qkv_bias).
  bool projection_biases = true;
};

struct Architecture {
  std::string_view name;  // general.architecture, and the prefix of its metadata keys
  ModelFamily family = ModelFamily::kDecoder;
  EncoderFeatures encoder;  // encoders only; decoders write {}
  // Hugging Face config.json model_type values the planner maps to this row.
  std::vector<std::string_view> hf_model_types;
  RopeLayout rope_layout = RopeLayout::kAdjacentPairs;
  bool qkv_bias = false;  // attn_{q,k,v}.bias
  bool qk_norm = false;   // attn_{q,k}_norm.weight [head_dim]: RMSNorm of each head before RoPE
  // The head size is its own hyperparameter (attention.key_length), not dim / heads.
  bool explicit_head_dim = false;
  // Fused projections as the family's converter writes them: attn_qkv.weight (rows Q, then K,
  // then V; phi3, nomic-bert) and ffn_up.weight holding the gate rows, then the up rows (phi3).
  bool fused_qkv = false;
  bool fused_gate_up = false;
  // An RMSNorm of each block's output before it joins the residual stream (attn_post_norm,
  // ffn_post_norm: gemma 2/3).
  bool post_norms = false;
  bool scale_embeddings = false;  // token embeddings × sqrt(dim) (gemma)
  FfnActivation ffn_activation = FfnActivation::kSilu;
  // Sliding-window attention, once the file gives attention.sliding_window (or the default
  // below): layer l attends locally when l % period < period - 1 (gemma 2: every other layer,
  // gemma 3: five of six); attention.sliding_window_pattern overrides the period. 0: none.
  int sliding_window_period = 0;
  int64_t default_sliding_window = 0;  // used when the file lacks the key (gemma 2: 4096)
  // Local layers rotate with their own base (rope.freq_base_swa, default 10000) and unscaled
  // positions (gemma 3); otherwise every layer shares the global RoPE.
  bool local_rope_base = false;
  // Soft-capping, cap · tanh(x / cap): of attention scores (attn_logit_softcapping) and of the
  // final logits (final_logit_softcapping). The values are the defaults for files without the
  // keys; 0: none unless the file gives one (final) / never (attention).
  float attn_softcap = 0.0f;
  float final_softcap = 0.0f;
  bool reads_final_softcap = false;
  // The layer count of the one family member whose queries are scaled by 1/sqrt(dim / heads)
  // rather than 1/sqrt(head_dim) (Gemma 27B's query_pre_attn_scalar, 144; GGUF does not store
  // it, so llama.cpp and we recognise the model by its depth). 0: none.
  int64_t wide_query_scale_layers = 0;
  // Per-pair RoPE divisors rope_factors_long/short.weight, long ones when the context exceeds
  // rope.scaling.original_context_length (phi3's LongRoPE).
  bool long_short_rope_factors = false;
  // The family's Hugging Face configs tie the output to the token embedding unless they say
  // otherwise (tie_word_embeddings defaults to true for gemma); the planner reads this.
  bool tied_output = false;
  // Defaults `pack --synthetic` writes (the values of the family's published configs).
  float rms_eps = 1e-5f;
  float rope_base = 10000.0f;
  // tokenizer.ggml.model values a file of this family carries.
  std::vector<std::string_view> tokenizer_models;
};

// The row for a general.architecture value, or null.
const Architecture* find_architecture(std::string_view name);

// The row for a Hugging Face model_type, or null.
const Architecture* find_hf_architecture(std::string_view model_type);

// "llama, qwen2, qwen3" (one family) or every name, for messages and CLI help.
std::string architecture_names(std::optional<ModelFamily> family = std::nullopt);

// The row for `name` if it is of `family`; otherwise an error naming `source`, the architecture,
// and the supported ones.
Result<const Architecture*> require_architecture(std::string_view name, ModelFamily family,
                                                 const std::string& source);

// ---- Decoder tensor layout ----

// What a decoder tensor is for; the weight loader binds by this, `pack` draws values by it.
enum class DecoderTensor {
  kTokenEmbedding,
  kAttnNorm,
  kQ,
  kK,
  kV,
  kQBias,
  kKBias,
  kVBias,
  kQNorm,
  kKNorm,
  kAttnOutput,
  kFfnNorm,
  kGate,
  kUp,
  kDown,
  kOutputNorm,
  kOutput,     // absent when the file ties it to the token embedding
  kRopeFreqs,  // llama 3 frequency factors; optional
  kQkv,        // fused Q, K, V rows (fused_qkv)
  kGateUp,     // fused gate and up rows (fused_gate_up)
  kAttnPostNorm,
  kFfnPostNorm,
  kRopeFactorsLong,  // phi3 LongRoPE divisors; optional
  kRopeFactorsShort,
};

struct DecoderShape {
  int64_t layers = 0;
  int64_t dim = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t ffn = 0;
  int64_t vocab = 0;
  int64_t n_rot = 0;  // rotated dimensions per head (rope_freqs has n_rot / 2 factors)

  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
};

struct DecoderTensorSlot {
  DecoderTensor what;
  int64_t layer;  // -1 for tensors outside the blocks
  std::string name;
  std::vector<int64_t> dims;  // GGUF order: [columns (in), rows (out)]
  bool optional;              // may be absent (tied output, rope_freqs)

  bool is_matrix() const { return dims.size() == 2; }
};

// Every tensor a decoder of `arch` with `shape` has, in the order llama.cpp's converters write
// them.
std::vector<DecoderTensorSlot> decoder_tensors(const Architecture& arch, const DecoderShape& shape);

}  // namespace tessera
