// The CPU as a Backend: a thread pool and the kernels of src/kernels/cpu. Its memory is host
// memory: weights stay in the GGUF file's mapping (placing one charges the arena and borrows the
// pages), workspace comes from the allocator, and large buffers (the KV pool) are anonymous
// mappings whose untouched pages cost nothing and whose discarded pages go back to the system.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "base/thread_pool.h"

namespace tessera {

class CpuBackend final : public Backend {
 public:
  // `threads` counts the caller; 0 picks the number of cores.
  explicit CpuBackend(int threads);

  // The pool the kernels run on (the probes and benches use it directly).
  ThreadPool& pool() { return pool_; }

  std::string name() const override;
  int lanes() const override { return pool_.size(); }
  bool host_visible() const override { return true; }
  uint64_t memory_capacity_bytes() const override;

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
  ThreadPool pool_;
};

}  // namespace tessera
