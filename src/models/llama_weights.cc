#include "models/llama_weights.h"

namespace tessera {
namespace {

std::string shape_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Result<const gguf::TensorInfo*> find_tensor(const gguf::File& file, const std::string& name,
                                            const std::vector<int64_t>& expected) {
  const gguf::TensorInfo* t = file.find_tensor(name);
  if (t == nullptr) {
    return not_found(file.name() + ": missing tensor '" + name + "' (expected shape " +
                     shape_string(expected) + ")");
  }
  // Trailing dimensions of 1 are equivalent ([n] == [n, 1]).
  std::vector<int64_t> dims = t->dims;
  while (dims.size() > expected.size() && dims.back() == 1) dims.pop_back();
  if (dims != expected) {
    return data_loss(file.name() + ": tensor '" + name + "' has shape " + shape_string(t->dims) +
                     ", expected " + shape_string(expected));
  }
  return t;
}

}  // namespace

Result<F32Vector> load_vector(const gguf::File& file, const std::string& name, int64_t n) {
  TESSERA_ASSIGN_OR_RETURN(const gguf::TensorInfo* t, find_tensor(file, name, {n}));
  F32Vector v;
  v.host = gguf::dequantize(*t);
  v.data = v.host.data();
  return v;
}

Result<WeightMatrix> load_matrix(const gguf::File& file, const std::string& name, int64_t in,
                                 int64_t out) {
  TESSERA_ASSIGN_OR_RETURN(const gguf::TensorInfo* t, find_tensor(file, name, {in, out}));
  return WeightMatrix{t->data, t->type, in, out};
}

Result<LlamaWeights> load_llama_weights(const gguf::File& file, LlamaConfig& c) {
  LlamaWeights w;
  const gguf::TensorInfo* embd = file.find_tensor("token_embd.weight");
  if (embd == nullptr) return not_found(file.name() + ": missing tensor 'token_embd.weight'");
  if (c.vocab == 0 && embd->dims.size() == 2) c.vocab = embd->dims[1];
  w.layers.resize(static_cast<size_t>(c.n_layers));
  bool has_output = false;
  for (const DecoderTensorSlot& slot : decoder_tensors(*c.architecture, c.shape())) {
    if (slot.optional && file.find_tensor(slot.name) == nullptr) continue;
    using T = DecoderTensor;
    LlamaLayerWeights* L = slot.layer >= 0 ? &w.layers[static_cast<size_t>(slot.layer)] : nullptr;
    WeightMatrix* matrix = nullptr;
    F32Vector* vector = nullptr;
    switch (slot.what) {
      case T::kTokenEmbedding:
        matrix = &w.token_embd;
        break;
      case T::kAttnNorm:
        vector = &L->attn_norm;
        break;
      case T::kQ:
        matrix = &L->wq;
        break;
      case T::kK:
        matrix = &L->wk;
        break;
      case T::kV:
        matrix = &L->wv;
        break;
      case T::kQBias:
        vector = &L->bq;
        break;
      case T::kKBias:
        vector = &L->bk;
        break;
      case T::kVBias:
        vector = &L->bv;
        break;
      case T::kQNorm:
        vector = &L->q_norm;
        break;
      case T::kKNorm:
        vector = &L->k_norm;
        break;
      case T::kAttnOutput:
        matrix = &L->wo;
        break;
      case T::kFfnNorm:
        vector = &L->ffn_norm;
        break;
      case T::kGate:
        matrix = &L->w_gate;
        break;
      case T::kUp:
        matrix = &L->w_up;
        break;
      case T::kDown:
        matrix = &L->w_down;
        break;
      case T::kOutputNorm:
        vector = &w.output_norm;
        break;
      case T::kOutput:
        matrix = &w.output;
        has_output = true;
        break;
      case T::kRopeFreqs:
        vector = &w.rope_freqs;
        break;
      case T::kRopeFactorsLong:
        vector = &w.rope_factors_long;
        break;
      case T::kRopeFactorsShort:
        vector = &w.rope_factors_short;
        break;
      case T::kAttnPostNorm:
        vector = &L->attn_post_norm;
        break;
      case T::kFfnPostNorm:
        vector = &L->ffn_post_norm;
        break;
      case T::kQkv: {
        TESSERA_ASSIGN_OR_RETURN(WeightMatrix qkv,
                                 load_matrix(file, slot.name, slot.dims[0], slot.dims[1]));
        L->wq = qkv.rows(0, c.q_dim());
        L->wk = qkv.rows(c.q_dim(), c.kv_dim());
        L->wv = qkv.rows(c.q_dim() + c.kv_dim(), c.kv_dim());
        continue;
      }
      case T::kGateUp: {
        TESSERA_ASSIGN_OR_RETURN(WeightMatrix gate_up,
                                 load_matrix(file, slot.name, slot.dims[0], slot.dims[1]));
        L->w_gate = gate_up.rows(0, c.ffn);
        L->w_up = gate_up.rows(c.ffn, c.ffn);
        continue;
      }
    }
    if (matrix != nullptr) {
      TESSERA_ASSIGN_OR_RETURN(*matrix, load_matrix(file, slot.name, slot.dims[0], slot.dims[1]));
    } else {
      TESSERA_ASSIGN_OR_RETURN(*vector, load_vector(file, slot.name, slot.dims[0]));
    }
  }
  if (!has_output) w.output = w.token_embd;  // tied embeddings
  return w;
}

void LlamaWeights::add_to(PlacedWeights& placed) {
  placed.add(token_embd, "token_embd.weight");
  for (size_t l = 0; l < layers.size(); ++l) {
    LlamaLayerWeights& L = layers[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    placed.add(L.wq, p + "attn_q.weight");
    placed.add(L.wk, p + "attn_k.weight");
    placed.add(L.wv, p + "attn_v.weight");
    placed.add(L.wo, p + "attn_output.weight");
    placed.add(L.w_gate, p + "ffn_gate.weight");
    placed.add(L.w_up, p + "ffn_up.weight");
    placed.add(L.w_down, p + "ffn_down.weight");
    for (F32Vector* v : {&L.attn_norm, &L.ffn_norm, &L.bq, &L.bk, &L.bv, &L.q_norm, &L.k_norm,
                         &L.attn_post_norm, &L.ffn_post_norm})
      placed.add(*v);
  }
  placed.add(output_norm);
  placed.add(output, "output.weight");
}

}  // namespace tessera
