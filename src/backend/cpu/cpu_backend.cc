#include "backend/cpu/cpu_backend.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/encoder_ops.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/ops.h"

namespace tessera {
namespace {

// Buffers from this size on are anonymous mappings (page-granular, lazily backed, returnable);
// smaller ones come from the allocator.
constexpr uint64_t kMappedFromBytes = 1 << 20;

uint64_t page_rounded(uint64_t bytes) {
  static const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

}  // namespace

CpuBackend::CpuBackend(int threads) : pool_(threads) {}

std::string CpuBackend::name() const {
  return "cpu (" + std::to_string(pool_.size()) + " threads, " +
         kernels::isa_name(kernels::selected_isa()) + ", " +
         kernels::activation_precision_name(kernels::selected_activations()) +
         " K-quant activations)";
}

uint64_t CpuBackend::memory_capacity_bytes() const {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void* CpuBackend::allocate_raw(uint64_t bytes, MemoryUse) {
  if (bytes >= kMappedFromBytes) {
    void* data = mmap(nullptr, page_rounded(bytes), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return data == MAP_FAILED ? nullptr : data;
  }
  // 64-byte aligned: workspace regions are laid out for whole cache lines.
  return std::aligned_alloc(64, (bytes + 63) / 64 * 64);
}

void CpuBackend::free(void* data, uint64_t bytes, MemoryUse) {
  if (bytes >= kMappedFromBytes) {
    munmap(data, page_rounded(bytes));
  } else {
    std::free(data);
  }
}

void CpuBackend::upload(void* dst, const void* src, uint64_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}

void CpuBackend::download(void* dst, const void* src, uint64_t bytes) {
  if (bytes > 0) std::memcpy(dst, src, bytes);
}

void CpuBackend::discard(void* data, uint64_t bytes) {
  // Only whole pages inside the range can go back; the KV pool keeps blocks page-aligned.
  static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
  const auto end = (reinterpret_cast<uintptr_t>(data) + bytes) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

Result<Buffer> CpuBackend::map_weights(const gguf::File& file, Arena& arena,
                                       std::string_view what) {
  uint64_t bytes = 0;
  for (const gguf::TensorInfo& t : file.tensors()) bytes += t.size_bytes;
  TESSERA_ASSIGN_OR_RETURN(Reservation reservation, arena.reserve(bytes, what));
  file.prefault_tensor_data();  // every weight is read by the first forward pass anyway
  const void* first = file.tensors().empty() ? nullptr : file.tensors().front().data;
  return Buffer::borrowed(first, bytes, MemoryUse::kWeights, std::move(reservation));
}

Result<Buffer> CpuBackend::place_matrix(const WeightMatrix& mapped, Arena&, std::string_view,
                                        WeightMatrix& placed) {
  placed = mapped;  // the kernels read the mapping as it is; map_weights charged it
  return Buffer();
}

void CpuBackend::get_rows(const WeightMatrix& table, const int32_t* ids, int64_t n, float* y) {
  kernels::get_rows(table, ids, n, y);
}

void CpuBackend::add_rows(const float* table, const int32_t* ids, int64_t n, int64_t width,
                          float* y) {
  for (int64_t t = 0; t < n; ++t) kernels::add(y + t * width, table + ids[t] * width, width);
}

void CpuBackend::matmul(const WeightMatrix& w, const float* x, int64_t n, float* y, void* staging) {
  kernels::matmul(w, x, n, y, pool_, staging);
}

void CpuBackend::rms_norm(const float* x, const float* w, float* y, int64_t rows, int64_t n,
                          float eps) {
  for (int64_t r = 0; r < rows; ++r) kernels::rms_norm(x + r * n, w, y + r * n, n, eps);
}

void CpuBackend::layer_norm(float* x, const float* residual, const float* bias, const float* w,
                            const float* b, int64_t rows, int64_t n, float eps) {
  kernels::layer_norm_rows(x, residual, bias, w, b, rows, n, eps, pool_);
}

void CpuBackend::rope(float* x, const int32_t* positions, int64_t rows, int64_t stride,
                      int64_t n_heads, int64_t head_dim, const RopeParams& params) {
  for (int64_t r = 0; r < rows; ++r) {
    kernels::rope(x + r * stride, n_heads, head_dim, positions[r], params);
  }
}

void CpuBackend::add(float* y, const float* x, int64_t n) { kernels::add(y, x, n); }

void CpuBackend::add_bias(float* x, const float* b, int64_t rows, int64_t n) {
  kernels::add_bias_rows(x, b, rows, n, pool_);
}

void CpuBackend::silu_mul(float* gate, const float* up, int64_t n) {
  kernels::silu(gate, n);
  kernels::mul(gate, up, n);
}

void CpuBackend::gelu_mul(float* gate, const float* up, int64_t n) {
  kernels::gelu_tanh(gate, n);
  kernels::mul(gate, up, n);
}

void CpuBackend::scale(float* x, int64_t n, float s) { kernels::scale(x, n, s); }

void CpuBackend::soft_cap(float* x, int64_t n, float cap) { kernels::soft_cap(x, n, cap); }

void CpuBackend::bias_gelu(float* x, const float* b, int64_t rows, int64_t n) {
  kernels::bias_gelu_rows(x, b, rows, n, pool_);
}

void CpuBackend::bias_tanh(float* x, const float* b, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * n;
    for (int64_t i = 0; i < n; ++i) row[i] = std::tanh(row[i] + b[i]);
  }
}

void CpuBackend::softmax(float* x, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) kernels::softmax(x + r * n, n);
}

void CpuBackend::argmax(const float* x, int64_t rows, int64_t n, int32_t* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * n;
    out[r] = static_cast<int32_t>(std::max_element(row, row + n) - row);
  }
}

void CpuBackend::kv_store(float* kv, const KvLayout& layout, int64_t layer, const float* k,
                          const float* v, const int32_t* slots, int64_t n) {
  const int64_t kv_dim = layout.kv_dim;
  const size_t row_bytes = sizeof(float) * static_cast<size_t>(kv_dim);
  for (int64_t t = 0; t < n; ++t) {
    const int64_t block = slots[t] / kKvBlockTokens, row = slots[t] % kKvBlockTokens;
    float* base = kv + static_cast<uint64_t>(block) * layout.block_stride() + row * kv_dim;
    std::memcpy(base + layout.rows_offset(layer, 0), k + t * kv_dim, row_bytes);
    std::memcpy(base + layout.rows_offset(layer, 1), v + t * kv_dim, row_bytes);
  }
}

void CpuBackend::attention(const PagedAttention& a) {
  const int64_t group = a.n_heads / a.n_kv_heads;  // query heads sharing one KV head
  const float scale = a.scale > 0.0f ? a.scale : 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  const int64_t q_dim = a.n_heads * a.head_dim, kv_dim = a.layout.kv_dim;
  const int64_t jobs = a.n_tokens * a.n_heads;
  const int64_t n_lanes = std::min<int64_t>(pool_.size(), jobs);
  // Each lane takes a contiguous run of (token, head) jobs and its own score row.
  int64_t longest = 0;
  for (int64_t t = 0; t < a.n_tokens; ++t) {
    const int32_t s = a.token_seq[t];
    longest = std::max<int64_t>(longest, a.causal ? a.positions[t] + 1 : a.seq_len[s]);
  }
  pool_.parallel_for(n_lanes, [&](int64_t lane_begin, int64_t lane_end) {
    for (int64_t lane = lane_begin; lane < lane_end; ++lane) {
      float* scores = a.scratch + lane * longest;
      for (int64_t job = jobs * lane / n_lanes; job < jobs * (lane + 1) / n_lanes; ++job) {
        const int64_t t = job / a.n_heads, h = job % a.n_heads;
        const int32_t s = a.token_seq[t];
        const float* qh = a.q + t * q_dim + h * a.head_dim;
        const int64_t kv_offset = (h / group) * a.head_dim;
        const int64_t n_ctx = a.causal ? a.positions[t] + 1 : a.seq_len[s];
        // A sliding window starts later; scores[] is indexed from `first`.
        const int64_t first = a.causal && a.window > 0 ? std::max<int64_t>(0, n_ctx - a.window) : 0;
        const int32_t* blocks = a.block_ids + a.seq_blocks[s];
        // Block by block: positions [start, start + rows) sit kv_dim floats apart in one block.
        for (int64_t b = first / kKvBlockTokens; b * kKvBlockTokens < n_ctx; ++b) {
          const float* keys = a.kv + static_cast<uint64_t>(blocks[b]) * a.layout.block_stride() +
                              a.layout.rows_offset(a.layer, 0) + kv_offset;
          const int64_t start = b * kKvBlockTokens;
          const int64_t begin = std::max(start, first),
                        end = std::min(start + kKvBlockTokens, n_ctx);
          for (int64_t p = begin; p < end; ++p) {
            scores[p - first] =
                kernels::dot_f32(qh, keys + (p - start) * kv_dim, a.head_dim) * scale;
          }
        }
        if (a.softcap > 0.0f) kernels::soft_cap(scores, n_ctx - first, a.softcap);
        kernels::softmax(scores, n_ctx - first);
        float* oh = a.out + t * q_dim + h * a.head_dim;
        std::memset(oh, 0, sizeof(float) * static_cast<size_t>(a.head_dim));
        for (int64_t b = first / kKvBlockTokens; b * kKvBlockTokens < n_ctx; ++b) {
          const float* values = a.kv + static_cast<uint64_t>(blocks[b]) * a.layout.block_stride() +
                                a.layout.rows_offset(a.layer, 1) + kv_offset;
          const int64_t start = b * kKvBlockTokens;
          const int64_t begin = std::max(start, first),
                        end = std::min(start + kKvBlockTokens, n_ctx);
          for (int64_t p = begin; p < end; ++p) {
            const float* vh = values + (p - start) * kv_dim;
            const float w = scores[p - first];
            for (int64_t i = 0; i < a.head_dim; ++i) oh[i] += w * vh[i];
          }
        }
      }
    }
  });
}

void CpuBackend::packed_attention(const PackedAttention& a) {
  kernels::packed_attention(a.q, a.k, a.v, a.out, a.offsets, a.n_seqs, a.n_heads, a.head_dim,
                            a.scratch, pool_);
}

void CpuBackend::pool_sequences(const float* x, const int64_t* offsets, int64_t n_seqs, int64_t n,
                                SequencePooling pooling, float* out) {
  for (int64_t s = 0; s < n_seqs; ++s) {
    const int64_t first = offsets[s], last = offsets[s + 1] - 1;
    float* row = out + s * n;
    if (pooling == SequencePooling::kMean) {
      // Summed in f64, one dimension at a time: long sequences keep their precision.
      for (int64_t i = 0; i < n; ++i) {
        double sum = 0.0;
        for (int64_t t = first; t <= last; ++t) sum += x[t * n + i];
        row[i] = static_cast<float>(sum / static_cast<double>(last - first + 1));
      }
    } else {
      const int64_t t = pooling == SequencePooling::kLast ? last : first;
      std::memcpy(row, x + t * n, sizeof(float) * static_cast<size_t>(n));
    }
  }
}

}  // namespace tessera
