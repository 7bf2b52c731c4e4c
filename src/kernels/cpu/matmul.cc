#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quantize_activations.h"

namespace tessera::kernels {
namespace {

// A tile's weights stay in L2 while the token groups sweep over them: 64 KiB leaves room for
// the activations in the smallest current x86 L2s (512 KiB per core on AMD Zen 2-4; Intel cores
// since Skylake-SP have 1-2 MiB).
constexpr int64_t kTileWeightBytes = 64 * 1024;
constexpr int64_t kTileRowMultiple = 24;
constexpr int64_t kMinTileRows = kTileRowMultiple;
// Quantizing activations is O(n_tokens · in) against the product's O(n_tokens · in · out); it is
// worth the pool's hand-off only for batches.
constexpr int64_t kParallelQuantizeTokens = 4;
// Batches of float weights from this many tokens on are split between threads by tokens, in
// chunks of kTokenChunk claimed as threads become free (see matmul_with).
constexpr int64_t kSplitTokensFrom = 64;
constexpr int64_t kTokenChunk = 64;

}  // namespace

const KernelTable* kernel_table(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::kReference:
      return nullptr;
    case KernelIsa::kScalar:
      return &kScalarKernels;
#if defined(__x86_64__)
    case KernelIsa::kAvx2:
      return &kAvx2Kernels;
    case KernelIsa::kAvxVnni:
      return &kAvxVnniKernels;
    case KernelIsa::kAvx512:
      return &kAvx512Kernels;
    case KernelIsa::kAvx512Vnni:
      return &kAvx512VnniKernels;
#else
    default:
      return &kScalarKernels;
#endif
  }
  return nullptr;
}

namespace {

// The kernel for one weight type and the activation layout it expects.
struct TypeKernel {
  TileFn tile = nullptr;
  ActFormat act = ActFormat::kF32;
};

TypeKernel kernel_for(const KernelTable& table, DType type, ActivationPrecision precision) {
  const bool int8 = precision == ActivationPrecision::kInt8;
  switch (type) {
    case DType::kF32:
      return {table.f32, ActFormat::kF32};
    case DType::kF16:
      return {table.f16, ActFormat::kF32};
    case DType::kBF16:
      return {table.bf16, ActFormat::kF32};
    case DType::kQ8_0:
      return {table.q8_0, ActFormat::kAct32};
    case DType::kQ4_0:
      return {table.q4_0, ActFormat::kAct32};
    case DType::kQ4_K:
      if (int8 && table.q4_k_int8 != nullptr) return {table.q4_k_int8, ActFormat::kAct8};
      return {table.q4_k, ActFormat::kAct256};
    case DType::kQ6_K:
      if (int8 && table.q6_k_int8 != nullptr) return {table.q6_k_int8, ActFormat::kAct8};
      return {table.q6_k, ActFormat::kAct256};
  }
  return {};
}

// Activations in the layout a kernel wants: the caller's floats, or int16 blocks quantized into a
// per-thread buffer (kept between calls, so decode steps do not allocate).
struct Activations {
  const void* data;
  int64_t row_bytes;
};

Activations prepare_activations(const KernelTable& table, ActFormat format, const float* x,
                                int64_t n_tokens, int64_t in, ThreadPool& pool, void* staging) {
  if (format == ActFormat::kF32) return {x, in * static_cast<int64_t>(sizeof(float))};
  thread_local std::vector<uint8_t> buffer;
  int64_t row_bytes = 0;
  switch (format) {
    case ActFormat::kAct32:
      row_bytes = in / kActBlock32Elements * static_cast<int64_t>(sizeof(ActBlock32));
      break;
    case ActFormat::kAct256:
      row_bytes = in / kActBlock256Elements * static_cast<int64_t>(sizeof(ActBlock256));
      break;
    case ActFormat::kAct8:
      row_bytes = in / kActBlock256Elements * static_cast<int64_t>(sizeof(ActBlock8));
      break;
    case ActFormat::kF32:
      break;
  }
  uint8_t* base = static_cast<uint8_t*>(staging);
  if (base == nullptr) {
    if (buffer.size() < static_cast<size_t>(row_bytes * n_tokens)) {
      buffer.resize(static_cast<size_t>(row_bytes * n_tokens));
    }
    base = buffer.data();
  }
  const auto quantize_rows = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      void* out = base + t * row_bytes;
      if (format == ActFormat::kAct32) {
        table.quantize_act32(x + t * in, static_cast<ActBlock32*>(out), in);
      } else if (format == ActFormat::kAct256) {
        table.quantize_act256(x + t * in, static_cast<ActBlock256*>(out), in);
      } else {
        table.quantize_act8(x + t * in, static_cast<ActBlock8*>(out), in);
      }
    }
  };
  if (n_tokens >= kParallelQuantizeTokens) {
    pool.parallel_for(n_tokens, quantize_rows);
  } else {
    quantize_rows(0, n_tokens);
  }
  return {base, row_bytes};
}

bool blocks_fit(ActFormat format, int64_t in) {
  switch (format) {
    case ActFormat::kF32:
      return true;
    case ActFormat::kAct32:
      return in % kActBlock32Elements == 0;
    case ActFormat::kAct256:
    case ActFormat::kAct8:
      return in % kActBlock256Elements == 0;
  }
  return false;
}

}  // namespace

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            void* staging) {
  matmul_with(selected_isa(), selected_activations(), w, x, n_tokens, y, pool, staging);
}

int64_t matmul_staging_need(int64_t n_tokens, int64_t in) {
  const int64_t act32 = (in + kActBlock32Elements - 1) / kActBlock32Elements *
                        static_cast<int64_t>(sizeof(ActBlock32));
  const int64_t act256 = (in + kActBlock256Elements - 1) / kActBlock256Elements *
                         static_cast<int64_t>(sizeof(ActBlock256));
  return n_tokens * std::max(act32, act256);
}

void matmul_with(KernelIsa isa, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                 ThreadPool& pool, void* staging) {
  matmul_with(isa, selected_activations(), w, x, n_tokens, y, pool, staging);
}

void matmul_with(KernelIsa isa, ActivationPrecision precision, const WeightMatrix& w,
                 const float* x, int64_t n_tokens, float* y, ThreadPool& pool, void* staging) {
  if (n_tokens <= 0 || w.out <= 0) return;
  const KernelTable* table = kernel_table(isa);
  const TypeKernel kernel = table != nullptr ? kernel_for(*table, w.type, precision) : TypeKernel{};
  if (kernel.tile == nullptr || !blocks_fit(kernel.act, w.in)) {
    matmul_reference(w, x, n_tokens, y, pool);
    return;
  }
  const Activations act = prepare_activations(*table, kernel.act, x, n_tokens, w.in, pool, staging);
  const int64_t row_bytes = w.row_bytes();
  // A multiple of 24 rows, so the micro-kernels' row blocks (1, 2, 3, 4 or 8 rows) divide a tile
  // and no tile ends in a run of slow single-row calls.
  const int64_t tile_rows =
      std::max(kMinTileRows, kTileWeightBytes / std::max<int64_t>(row_bytes, 1) / kTileRowMultiple *
                                 kTileRowMultiple);
  const auto run_tile = [&](int64_t r, int64_t t, int64_t n) {
    const MatmulTile tile = {
        .w = w.row(r),
        .w_row_bytes = row_bytes,
        .x = static_cast<const uint8_t*>(act.data) + t * act.row_bytes,
        .x_row_bytes = act.row_bytes,
        .n_in = w.in,
        .y = y + t * w.out + r,
        .y_stride = w.out,
    };
    kernel.tile(tile, std::min(tile_rows, w.out - r), n);
  };
  if (kernel.act == ActFormat::kF32 && n_tokens >= kSplitTokensFrom) {
    // Float weights in a batch (encoders, f16 prefill): the threads take chunks of tokens and
    // each sweeps all rows for its chunk. Splitting rows instead leaves a matrix of a few tiles
    // (384 rows: 5⅓ tiles of 72) unevenly shared, and more threads than tiles idle; a whole
    // float matrix of such a model stays in L2/L3 while the chunks pass. Each (row, token) output
    // is computed by the same micro-kernel arithmetic either way.
    const int64_t n_chunks = (n_tokens + kTokenChunk - 1) / kTokenChunk;
    std::atomic<int64_t> next_chunk{0};
    pool.parallel_for(pool.size(), [&](int64_t, int64_t) {
      for (int64_t c = next_chunk++; c < n_chunks; c = next_chunk++) {
        const int64_t t = c * kTokenChunk;
        for (int64_t r = 0; r < w.out; r += tile_rows) {
          run_tile(r, t, std::min(kTokenChunk, n_tokens - t));
        }
      }
    });
    return;
  }
  const int64_t n_tiles = (w.out + tile_rows - 1) / tile_rows;
  // Each thread owns a contiguous run of tiles and takes them in order, so it streams through
  // one region of the weights (what the prefetchers follow) instead of hopping between tiles
  // interleaved with the other threads'. A thread that finishes early takes tiles from the
  // others' runs: on a shared machine one thread can lose its core for a while, and a static
  // split would then wait for it.
  const int64_t n_threads = pool.size();
  std::vector<std::atomic<int64_t>> next(static_cast<size_t>(n_threads));
  const auto run_end = [&](int64_t owner) { return (owner + 1) * n_tiles / n_threads; };
  for (int64_t t = 0; t < n_threads; ++t) next[static_cast<size_t>(t)] = t * n_tiles / n_threads;
  pool.parallel_for(n_threads, [&](int64_t begin, int64_t end) {
    for (int64_t me = begin; me < end; ++me) {
      for (int64_t k = 0; k < n_threads; ++k) {
        const int64_t owner = (me + k) % n_threads;
        std::atomic<int64_t>& cursor = next[static_cast<size_t>(owner)];
        for (int64_t i = cursor.fetch_add(1); i < run_end(owner); i = cursor.fetch_add(1)) {
          run_tile(i * tile_rows, 0, n_tokens);
        }
      }
    }
  });
}

void matmul_reference(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                      ThreadPool& pool) {
  const DTypeTraits* traits = dtype_traits(w.type);
  pool.parallel_for(w.out, [&](int64_t begin, int64_t end) {
    std::vector<float> row(static_cast<size_t>(w.in));
    for (int64_t o = begin; o < end; ++o) {
      const float* decoded;
      if (w.type == DType::kF32) {
        decoded = reinterpret_cast<const float*>(w.row(o));
      } else {
        traits->to_float(w.row(o), row.data(), w.in);
        decoded = row.data();
      }
      for (int64_t t = 0; t < n_tokens; ++t)
        y[t * w.out + o] = dot_f32(decoded, x + t * w.in, w.in);
    }
  });
}

void get_rows(const WeightMatrix& w, const int32_t* ids, int64_t n, float* y) {
  const DTypeTraits* traits = dtype_traits(w.type);
  for (int64_t t = 0; t < n; ++t) traits->to_float(w.row(ids[t]), y + t * w.in, w.in);
}

}  // namespace tessera::kernels
