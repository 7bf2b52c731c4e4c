// Measures how many multiply-accumulates this machine's threads complete per second with the
// instructions the selected matmul kernels use: the ceiling for prefill, batched decode and
// encoders, which are bound by arithmetic rather than by memory (bandwidth_probe.h is the
// ceiling for batch-1 decode). Paired with the multiply-accumulates a model needs per token
// (weight_macs_per_token), it says how far a measured tokens/s is from what the cores allow.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/file.h"

namespace tessera {

struct ComputePeaks {
  const char* isa;      // the kernel variant measured (kernels::selected_isa())
  double int16_gmac_s;  // quantized weights: int16 pairs into int32 (vpmaddwd or vpdpwssd)
  double f32_gmac_s;    // float weights: f32 FMA
};

// Every pool thread runs the peak loops at once (so shared cores, turbo limits and a busy
// machine show), best of `repeats`; totals over the threads, in 1e9 MAC/s. Unimplemented
// where the selected variant has no SIMD peak loop (the scalar and reference kernels).
Result<ComputePeaks> measure_compute_peaks(ThreadPool& pool, int repeats);

// Multiply-accumulates of the weight matrices one token goes through: every 2-D tensor of the
// blocks (blk.*), each element once. The embedding lookup costs none; the output projection,
// which only tokens that need logits go through, is output_macs_per_token. Attention's
// token-by-token products (a few percent at short context) are not counted.
int64_t weight_macs_per_token(const gguf::File& file);
// The fewest seconds one token can take at `peaks`: each block matrix's multiply-accumulates at
// the peak of the instruction its weight type uses (int16 for quantized types, f32 FMA for float
// ones), plus the output projection's when `with_output` (tokens that need logits).
double compute_seconds_per_token(const gguf::File& file, const ComputePeaks& peaks,
                                 bool with_output);

// A decoder's output projection: output.weight, or token_embd.weight where the two are tied.
int64_t output_macs_per_token(const gguf::File& file);

}  // namespace tessera
