// Matmul kernels on one projection-sized weight matrix per type (in 2048, out 5632: a 1B-class
// model's FFN up/gate projection), reference path against the fast path the CPU selects:
//   decode/<type>/<path>   1 token: weight bytes streamed per second (the matrix fits in L3)
//   decode_dram/<type>/<fast path>  1 token over copies of the matrix that together exceed any
//                          L3, as a model's layers do: compare its weight_GB/s with memory_read
//   batch16/<type>/<path>  16 tokens: tokens per second (compute-bound; batched decode)
//   batch128/<type>/<path> 128 tokens: a prompt's prefill
//   memory_read            the same pool scanning a 64 MiB buffer: the bandwidth ceiling
//   peak/<instruction>     one core's arithmetic ceiling (int16 and int8 multiply-add, f32 FMA)
// Threads: --threads=N (default 2). Compare paths within one run; machines and runs differ.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/matmul.h"
#include "tensor/dtype.h"
#include "tensor/half.h"

#if defined(TESSERA_BENCH_PEAK_X86)
#include "peak_x86.h"
#endif

namespace tessera::kernels {
namespace {

constexpr int64_t kIn = 2048;
constexpr int64_t kOut = 5632;
constexpr int64_t kBatchTokens = 16;
constexpr int64_t kPrefillTokens = 128;
constexpr int64_t kMemoryReadBytes = int64_t{64} << 20;  // well beyond any L3 slice we run on

int g_threads = 2;

ThreadPool& pool() {
  static ThreadPool instance(g_threads);
  return instance;
}

void put_f16(uint8_t* p, float v) {
  const uint16_t bits = f32_to_f16(v);
  std::memcpy(p, &bits, sizeof bits);
}

// Random encoded weights: quantizing 11.5M floats with the K-quant searches would take longer
// than the benchmark, and the kernels' speed does not depend on the values. Scales are small
// positive f16 values (random bits could be inf/NaN).
std::vector<uint8_t> random_weights(DType type) {
  const DTypeTraits* traits = dtype_traits(type);
  std::vector<uint8_t> bytes(static_cast<size_t>(dtype_bytes(type, kIn * kOut)));
  std::mt19937 rng(42);
  if (!traits->quantized) {
    std::normal_distribution<float> dist(0.0f, 0.05f);
    std::vector<float> values(static_cast<size_t>(kIn));
    for (int64_t r = 0; r < kOut; ++r) {
      for (float& v : values) v = dist(rng);
      traits->from_float(values.data(), bytes.data() + r * dtype_bytes(type, kIn), kIn);
    }
    return bytes;
  }
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  for (size_t at = 0; at < bytes.size(); at += static_cast<size_t>(traits->block_bytes)) {
    uint8_t* block = bytes.data() + at;
    const float scale = 0.001f + 0.001f * static_cast<float>(rng() % 8);
    if (type == DType::kQ6_K) {
      put_f16(block + 208, scale);
    } else {
      put_f16(block, scale);
      if (type == DType::kQ4_K) put_f16(block + 2, scale);
    }
  }
  return bytes;
}

const std::vector<uint8_t>& weights(DType type) {
  static std::map<DType, std::vector<uint8_t>> cache;
  auto it = cache.find(type);
  if (it == cache.end()) it = cache.emplace(type, random_weights(type)).first;
  return it->second;
}

void run_matmul(benchmark::State& state, DType type, bool fast, int64_t n_tokens) {
  const std::vector<uint8_t>& bytes = weights(type);
  const WeightMatrix w{bytes.data(), type, kIn, kOut};
  std::vector<float> x(static_cast<size_t>(n_tokens * kIn));
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (float& v : x) v = dist(rng);
  std::vector<float> y(static_cast<size_t>(n_tokens * kOut));
  for (auto _ : state) {
    if (fast) {
      matmul(w, x.data(), n_tokens, y.data(), pool());
    } else {
      matmul_reference(w, x.data(), n_tokens, y.data(), pool());
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double weight_bytes = static_cast<double>(bytes.size());
  state.counters["weight_GB/s"] =
      benchmark::Counter(weight_bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(n_tokens),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

// Decode as a whole model meets it: each iteration multiplies the next of several copies of the
// matrix, so every weight byte comes from DRAM (the copies total kDramBytes).
void run_decode_dram(benchmark::State& state, DType type) {
  constexpr int64_t kDramBytes = int64_t{256} << 20;
  const std::vector<uint8_t>& one = weights(type);
  const int64_t copies =
      (kDramBytes + static_cast<int64_t>(one.size()) - 1) / static_cast<int64_t>(one.size());
  std::vector<uint8_t> all(static_cast<size_t>(copies) * one.size());
  for (int64_t c = 0; c < copies; ++c) {
    std::memcpy(all.data() + c * static_cast<int64_t>(one.size()), one.data(), one.size());
  }
  std::vector<float> x(static_cast<size_t>(kIn), 0.5f);
  std::vector<float> y(static_cast<size_t>(kOut));
  int64_t next = 0;
  for (auto _ : state) {
    const WeightMatrix w{all.data() + next * static_cast<int64_t>(one.size()), type, kIn, kOut};
    matmul(w, x.data(), 1, y.data(), pool());
    next = (next + 1) % copies;
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["weight_GB/s"] = benchmark::Counter(static_cast<double>(one.size()) * 1e-9,
                                                     benchmark::Counter::kIsIterationInvariantRate);
}

// Each thread scans its half of a zero buffer for a byte that is not there: glibc's memchr runs
// at full vector width, so this approximates the bandwidth the pool can pull from memory.
void memory_read(benchmark::State& state) {
  static std::vector<uint8_t> buffer(static_cast<size_t>(kMemoryReadBytes), 0);
  const int64_t parts = pool().size();
  std::vector<const void*> found(static_cast<size_t>(parts));
  for (auto _ : state) {
    pool().parallel_for(parts, [&](int64_t begin, int64_t end) {
      for (int64_t part = begin; part < end; ++part) {
        const int64_t from = part * kMemoryReadBytes / parts;
        const int64_t to = (part + 1) * kMemoryReadBytes / parts;
        found[static_cast<size_t>(part)] =
            std::memchr(buffer.data() + from, 1, static_cast<size_t>(to - from));
      }
    });
    benchmark::DoNotOptimize(found.data());
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(kMemoryReadBytes) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// peak/<instruction>: one core's ceiling, in multiply-accumulates per second.
void peak(benchmark::State& state, double (*measure)(int64_t)) {
  constexpr int64_t kRounds = 20'000'000;
  double best = 0;
  for (auto _ : state) best = std::max(best, measure(kRounds));
  state.counters["GMAC/s"] = best * 1e-9;
}

constexpr DType kTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ8_0,
                            DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};

void register_all() {
  benchmark::RegisterBenchmark("memory_read", memory_read)->UseRealTime();
  // The selected variant's own instructions (the same loops as `tessera perf --probe-compute`).
  if (const KernelTable* table = kernel_table(selected_isa());
      table != nullptr && table->peak_int16_macs != nullptr) {
    benchmark::RegisterBenchmark("peak/int16_madd_1core", peak, table->peak_int16_macs)
        ->Iterations(5);
    benchmark::RegisterBenchmark("peak/f32_fma_1core", peak, table->peak_f32_macs)->Iterations(5);
  }
#if defined(TESSERA_BENCH_PEAK_X86)
  if (isa_supported(KernelIsa::kAvx2)) {
    benchmark::RegisterBenchmark("peak/int8_maddubs_1core", peak,
                                 &bench::int8_maddubs_macs_per_second)
        ->Iterations(5);
  }
#endif
  const std::string fast_name = std::string("fast_") + isa_name(selected_isa());
  for (DType type : kTypes) {
    const std::string name = std::string("decode_dram/") + dtype_name(type) + "/" + fast_name;
    benchmark::RegisterBenchmark(name.c_str(), [type](benchmark::State& s) {
      run_decode_dram(s, type);
    })->UseRealTime();
  }
  for (const auto& [shape, n_tokens] : {std::pair<const char*, int64_t>{"decode", 1},
                                        {"batch16", kBatchTokens},
                                        {"batch128", kPrefillTokens}}) {
    for (DType type : kTypes) {
      for (bool fast : {false, true}) {
        const std::string name = std::string(shape) + "/" + dtype_name(type) + "/" +
                                 (fast ? fast_name : std::string("reference"));
        benchmark::RegisterBenchmark(name.c_str(), [type, fast, n = n_tokens](benchmark::State& s) {
          run_matmul(s, type, fast, n);
        })->UseRealTime();
      }
    }
  }
}

}  // namespace
}  // namespace tessera::kernels

int main(int argc, char** argv) {
  // --threads=N is ours; everything else goes to Google Benchmark.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      tessera::kernels::g_threads = std::atoi(argv[i] + 10);
    } else {
      args.push_back(argv[i]);
    }
  }
  int n_args = static_cast<int>(args.size());
  benchmark::Initialize(&n_args, args.data());
  tessera::kernels::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
