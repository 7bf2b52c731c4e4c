#include "models/bert_weights.h"

#include "models/llama_weights.h"  // load_vector, load_matrix

namespace tessera {
namespace {

// The row count (dims[1]) of a 2-D tensor whose rows have `row` elements, or an error.
Result<int64_t> table_rows(const gguf::File& file, const std::string& name, int64_t row) {
  const gguf::TensorInfo* t = file.find_tensor(name);
  if (t == nullptr) {
    return not_found(file.name() + ": missing tensor '" + name + "' (expected shape [" +
                     std::to_string(row) + ", rows])");
  }
  if (t->dims.size() != 2 || t->dims[0] != row || t->dims[1] < 1) {
    std::string shape;
    for (int64_t d : t->dims) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    return data_loss(file.name() + ": tensor '" + name + "' has shape [" + shape + "], expected [" +
                     std::to_string(row) + ", rows]");
  }
  return t->dims[1];
}

// A small 2-D table (positions, token types) decoded to F32, rows back to back.
Result<F32Vector> load_table(const gguf::File& file, const std::string& name, int64_t row,
                             int64_t rows) {
  TESSERA_RETURN_IF_ERROR(load_matrix(file, name, row, rows).status());
  F32Vector table;
  table.host = gguf::dequantize(*file.find_tensor(name));
  table.data = table.host.data();
  return table;
}

Status load_layer(const gguf::File& file, const BertConfig& c, int64_t l, BertLayerWeights& L) {
  const std::string p = "blk." + std::to_string(l) + ".";
  const int64_t d = c.dim;
  TESSERA_ASSIGN_OR_RETURN(L.wq, load_matrix(file, p + "attn_q.weight", d, d));
  TESSERA_ASSIGN_OR_RETURN(L.bq, load_vector(file, p + "attn_q.bias", d));
  TESSERA_ASSIGN_OR_RETURN(L.wk, load_matrix(file, p + "attn_k.weight", d, d));
  TESSERA_ASSIGN_OR_RETURN(L.bk, load_vector(file, p + "attn_k.bias", d));
  TESSERA_ASSIGN_OR_RETURN(L.wv, load_matrix(file, p + "attn_v.weight", d, d));
  TESSERA_ASSIGN_OR_RETURN(L.bv, load_vector(file, p + "attn_v.bias", d));
  TESSERA_ASSIGN_OR_RETURN(L.wo, load_matrix(file, p + "attn_output.weight", d, d));
  TESSERA_ASSIGN_OR_RETURN(L.bo, load_vector(file, p + "attn_output.bias", d));
  TESSERA_ASSIGN_OR_RETURN(L.attn_norm_w, load_vector(file, p + "attn_output_norm.weight", d));
  TESSERA_ASSIGN_OR_RETURN(L.attn_norm_b, load_vector(file, p + "attn_output_norm.bias", d));
  TESSERA_ASSIGN_OR_RETURN(L.w_up, load_matrix(file, p + "ffn_up.weight", d, c.ffn));
  TESSERA_ASSIGN_OR_RETURN(L.b_up, load_vector(file, p + "ffn_up.bias", c.ffn));
  TESSERA_ASSIGN_OR_RETURN(L.w_down, load_matrix(file, p + "ffn_down.weight", c.ffn, d));
  TESSERA_ASSIGN_OR_RETURN(L.b_down, load_vector(file, p + "ffn_down.bias", d));
  TESSERA_ASSIGN_OR_RETURN(L.out_norm_w, load_vector(file, p + "layer_output_norm.weight", d));
  TESSERA_ASSIGN_OR_RETURN(L.out_norm_b, load_vector(file, p + "layer_output_norm.bias", d));
  return {};
}

Status load_rerank_head(const gguf::File& file, BertConfig& c, BertWeights& w) {
  if (file.find_tensor("cls.output.weight") == nullptr) {
    if (c.pooling == Pooling::kRank) {
      return not_found(file.name() +
                       ": bert.pooling_type is rank but the reranker head tensor "
                       "'cls.output.weight' is missing");
    }
    return {};
  }
  TESSERA_ASSIGN_OR_RETURN(c.rerank_outputs, table_rows(file, "cls.output.weight", c.dim));
  TESSERA_ASSIGN_OR_RETURN(w.cls_out,
                           load_matrix(file, "cls.output.weight", c.dim, c.rerank_outputs));
  TESSERA_ASSIGN_OR_RETURN(w.cls_out_b, load_vector(file, "cls.output.bias", c.rerank_outputs));
  w.has_cls = file.find_tensor("cls.weight") != nullptr;
  if (w.has_cls) {
    TESSERA_ASSIGN_OR_RETURN(w.cls, load_matrix(file, "cls.weight", c.dim, c.dim));
    TESSERA_ASSIGN_OR_RETURN(w.cls_b, load_vector(file, "cls.bias", c.dim));
  }
  c.rerank_head = true;
  return {};
}

}  // namespace

Result<BertWeights> load_bert_weights(const gguf::File& file, BertConfig& c) {
  BertWeights w;
  TESSERA_ASSIGN_OR_RETURN(const int64_t vocab, table_rows(file, "token_embd.weight", c.dim));
  if (c.vocab == 0) c.vocab = vocab;
  TESSERA_ASSIGN_OR_RETURN(w.token_embd, load_matrix(file, "token_embd.weight", c.dim, c.vocab));
  if (file.find_tensor("token_types.weight") != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(c.token_types, table_rows(file, "token_types.weight", c.dim));
    TESSERA_ASSIGN_OR_RETURN(w.token_types,
                             load_table(file, "token_types.weight", c.dim, c.token_types));
  }
  TESSERA_ASSIGN_OR_RETURN(w.positions, load_table(file, "position_embd.weight", c.dim, c.context));
  TESSERA_ASSIGN_OR_RETURN(w.embd_norm_w, load_vector(file, "token_embd_norm.weight", c.dim));
  TESSERA_ASSIGN_OR_RETURN(w.embd_norm_b, load_vector(file, "token_embd_norm.bias", c.dim));
  w.layers.resize(static_cast<size_t>(c.n_layers));
  for (int64_t l = 0; l < c.n_layers; ++l) {
    TESSERA_RETURN_IF_ERROR(load_layer(file, c, l, w.layers[static_cast<size_t>(l)]));
  }
  TESSERA_RETURN_IF_ERROR(load_rerank_head(file, c, w));
  return w;
}

void BertWeights::add_to(PlacedWeights& placed) {
  placed.add(token_embd, "token_embd.weight");
  placed.add(token_types);
  placed.add(positions);
  placed.add(embd_norm_w);
  placed.add(embd_norm_b);
  for (size_t l = 0; l < layers.size(); ++l) {
    BertLayerWeights& L = layers[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    placed.add(L.wq, p + "attn_q.weight");
    placed.add(L.wk, p + "attn_k.weight");
    placed.add(L.wv, p + "attn_v.weight");
    placed.add(L.wo, p + "attn_output.weight");
    placed.add(L.w_up, p + "ffn_up.weight");
    placed.add(L.w_down, p + "ffn_down.weight");
    for (F32Vector* v : {&L.bq, &L.bk, &L.bv, &L.bo, &L.attn_norm_w, &L.attn_norm_b, &L.b_up,
                         &L.b_down, &L.out_norm_w, &L.out_norm_b}) {
      placed.add(*v);
    }
  }
  if (has_cls) {
    placed.add(cls, "cls.weight");
    placed.add(cls_b);
  }
  if (cls_out.data != nullptr) {
    placed.add(cls_out, "cls.output.weight");
    placed.add(cls_out_b);
  }
}

}  // namespace tessera
