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
  TESSERA_ASSIGN_OR_RETURN(w.token_embd, load_matrix(file, "token_embd.weight", c.dim, c.vocab));
  w.layers.resize(static_cast<size_t>(c.n_layers));
  for (int64_t l = 0; l < c.n_layers; ++l) {
    LlamaLayerWeights& L = w.layers[static_cast<size_t>(l)];
    const std::string p = "blk." + std::to_string(l) + ".";
    TESSERA_ASSIGN_OR_RETURN(L.attn_norm, load_vector(file, p + "attn_norm.weight", c.dim));
    TESSERA_ASSIGN_OR_RETURN(L.wq, load_matrix(file, p + "attn_q.weight", c.dim, c.dim));
    TESSERA_ASSIGN_OR_RETURN(L.wk, load_matrix(file, p + "attn_k.weight", c.dim, c.kv_dim()));
    TESSERA_ASSIGN_OR_RETURN(L.wv, load_matrix(file, p + "attn_v.weight", c.dim, c.kv_dim()));
    TESSERA_ASSIGN_OR_RETURN(L.wo, load_matrix(file, p + "attn_output.weight", c.dim, c.dim));
    if (c.qkv_bias) {
      TESSERA_ASSIGN_OR_RETURN(L.bq, load_vector(file, p + "attn_q.bias", c.dim));
      TESSERA_ASSIGN_OR_RETURN(L.bk, load_vector(file, p + "attn_k.bias", c.kv_dim()));
      TESSERA_ASSIGN_OR_RETURN(L.bv, load_vector(file, p + "attn_v.bias", c.kv_dim()));
    }
    TESSERA_ASSIGN_OR_RETURN(L.ffn_norm, load_vector(file, p + "ffn_norm.weight", c.dim));
    TESSERA_ASSIGN_OR_RETURN(L.w_gate, load_matrix(file, p + "ffn_gate.weight", c.dim, c.ffn));
    TESSERA_ASSIGN_OR_RETURN(L.w_up, load_matrix(file, p + "ffn_up.weight", c.dim, c.ffn));
    TESSERA_ASSIGN_OR_RETURN(L.w_down, load_matrix(file, p + "ffn_down.weight", c.ffn, c.dim));
  }
  TESSERA_ASSIGN_OR_RETURN(w.output_norm, load_vector(file, "output_norm.weight", c.dim));
  if (file.find_tensor("output.weight") != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(w.output, load_matrix(file, "output.weight", c.dim, c.vocab));
  } else {
    w.output = w.token_embd;  // tied embeddings
  }
  if (file.find_tensor("rope_freqs.weight") != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(w.rope_freqs,
                             load_vector(file, "rope_freqs.weight", c.rope.n_rot / 2));
  }
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
    for (F32Vector* v : {&L.attn_norm, &L.ffn_norm, &L.bq, &L.bk, &L.bv}) placed.add(*v);
  }
  placed.add(output_norm);
  placed.add(output, "output.weight");
}

}  // namespace tessera
