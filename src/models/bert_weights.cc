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

// `n` floats of `v` from `first`, as a vector of their own (the parts of a fused bias).
F32Vector slice(const F32Vector& v, int64_t first, int64_t n) {
  F32Vector part;
  part.host.assign(v.host.begin() + first, v.host.begin() + first + n);
  part.data = part.host.data();
  return part;
}

// Reads the head's shape into the config: the layout's head slots depend on it.
Status find_rerank_head(const gguf::File& file, BertConfig& c) {
  c.rerank_head = file.find_tensor("cls.output.weight") != nullptr;
  if (!c.rerank_head) {
    if (c.pooling == Pooling::kRank) {
      return not_found(file.name() + ": " + c.arch +
                       ".pooling_type is rank but the reranker head tensor "
                       "'cls.output.weight' is missing");
    }
    return {};
  }
  TESSERA_ASSIGN_OR_RETURN(c.rerank_outputs, table_rows(file, "cls.output.weight", c.dim));
  return {};
}

// Where a slot's tensor goes, or an error for a head bias without its projection.
Status bind(const gguf::File& file, const EncoderTensorSlot& slot, BertWeights& w) {
  using T = EncoderTensor;
  BertLayerWeights* L = slot.layer >= 0 ? &w.layers[static_cast<size_t>(slot.layer)] : nullptr;
  WeightMatrix* matrix = nullptr;
  F32Vector* vector = nullptr;
  switch (slot.what) {
    case T::kTokenEmbedding:
      matrix = &w.token_embd;
      break;
    case T::kTokenTypes: {
      TESSERA_ASSIGN_OR_RETURN(w.token_types,
                               load_table(file, slot.name, slot.dims[0], slot.dims[1]));
      return {};
    }
    case T::kPositions: {
      TESSERA_ASSIGN_OR_RETURN(w.positions,
                               load_table(file, slot.name, slot.dims[0], slot.dims[1]));
      return {};
    }
    case T::kQkv: {
      // Rows Q, then K, then V (llama.cpp's views of the fused product use the same offsets).
      TESSERA_ASSIGN_OR_RETURN(const WeightMatrix qkv,
                               load_matrix(file, slot.name, slot.dims[0], slot.dims[1]));
      const int64_t d = slot.dims[0];
      w.fused_qkv = true;
      L->wq = qkv.rows(0, d);
      L->wk = qkv.rows(d, d);
      L->wv = qkv.rows(2 * d, d);
      return {};
    }
    case T::kQkvBias: {
      TESSERA_ASSIGN_OR_RETURN(const F32Vector b, load_vector(file, slot.name, slot.dims[0]));
      const int64_t d = slot.dims[0] / 3;
      L->bq = slice(b, 0, d);
      L->bk = slice(b, d, d);
      L->bv = slice(b, 2 * d, d);
      return {};
    }
    case T::kEmbedNorm:
      vector = &w.embd_norm_w;
      break;
    case T::kEmbedNormBias:
      vector = &w.embd_norm_b;
      break;
    case T::kQ:
      matrix = &L->wq;
      break;
    case T::kQBias:
      vector = &L->bq;
      break;
    case T::kK:
      matrix = &L->wk;
      break;
    case T::kKBias:
      vector = &L->bk;
      break;
    case T::kV:
      matrix = &L->wv;
      break;
    case T::kVBias:
      vector = &L->bv;
      break;
    case T::kAttnOutput:
      matrix = &L->wo;
      break;
    case T::kAttnOutputBias:
      vector = &L->bo;
      break;
    case T::kAttnNorm:
      vector = &L->attn_norm_w;
      break;
    case T::kAttnNormBias:
      vector = &L->attn_norm_b;
      break;
    case T::kUp:
      matrix = &L->w_up;
      break;
    case T::kUpBias:
      vector = &L->b_up;
      break;
    case T::kGate:
      matrix = &L->w_gate;
      break;
    case T::kDown:
      matrix = &L->w_down;
      break;
    case T::kDownBias:
      vector = &L->b_down;
      break;
    case T::kOutputNorm:
      vector = &L->out_norm_w;
      break;
    case T::kOutputNormBias:
      vector = &L->out_norm_b;
      break;
    case T::kCls:
      matrix = &w.cls;
      w.has_cls = true;
      break;
    case T::kClsBias:
      vector = &w.cls_b;
      break;
    case T::kClsOutput:
      matrix = &w.cls_out;
      break;
    case T::kClsOutputBias:
      vector = &w.cls_out_b;
      break;
  }
  if (matrix != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(*matrix, load_matrix(file, slot.name, slot.dims[0], slot.dims[1]));
  } else {
    TESSERA_ASSIGN_OR_RETURN(*vector, load_vector(file, slot.name, slot.dims[0]));
  }
  return {};
}

}  // namespace

Result<BertWeights> load_bert_weights(const gguf::File& file, BertConfig& c) {
  BertWeights w;
  TESSERA_ASSIGN_OR_RETURN(const int64_t vocab, table_rows(file, "token_embd.weight", c.dim));
  if (c.vocab == 0) c.vocab = vocab;
  c.token_types = 0;
  if (file.find_tensor("token_types.weight") != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(c.token_types, table_rows(file, "token_types.weight", c.dim));
  }
  TESSERA_RETURN_IF_ERROR(find_rerank_head(file, c));
  w.layers.resize(static_cast<size_t>(c.n_layers));
  for (const EncoderTensorSlot& slot : encoder_tensors(*c.architecture, c.shape())) {
    if (slot.optional && file.find_tensor(slot.name) == nullptr) continue;
    TESSERA_RETURN_IF_ERROR(bind(file, slot, w));
  }
  if (w.has_cls && w.cls_b.empty()) {
    return not_found(file.name() + ": missing tensor 'cls.bias' (expected shape [" +
                     std::to_string(c.dim) + "]): cls.weight needs it");
  }
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
    const auto qkv_name = [&](const char* part) {
      return fused_qkv ? p + "attn_qkv.weight (" + part + " rows)" : p + "attn_" + part + ".weight";
    };
    placed.add(L.wq, qkv_name("q"));
    placed.add(L.wk, qkv_name("k"));
    placed.add(L.wv, qkv_name("v"));
    placed.add(L.wo, p + "attn_output.weight");
    placed.add(L.w_up, p + "ffn_up.weight");
    if (L.w_gate.data != nullptr) placed.add(L.w_gate, p + "ffn_gate.weight");
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
