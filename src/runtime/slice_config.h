// The slices of one device, from YAML (examples/slices/ has complete files):
//
//   device:
//     name: cpu            # cpu | cuda:N (default cpu)
//     type: L4             # GPU type whose vGPU profile rules apply: L4, L40S, H100 (optional)
//     memory: 16GiB        # default: RAM minus 2 GiB on cpu, else the GPU type's frame buffer
//     cores: 2             # cpu only; default: all online cores
//     profile_mode: equal-size   # or mixed-size (vGPU 17+); default equal-size, as NVIDIA's
//   scheduler:
//     policy: best-effort  # best-effort (NVIDIA's default) | equal-share | fixed-share | deadline
//     time_slice: 2ms      # 1-30 ms; default 2 ms, 1 ms when a claimed profile allows > 8 per GPU
//     anticipation: 500us  # wait for a slice's next step before handing its turn on (policy.h)
//   slices:
//     - name: chat
//       profile: L4-6C     # a profile sets memory and share (1/max per GPU); or, free-form:
//     - name: embed
//       memory: 6GiB       # byte sizes are binary, see base/byte_size.h
//       share: 25%         # or 0.25; default: what the others leave, split evenly
//       mode: time-sliced  # | exclusive (the only slice) | spatial (dedicated cores)
//       cores: 1           # spatial on cpu: dedicated cores (share = cores / device cores)
//       deadline: 20ms     # step latency target for the deadline policy (optional)
//
// Every error is "SOURCE:LINE:COLUMN: what was wrong" (InvalidArgument): malformed YAML, unknown or
// repeated keys, wrong types, bad values, profile rules, and over-commit of memory, share or cores,
// which names the slices and the numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "models/footprint.h"
#include "runtime/device.h"
#include "runtime/policy.h"
#include "runtime/profiles.h"
#include "runtime/slice.h"

namespace tessera {

struct SchedulerConfig {
  PolicyKind policy = PolicyKind::kBestEffort;
  int64_t time_slice_ns = kDefaultTimeSliceNs;
  int64_t anticipation_ns = kDefaultAnticipationNs;
};

struct DeviceConfig {
  std::string source;  // file name, for messages
  Device device;
  ProfileMode profile_mode = ProfileMode::kEqualSize;
  SchedulerConfig scheduler;
  std::vector<SliceSpec> slices;

  // Cores that spatial slices take, and what remains for the time-sliced scheduler.
  int spatial_cores() const;
  int shared_cores() const { return device.compute_units - spatial_cores(); }
};

Result<DeviceConfig> parse_device_config(std::string_view yaml, const std::string& source);
Result<DeviceConfig> load_device_config(const std::string& path);

// A human-readable table of the resolved device, scheduler and slices (`tessera slices check`).
std::string describe(const DeviceConfig& config);

// Capacities a model refused by `slice` could move to, for explain_refusal: the larger profiles of
// the same GPU type and kind (time-sliced or MIG-backed) when the slice claims a profile; else the
// slice grown by the device memory that no slice claims, when there is any.
std::vector<CapacityOption> larger_capacities(const DeviceConfig& config, const SliceSpec& slice);

// "2ms", "500us", "1.5s", "250ns"; a bare number is milliseconds.
Result<int64_t> parse_duration_ns(std::string_view text);

}  // namespace tessera
