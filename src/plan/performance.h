// A roofline estimate of one model instance: decode is bound by memory bandwidth (every weight and
// the batch's KV cache read once per step), prefill and encoders by compute, whichever takes
// longer. The efficiency factors say how much of the datasheet figure an engine achieves; they
// default from the catalog and are calibrated from a measured `tessera perf --json` (calibrate.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/footprint.h"
#include "plan/catalog.h"
#include "plan/workload.h"

namespace tessera::plan {

struct PerfParams {
  double decode_efficiency = 0.7;   // achieved / datasheet memory bandwidth
  double prefill_efficiency = 0.5;  // achieved / datasheet dense tensor FLOPS
  std::string source;               // "catalog", or the calibration file
};

struct Estimate {
  double share = 1;            // compute share of each GPU the instance is guaranteed
  double step_ms = 0;          // one decode step of the whole batch
  double decode_tok_s = 0;     // all sequences together; 0 for encoders
  double prefill_tok_s = 0;    // prompt (or encoder) tokens per second
  double ttft_ms = 0;          // one prompt's prefill
  double latency_ms = 0;       // unloaded request: prefill + tokens_out decode steps
  double requests_per_s = 0;   // one instance's capacity
  double tokens_per_watt = 0;  // generated (decoders) or encoded tokens per joule
  const char* decode_bound = "memory bandwidth";
};

// `shape` is the whole model (not a tensor-parallel shard); `weights` its precision (none: as
// stored); the instance
// spans `tensor_parallel` GPUs with `share` of each.
Estimate estimate_performance(const ModelShape& shape, const std::optional<NumberFormat>& weights,
                              const NumberFormat& kv, const ModelRequest& request,
                              const GpuSpec& gpu, int tensor_parallel, double share,
                              const PerfParams& params);

}  // namespace tessera::plan
