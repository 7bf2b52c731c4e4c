// What the planner is asked to size: a model's shape, how it will be used, and the knobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/footprint.h"

namespace tessera::plan {

// How requests use a model instance. Targets of 0 mean "none given".
struct Workload {
  int64_t context = 0;  // tokens per sequence; 0: the model's maximum, capped at kDefaultContextCap
  int64_t sequences = 1;       // sequences resident (and decoding) at once
  int64_t tokens_in = 512;     // prompt tokens per request
  int64_t tokens_out = 256;    // generated tokens per request (decoders)
  int64_t batch_tokens = 512;  // tokens of one prefill forward pass (sizes the activations)
  double target_tokens_per_s = 0;
  double target_requests_per_s = 0;
  double p99_ms = 0;
};

// Long-context models (128k) would otherwise plan a KV cache nobody configures by default.
inline constexpr int64_t kDefaultContextCap = 8192;

struct ModelRequest {
  std::string name;
  ModelShape shape;
  std::string file;  // the GGUF path when the model came from one (emitted model.yaml)
  Workload workload;
  std::optional<NumberFormat> weights;  // fixed precision; none: the decision flow picks
  bool weights_as_stored = false;       // run the file's own types (what `tessera serve` does)
  NumberFormat kv;                      // the KV cache's precision: a separate knob

  int64_t context() const;
};

// How GPUs are shared.
enum class Sharing {
  kVgpu,     // NVIDIA vGPU C-series profiles; AI Enterprise licence per GPU-year
  kTessera,  // Tessera's own slices in profile shapes on a passthrough GPU; no vGPU licence
  kNone,     // one model instance per GPU (or per tensor-parallel group)
};
const char* sharing_name(Sharing sharing);

struct PlanOptions {
  Sharing sharing = Sharing::kVgpu;
  bool mig = false;  // MIG-backed profiles instead of time-sliced ones
  uint64_t runtime_overhead_bytes = kCudaRuntimeOverheadBytes;
  int threads = 1;  // compute threads (per-thread attention scratch); 1 on a GPU
};

}  // namespace tessera::plan
