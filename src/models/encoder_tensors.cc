#include "models/encoder_tensors.h"

namespace tessera {

std::vector<EncoderTensorSlot> encoder_tensors(const Architecture& arch, const EncoderShape& s) {
  using T = EncoderTensor;
  const EncoderFeatures& f = arch.encoder;
  std::vector<EncoderTensorSlot> slots;
  const auto add = [&](T what, int64_t layer, std::string name, std::vector<int64_t> dims,
                       bool optional = false) {
    slots.push_back({what, layer, std::move(name), std::move(dims), optional});
  };
  const int64_t d = s.dim;
  add(T::kTokenEmbedding, -1, "token_embd.weight", {d, s.vocab});
  if (s.token_types > 0) {
    add(T::kTokenTypes, -1, "token_types.weight", {d, s.token_types}, /*optional=*/true);
  }
  if (f.position_table) add(T::kPositions, -1, "position_embd.weight", {d, s.context});
  add(T::kEmbedNorm, -1, "token_embd_norm.weight", {d});
  add(T::kEmbedNormBias, -1, "token_embd_norm.bias", {d});
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    if (arch.fused_qkv) {
      add(T::kQkv, l, p + "attn_qkv.weight", {d, 3 * d});
      if (arch.qkv_bias) add(T::kQkvBias, l, p + "attn_qkv.bias", {3 * d});
    } else {
      const struct {
        T weight, bias;
        const char* name;
      } projections[] = {
          {T::kQ, T::kQBias, "attn_q"}, {T::kK, T::kKBias, "attn_k"}, {T::kV, T::kVBias, "attn_v"}};
      for (const auto& pr : projections) {
        add(pr.weight, l, p + pr.name + ".weight", {d, d});
        if (arch.qkv_bias) add(pr.bias, l, p + pr.name + ".bias", {d});
      }
    }
    add(T::kAttnOutput, l, p + "attn_output.weight", {d, d});
    if (f.projection_biases) add(T::kAttnOutputBias, l, p + "attn_output.bias", {d});
    add(T::kAttnNorm, l, p + "attn_output_norm.weight", {d});
    add(T::kAttnNormBias, l, p + "attn_output_norm.bias", {d});
    add(T::kUp, l, p + "ffn_up.weight", {d, s.ffn});
    if (f.projection_biases) add(T::kUpBias, l, p + "ffn_up.bias", {s.ffn});
    if (f.gated_ffn) add(T::kGate, l, p + "ffn_gate.weight", {d, s.ffn});
    add(T::kDown, l, p + "ffn_down.weight", {s.ffn, d});
    if (f.projection_biases) add(T::kDownBias, l, p + "ffn_down.bias", {d});
    add(T::kOutputNorm, l, p + "layer_output_norm.weight", {d});
    add(T::kOutputNormBias, l, p + "layer_output_norm.bias", {d});
  }
  if (s.rerank_outputs > 0) {
    // Some classifiers project h_[CLS] straight to the scores (no cls.weight / cls.bias).
    add(T::kCls, -1, "cls.weight", {d, d}, /*optional=*/true);
    add(T::kClsBias, -1, "cls.bias", {d}, /*optional=*/true);
    add(T::kClsOutput, -1, "cls.output.weight", {d, s.rerank_outputs});
    add(T::kClsOutputBias, -1, "cls.output.bias", {s.rerank_outputs});
  }
  return slots;
}

}  // namespace tessera
