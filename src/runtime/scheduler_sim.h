// A discrete-event run of a scheduling Policy on a ManualClock with synthetic step durations: the
// unit tests check the policies with it, and the `sim` tool can replay workloads through the same
// policy objects the server runs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/policy.h"

namespace tessera {

struct SimWorkload {
  enum class Arrivals {
    kSaturated,  // closed loop: the next step is queued think_ns after the previous one finishes
    kPeriodic,   // open loop: one step every period_ns
    kIdle,       // never has work
  };
  Arrivals arrivals = Arrivals::kSaturated;
  double share = 0.25;         // the slice's configured share
  int64_t step_ns = kNsPerMs;  // duration of each step
  int64_t step_jitter_ns = 0;  // each step lasts step_ns ± up to this (deterministic)
  int64_t period_ns = 0;       // kPeriodic
  int64_t think_ns = 0;        // kSaturated: the engine's turnaround between its steps
  int64_t target_ns = 0;       // latency target for deadlines; 0: kDefaultStepTargetNs
  int64_t active_from_ns = 0;  // no work before this time
  int64_t active_until_ns = kNever;
};

struct SimSliceResult {
  int64_t compute_ns = 0;
  uint64_t steps = 0;
  int64_t wait_ns = 0;                // total queueing
  std::vector<int64_t> latencies_ns;  // per step: finish - enqueue (queueing included)
  double compute_share = 0;           // compute_ns / elapsed

  int64_t latency_percentile_ns(double p) const;
};

struct SimResult {
  int64_t elapsed_ns = 0;
  int64_t busy_ns = 0;
  std::vector<SimSliceResult> slices;
};

SimResult simulate(PolicyKind policy, int64_t time_slice_ns, std::span<const SimWorkload> slices,
                   int64_t duration_ns, uint64_t seed = 1,
                   int64_t anticipation_ns = kDefaultAnticipationNs);

// Nearest-rank percentile (p in [0, 100]) of unsorted samples; 0 for none.
int64_t percentile_ns(std::vector<int64_t> samples, double p);

}  // namespace tessera
