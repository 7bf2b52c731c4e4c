// The tensors of a BERT encoder, resolved from a GGUF file and checked against the config.
// Matrices (and the token embedding table) stay in the mapping in their on-disk type; norms,
// biases and the small position / token-type tables are decoded to F32 once at load.
#pragma once

#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "kernels/cpu/matmul.h"
#include "models/bert_config.h"

namespace tessera {

struct BertLayerWeights {
  kernels::WeightMatrix wq, wk, wv, wo;
  std::vector<float> bq, bk, bv, bo;
  std::vector<float> attn_norm_w, attn_norm_b;  // attn_output_norm: after the attention residual
  kernels::WeightMatrix w_up, w_down;
  std::vector<float> b_up, b_down;
  std::vector<float> out_norm_w, out_norm_b;  // layer_output_norm: after the FFN residual
};

struct BertWeights {
  kernels::WeightMatrix token_embd;  // [vocab][dim]
  std::vector<float> token_types;    // [token_types][dim]; empty when the model has none
  std::vector<float> positions;      // [context][dim]
  std::vector<float> embd_norm_w, embd_norm_b;
  std::vector<BertLayerWeights> layers;
  // Reranker head: score = cls.output · tanh(cls · h_[CLS] + cls.bias) + cls.output.bias; the
  // inner projection is absent in some classifiers (then h_[CLS] feeds cls.output directly).
  bool has_cls = false;
  kernels::WeightMatrix cls;
  std::vector<float> cls_b;
  kernels::WeightMatrix cls_out;
  std::vector<float> cls_out_b;
};

// Fills config.vocab, token_types, rerank_head and rerank_outputs from the tensors. A missing
// tensor or a wrong shape is an error naming the tensor and the expected shape; `bert.pooling_type`
// = rank without a cls.output head is an error too.
Result<BertWeights> load_bert_weights(const gguf::File& file, BertConfig& config);

}  // namespace tessera
