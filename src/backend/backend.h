// The device seam: everything a forward pass needs from the hardware it runs on. Models describe
// their forward passes once against this interface (src/models); each device is one folder that
// implements it (src/backend/cpu today). Pointers passed to the ops are the backend's memory
// (Buffers it allocated, or weights it placed); host data travels through upload()/download().
// Shapes are row-major [rows][width] of F32 unless said otherwise; int32 index arrays are backend
// memory too, so a device can read them without a round trip.
//
// One forward pass at a time per backend: the ops may use every lane (CPU threads) and are not
// reentrant. The step runner (src/runtime/step_runner.h) is what serializes passes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "backend/arena.h"
#include "backend/buffer.h"
#include "backend/kv_layout.h"
#include "backend/op_scratch.h"
#include "base/status.h"
#include "gguf/file.h"
#include "tensor/rope_params.h"
#include "tensor/weight_matrix.h"

namespace tessera {

// Attention of a batch's tokens over their sequences' paged K/V (after kv_store wrote this
// layer's rows). Token t belongs to sequence token_seq[t] of the batch; that sequence's block ids
// are block_ids[seq_blocks[s] .. seq_blocks[s+1]). Causal: token t sees positions 0..positions[t]
// of its sequence; bidirectional: positions 0..seq_len[s]-1. Query head h reads KV head
// h / (n_heads / n_kv_heads).
struct PagedAttention {
  const float* q = nullptr;  // [n_tokens][n_heads · head_dim]
  float* out = nullptr;      // [n_tokens][n_heads · head_dim]
  int64_t n_tokens = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  const float* kv = nullptr;  // the KV pool's memory (kv_layout.h)
  KvLayout layout;
  int64_t layer = 0;
  const int32_t* positions = nullptr;
  const int32_t* token_seq = nullptr;
  const int32_t* seq_blocks = nullptr;  // [n_seqs + 1]
  const int32_t* block_ids = nullptr;
  bool causal = true;
  const int32_t* seq_len = nullptr;  // [n_seqs], bidirectional only
  float scale = 0.0f;                // score = q·k · scale; 0: 1/sqrt(head_dim)
  float softcap = 0.0f;  // score = softcap · tanh(score / softcap) before the softmax; 0: none
  // Causal only: a token at position p attends to positions p - window + 1 .. p (sliding-window
  // layers); 0: to every earlier position.
  int64_t window = 0;
  float* scratch = nullptr;  // attention_scratch_floats(lanes, context) floats
};

// Bidirectional attention within packed sequences (encoders, no cache): sequence s owns rows
// offsets[s] .. offsets[s+1] of q, k, v and out, each [rows][n_heads · head_dim].
struct PackedAttention {
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* out = nullptr;
  const int64_t* offsets = nullptr;  // host memory: the shape of the work, [n_seqs + 1]
  int64_t n_seqs = 0;
  int64_t n_heads = 0;
  int64_t head_dim = 0;
  float* scratch = nullptr;  // packed_attention_scratch_floats(lanes, longest, head_dim)
};

enum class SequencePooling { kMean, kFirst, kLast };

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string name() const = 0;  // "cpu (2 threads, avx2)"
  // Parallel workers one op may use (CPU threads): sizes per-lane scratch.
  virtual int lanes() const = 0;
  // Whether the backend's memory is host memory (then Buffers can be read directly).
  virtual bool host_visible() const = 0;
  // The device's memory (the CPU: physical RAM): no pool needs to be larger.
  virtual uint64_t memory_capacity_bytes() const = 0;

  // ---- memory -------------------------------------------------------------------------------
  // Reserves `bytes` in `arena` (ResourceExhausted naming `what` when over the quota), then
  // allocates. A null arena allocates memory accounted elsewhere (the KV pool, whose sequences
  // reserve at admission).
  Result<Buffer> allocate(Arena* arena, uint64_t bytes, MemoryUse use, std::string_view what);
  virtual void upload(void* dst, const void* src, uint64_t bytes) = 0;
  virtual void download(void* dst, const void* src, uint64_t bytes) = 0;
  // Tells the device that [data, data + bytes) of a Buffer holds nothing needed any more (freed KV
  // blocks): the CPU gives the pages back to the system.
  virtual void discard(void* data, uint64_t bytes) = 0;

  // ---- weights -----------------------------------------------------------------------------
  // Called once before a model's tensors are placed. The CPU runs on the file's mapping: it
  // charges `arena` for all tensor data (mapped pages count fully) and faults it in; the Buffer
  // holds that reservation. A device returns an empty Buffer and charges per placed matrix.
  virtual Result<Buffer> map_weights(const gguf::File& file, Arena& arena,
                                     std::string_view what) = 0;
  // A matrix of the file (a view into its mapping) made usable by the ops: `placed` is the view
  // the ops take; the returned Buffer holds its memory (empty on the CPU, which reads the mapping).
  virtual Result<Buffer> place_matrix(const WeightMatrix& mapped, Arena& arena,
                                      std::string_view what, WeightMatrix& placed) = 0;

  // ---- ops ---------------------------------------------------------------------------------
  // y[t] = table[ids[t]] decoded to F32.
  virtual void get_rows(const WeightMatrix& table, const int32_t* ids, int64_t n, float* y) = 0;
  // y[t] += table[ids[t]] over an F32 table of `width` columns (position / token-type embeddings).
  virtual void add_rows(const float* table, const int32_t* ids, int64_t n, int64_t width,
                        float* y) = 0;
  // y[t][o] = Σ_i W[o][i] · x[t][i]; x [n][w.in], y [n][w.out], any weight type. `staging` holds
  // matmul_staging_bytes(n, w.in) bytes (op_scratch.h).
  virtual void matmul(const WeightMatrix& w, const float* x, int64_t n, float* y,
                      void* staging) = 0;
  // y = x / sqrt(mean(x²) + eps) · w, per row.
  virtual void rms_norm(const float* x, const float* w, float* y, int64_t rows, int64_t n,
                        float eps) = 0;
  // x = layer_norm(x + residual + bias) · w + b per row; residual may be null (then bias is
  // ignored), and bias may be null alone (projections without biases).
  virtual void layer_norm(float* x, const float* residual, const float* bias, const float* w,
                          const float* b, int64_t rows, int64_t n, float eps) = 0;
  // Rotates row r (n_heads vectors of head_dim, rows `stride` floats apart) for positions[r].
  virtual void rope(float* x, const int32_t* positions, int64_t rows, int64_t stride,
                    int64_t n_heads, int64_t head_dim, const RopeParams& params) = 0;
  virtual void add(float* y, const float* x, int64_t n) = 0;  // y += x
  // x[r] += b per row of n.
  virtual void add_bias(float* x, const float* b, int64_t rows, int64_t n) = 0;
  // gate = silu(gate) · up, element-wise.
  virtual void silu_mul(float* gate, const float* up, int64_t n) = 0;
  // gate = gelu(gate) · up, element-wise, GELU's tanh form (GeGLU).
  virtual void gelu_mul(float* gate, const float* up, int64_t n) = 0;
  virtual void scale(float* x, int64_t n, float s) = 0;  // x *= s
  // x = cap · tanh(x / cap): logit soft-capping.
  virtual void soft_cap(float* x, int64_t n, float cap) = 0;
  // x = gelu(x + b) per row of n (erf form).
  virtual void bias_gelu(float* x, const float* b, int64_t rows, int64_t n) = 0;
  // x = tanh(x + b) per row of n (classifier heads).
  virtual void bias_tanh(float* x, const float* b, int64_t rows, int64_t n) = 0;
  virtual void softmax(float* x, int64_t rows, int64_t n) = 0;
  // out[r] = index of the largest of row r (the first on ties): greedy decoding on the device.
  virtual void argmax(const float* x, int64_t rows, int64_t n, int32_t* out) = 0;

  // Writes this layer's K and V rows of n tokens into their slots (block id · 16 + row).
  virtual void kv_store(float* kv, const KvLayout& layout, int64_t layer, const float* k,
                        const float* v, const int32_t* slots, int64_t n) = 0;
  virtual void attention(const PagedAttention& a) = 0;
  virtual void packed_attention(const PackedAttention& a) = 0;
  // out[s] = pooled rows offsets[s] .. offsets[s+1] of x ([rows][n]); offsets are host memory.
  virtual void pool_sequences(const float* x, const int64_t* offsets, int64_t n_seqs, int64_t n,
                              SequencePooling pooling, float* out) = 0;

 protected:
  friend class Buffer;
  // The device allocation behind allocate(); nullptr when the device has no room.
  virtual void* allocate_raw(uint64_t bytes, MemoryUse use) = 0;
  virtual void free(void* data, uint64_t bytes, MemoryUse use) = 0;
};

}  // namespace tessera
