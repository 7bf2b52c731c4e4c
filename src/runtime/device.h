// A Device is one compute device, `cpu` or `cuda:N`, with the memory capacity and compute units
// that its Slices divide. CPU defaults: capacity = physical RAM minus kCpuMemoryReserveBytes (for
// the OS and Tessera's own non-slice memory), compute units = online cores. A device may also name
// a GPU type (`L4`, `L40S`, `H100`): then vGPU profile rules apply to the slices that claim
// profiles, and its memory defaults to that GPU's frame buffer. (A `cpu` device with a GPU type
// rehearses a GPU layout on a CPU: the sim and plan tools use that.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/byte_size.h"
#include "base/status.h"

namespace tessera {

enum class DeviceKind { kCpu, kCuda };

// Memory left to the OS and to what is not charged to slices (HTTP buffers, tokenizers of the
// repository, the process itself) when a CPU device's capacity is not configured.
inline constexpr uint64_t kCpuMemoryReserveBytes = 2 * kGiB;

struct Device {
  DeviceKind kind = DeviceKind::kCpu;
  int index = 0;         // N of cuda:N; 0 for cpu
  std::string gpu_type;  // "" or a GpuType name from profiles.h
  uint64_t memory_bytes = 0;
  int compute_units = 0;  // CPU: cores; GPU: SMs (when known, else 0)

  std::string name() const;  // "cpu", "cuda:0"
};

// Parses "cpu" or "cuda:N".
Result<Device> parse_device_name(std::string_view name);

// Physical RAM (sysconf), and online cores (at least 1).
uint64_t physical_memory_bytes();
int online_cores();

// A CPU device with defaults for what is 0: capacity = RAM minus the reserve, units = cores.
Device cpu_device(uint64_t memory_bytes = 0, int cores = 0);

}  // namespace tessera
