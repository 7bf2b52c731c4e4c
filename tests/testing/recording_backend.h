// A Backend that records what a model asks of it and forwards everything to a real one: the op
// names in call order, and the bytes of every buffer handed out, by use. A model that runs through
// it calls the seam and nothing else (a kernel called directly would not show up, and the logits
// would still match); the byte counts are what the footprint must equal.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace tessera::testing {

class RecordingBackend final : public Backend {
 public:
  explicit RecordingBackend(Backend& inner) : inner_(inner) {}

  const std::vector<std::string>& ops() const { return ops_; }
  bool called(const std::string& op) const;
  // Bytes of the buffers handed out so far, by use (mapped weights included).
  uint64_t bytes_handed_out(MemoryUse use) const { return handed_out_[static_cast<size_t>(use)]; }
  void clear_ops() { ops_.clear(); }

  std::string name() const override { return "recording " + inner_.name(); }
  int lanes() const override { return inner_.lanes(); }
  bool host_visible() const override { return inner_.host_visible(); }
  uint64_t memory_capacity_bytes() const override { return inner_.memory_capacity_bytes(); }
  void upload(void* dst, const void* src, uint64_t bytes) override;
  void download(void* dst, const void* src, uint64_t bytes) override;
  void discard(void* data, uint64_t bytes) override;
  Result<Buffer> map_weights(const gguf::File& file, Arena& arena, std::string_view what) override;
  Result<Buffer> place_matrix(const WeightMatrix& mapped, Arena& arena, std::string_view what,
                              WeightMatrix& placed) override;
  void get_rows(const WeightMatrix& table, const int32_t* ids, int64_t n, float* y) override;
  void add_rows(const float* table, const int32_t* ids, int64_t n, int64_t width,
                float* y) override;
  void matmul(const WeightMatrix& w, const float* x, int64_t n, float* y, void* staging) override;
  void rms_norm(const float* x, const float* w, float* y, int64_t rows, int64_t n,
                float eps) override;
  void layer_norm(float* x, const float* residual, const float* bias, const float* w,
                  const float* b, int64_t rows, int64_t n, float eps) override;
  void rope(float* x, const int32_t* positions, int64_t rows, int64_t stride, int64_t n_heads,
            int64_t head_dim, const RopeParams& params) override;
  void add(float* y, const float* x, int64_t n) override;
  void add_bias(float* x, const float* b, int64_t rows, int64_t n) override;
  void silu_mul(float* gate, const float* up, int64_t n) override;
  void gelu_mul(float* gate, const float* up, int64_t n) override;
  void scale(float* x, int64_t n, float s) override;
  void soft_cap(float* x, int64_t n, float cap) override;
  void bias_gelu(float* x, const float* b, int64_t rows, int64_t n) override;
  void bias_tanh(float* x, const float* b, int64_t rows, int64_t n) override;
  void softmax(float* x, int64_t rows, int64_t n) override;
  void argmax(const float* x, int64_t rows, int64_t n, int32_t* out) override;
  void kv_store(float* kv, const KvLayout& layout, int64_t layer, const float* k, const float* v,
                const int32_t* slots, int64_t n) override;
  void attention(const PagedAttention& a) override;
  void packed_attention(const PackedAttention& a) override;
  void pool_sequences(const float* x, const int64_t* offsets, int64_t n_seqs, int64_t n,
                      SequencePooling pooling, float* out) override;

 protected:
  void* allocate_raw(uint64_t bytes, MemoryUse use) override;
  void free(void* data, uint64_t bytes, MemoryUse use) override;

 private:
  // The inner backend's buffers, kept alive while the model holds the data they back.
  Result<Buffer> keep(Result<Buffer> buffer);

  Backend& inner_;
  std::vector<std::string> ops_;
  std::array<uint64_t, kMemoryUses> handed_out_{};
  std::vector<Buffer> inner_buffers_;
};

}  // namespace tessera::testing
