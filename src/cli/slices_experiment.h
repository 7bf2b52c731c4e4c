// The scheduling experiment behind `tessera slices experiment`: one decoder per slice of a cpu
// device config, each loaded into its slice's Arena (so the footprint admission runs for real),
// driven by its own engine thread that submits decode steps to the device's Scheduler, under one
// policy for a fixed wall time. What comes back per slice is the share of wall time its steps
// computed (from the scheduler's accounting) and the latency of its steps, queueing included.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "runtime/policy.h"
#include "runtime/slice_config.h"

namespace tessera::cli {

// Each engine decodes this many sequences per step (one token each), cycling through the first
// kExperimentContextTokens positions of the context.
inline constexpr int64_t kExperimentSequences = 4;
inline constexpr int64_t kExperimentContextTokens = 256;

struct ExperimentRow {
  std::string policy, slice;
  double configured_share = 0;
  double share = 0;  // compute time of its steps / wall time of the run
  uint64_t steps = 0;
  double compute_s = 0;
  double p50_ms = 0, p99_ms = 0;  // step latency: finished - submitted (or due, open loop)
  double mean_wait_ms = 0;        // queueing per step, from the scheduler's accounting
};

struct ExperimentSetup {
  std::vector<std::string> model_paths;  // one GGUF decoder per slice, in config order
  std::map<std::string, double> rates;   // slice -> steps per second (open loop); else closed
  double duration_s = 5;                 // wall time per policy
};

// Writes a synthetic llama decoder for every slice that `paths` (slice -> GGUF) does not name,
// into `dir`; widths grow with the slice's index so step lengths differ. Returns one path per
// slice, in config order.
Result<std::vector<std::string>> experiment_models(const DeviceConfig& config,
                                                   const std::map<std::string, std::string>& paths,
                                                   const std::string& dir);

// Runs the experiment under `policy`. Time-sliced slices share one Scheduler over the device's
// shared cores; a spatial or exclusive slice gets its own scheduler and pool. InvalidArgument for
// a config that is not a cpu device; a model that does not fit its slice gives the refusal.
Result<std::vector<ExperimentRow>> run_experiment_policy(const DeviceConfig& config,
                                                         PolicyKind policy,
                                                         const ExperimentSetup& setup);

}  // namespace tessera::cli
