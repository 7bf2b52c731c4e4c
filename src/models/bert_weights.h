// The tensors of an encoder, resolved from a GGUF file by its architecture's tensor layout
// (models/encoder_tensors.h) and checked against the config.
// Matrices (and the token embedding table) stay in the mapping in their on-disk type; a fused
// attn_qkv matrix is three row views of it. Norms, biases and the small position / token-type
// tables are decoded to F32 once at load.
#pragma once

#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "models/bert_config.h"
#include "models/placed_weights.h"
#include "tensor/weight_matrix.h"

namespace tessera {

struct BertLayerWeights {
  WeightMatrix wq, wk, wv, wo;
  F32Vector bq, bk, bv, bo;            // empty where the architecture has no such bias
  F32Vector attn_norm_w, attn_norm_b;  // attn_output_norm: after the attention residual
  WeightMatrix w_up, w_gate, w_down;   // w_gate: gated (SwiGLU) feed-forwards only
  F32Vector b_up, b_down;
  F32Vector out_norm_w, out_norm_b;  // layer_output_norm: after the FFN residual
};

struct BertWeights {
  WeightMatrix token_embd;  // [vocab][dim]
  F32Vector token_types;    // [token_types][dim]; empty when the model has none
  F32Vector positions;      // [context][dim]; empty for RoPE encoders
  F32Vector embd_norm_w, embd_norm_b;
  std::vector<BertLayerWeights> layers;
  bool fused_qkv = false;  // wq, wk, wv are row views of one attn_qkv matrix per layer
  // Reranker head: score = cls.output · tanh(cls · h_[CLS] + cls.bias) + cls.output.bias; the
  // inner projection is absent in some classifiers (then h_[CLS] feeds cls.output directly).
  bool has_cls = false;
  WeightMatrix cls;
  F32Vector cls_b;
  WeightMatrix cls_out;
  F32Vector cls_out_b;

  // Queues every tensor for placement on a backend.
  void add_to(PlacedWeights& placed);
};

// Fills config.vocab, token_types, rerank_head and rerank_outputs from the tensors. A missing
// tensor or a wrong shape is an error naming the tensor and the expected shape;
// `<arch>.pooling_type` = rank without a cls.output head is an error too.
Result<BertWeights> load_bert_weights(const gguf::File& file, BertConfig& config);

}  // namespace tessera
