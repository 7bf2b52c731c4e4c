#include "plan/tensor_parallel.h"

#include <string_view>

#include "models/weight_policy.h"

namespace tessera::plan {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

bool splits_over(const ModelShape& shape, int n) {
  if (n <= 1) return true;
  if (shape.n_heads % n != 0 || shape.n_kv_heads < 1) return false;
  return shape.n_kv_heads % n == 0 || n % shape.n_kv_heads == 0;
}

ModelShape tensor_parallel_shard(const ModelShape& shape, int n) {
  if (n <= 1) return shape;
  ModelShape s = shape;
  s.name = shape.name + " (1/" + std::to_string(n) + ")";
  s.n_heads = shape.n_heads / n;
  s.n_kv_heads = shape.n_kv_heads >= n ? shape.n_kv_heads / n : 1;
  s.ffn = ceil_div(shape.ffn, n);
  s.vocab = ceil_div(shape.vocab, n);
  const int64_t kv_dim = s.kv_dim();
  for (TensorShape& t : s.tensors) {
    if (t.dims.size() == 1) {
      // Biases of column-split projections split with them; norms stay whole.
      if (ends_with(t.name, "attn_q.bias")) t.dims[0] = s.n_heads * s.head_dim;
      if (ends_with(t.name, "attn_k.bias") || ends_with(t.name, "attn_v.bias")) t.dims[0] = kv_dim;
      continue;
    }
    if (!is_weight_matrix(t.name, t.dims)) continue;
    if (ends_with(t.name, "attn_k.weight") || ends_with(t.name, "attn_v.weight")) {
      t.dims[1] = kv_dim;
    } else if (ends_with(t.name, "attn_output.weight") || ends_with(t.name, "ffn_down.weight")) {
      t.dims[0] = ceil_div(t.dims[0], n);
    } else {
      t.dims[1] = ceil_div(t.dims[1], n);  // q, gate, up; embeddings and output by vocabulary
    }
  }
  return s;
}

}  // namespace tessera::plan
