#include "backend/cpu/compute_probe.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/kernel_table.h"
#include "tensor/dtype.h"

namespace tessera {
namespace {

// Rounds per timed pass: ~40 ms per loop on a 3 GHz core, long against the timer and the
// threads' start, short enough that `tessera perf --probe-compute` stays quick.
constexpr int64_t kPeakRounds = 10'000'000;

// The sum over the pool's threads of `peak` run by all of them at once.
double all_threads_macs(ThreadPool& pool, double (*peak)(int64_t)) {
  std::vector<double> per_thread(static_cast<size_t>(pool.size()), 0.0);
  pool.parallel_for(pool.size(), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) per_thread[static_cast<size_t>(t)] = peak(kPeakRounds);
  });
  double total = 0.0;
  for (double v : per_thread) total += v;
  return total;
}

bool is_block_matrix(const gguf::TensorInfo& t) {
  return t.dims.size() == 2 && std::string_view(t.name).starts_with("blk.");
}

// output.weight, or token_embd.weight where a decoder ties the two.
const gguf::TensorInfo* output_matrix(const gguf::File& file) {
  const gguf::TensorInfo* out = file.find_tensor("output.weight");
  return out != nullptr ? out : file.find_tensor("token_embd.weight");
}

}  // namespace

Result<ComputePeaks> measure_compute_peaks(ThreadPool& pool, int repeats) {
  const kernels::KernelIsa isa = kernels::selected_isa();
  const kernels::KernelTable* table = kernels::kernel_table(isa);
  if (table == nullptr || table->peak_int16_macs == nullptr || table->peak_f32_macs == nullptr) {
    return unimplemented(std::string("the '") + kernels::isa_name(isa) +
                         "' kernels have no peak loop to measure (SIMD variants only)");
  }
  ComputePeaks best{kernels::isa_name(isa), 0.0, 0.0};
  for (int r = 0; r < std::max(repeats, 1); ++r) {
    best.int16_gmac_s =
        std::max(best.int16_gmac_s, all_threads_macs(pool, table->peak_int16_macs) * 1e-9);
    best.f32_gmac_s =
        std::max(best.f32_gmac_s, all_threads_macs(pool, table->peak_f32_macs) * 1e-9);
  }
  return best;
}

int64_t weight_macs_per_token(const gguf::File& file) {
  int64_t total = 0;
  for (const auto& t : file.tensors()) {
    if (is_block_matrix(t)) total += t.n_elements();
  }
  return total;
}

double compute_seconds_per_token(const gguf::File& file, const ComputePeaks& peaks,
                                 bool with_output) {
  const auto seconds = [&](const gguf::TensorInfo& t) {
    const double gmac_s = dtype_traits(t.type)->quantized ? peaks.int16_gmac_s : peaks.f32_gmac_s;
    return static_cast<double>(t.n_elements()) / (gmac_s * 1e9);
  };
  double total = 0.0;
  for (const auto& t : file.tensors()) {
    if (is_block_matrix(t)) total += seconds(t);
  }
  if (const gguf::TensorInfo* out = output_matrix(file); with_output && out != nullptr) {
    total += seconds(*out);
  }
  return total;
}

int64_t output_macs_per_token(const gguf::File& file) {
  const gguf::TensorInfo* out = output_matrix(file);
  return out != nullptr ? out->n_elements() : 0;
}

}  // namespace tessera
