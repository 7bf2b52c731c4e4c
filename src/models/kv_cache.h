// Keys and values of past positions, per sequence, in F32: [layer][position][kv_dim] for K and for
// V. Contiguous per sequence for now; the serving layer's paged cache replaces the storage, not the
// interface.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

namespace tessera {

class KvCache {
 public:
  KvCache(int64_t n_layers, int64_t context, int64_t kv_dim)
      : n_layers_(n_layers), context_(context), kv_dim_(kv_dim) {}

  int64_t context() const { return context_; }
  int64_t kv_dim() const { return kv_dim_; }

  float* k(int32_t seq, int64_t layer, int64_t pos) { return slot(seq, layer, pos, 0); }
  float* v(int32_t seq, int64_t layer, int64_t pos) { return slot(seq, layer, pos, 1); }
  // Rows of positions 0, 1, ... of a sequence that already holds this layer's keys (values),
  // kv_dim() floats apart: for the attention loops, which must not look the sequence up (or
  // insert it, which would race) once per position.
  const float* k_rows(int32_t seq, int64_t layer) const { return rows(seq, layer, 0); }
  const float* v_rows(int32_t seq, int64_t layer) const { return rows(seq, layer, 1); }
  // Forgets a sequence and frees its memory.
  void drop(int32_t seq) { seqs_.erase(seq); }
  int64_t bytes() const {
    return static_cast<int64_t>(seqs_.size()) * 2 * n_layers_ * context_ * kv_dim_ *
           static_cast<int64_t>(sizeof(float));
  }

 private:
  float* slot(int32_t seq, int64_t layer, int64_t pos, int which) {
    std::unique_ptr<float[]>& data = seqs_[seq];
    const int64_t per_tensor = n_layers_ * context_ * kv_dim_;
    // Not zero-filled: a large allocation comes as untouched pages, and only the positions a
    // sequence reaches are ever written (and so backed by memory). Zeroing the whole context
    // up front cost ~90 MB of writes per TinyLlama sequence before its first token.
    if (!data) data.reset(new float[static_cast<size_t>(2 * per_tensor)]);
    return data.get() + which * per_tensor + (layer * context_ + pos) * kv_dim_;
  }

  const float* rows(int32_t seq, int64_t layer, int which) const {
    return seqs_.at(seq).get() + (which * n_layers_ + layer) * context_ * kv_dim_;
  }

  int64_t n_layers_, context_, kv_dim_;
  std::unordered_map<int32_t, std::unique_ptr<float[]>> seqs_;
};

}  // namespace tessera
