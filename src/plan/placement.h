// Bin-packing a sized fleet onto GPUs and hosts, obeying the vGPU profile rules:
// - equal-size mode (NVIDIA's default): one profile per GPU, at most its max_equal;
// - mixed-size mode (vGPU 17+): profiles of several sizes per GPU, each at most its max_mixed,
//   frame buffers within the GPU; the fixed-share scheduler is not allowed there;
// - MIG-backed profiles: compute slices at most 7 and memory slices at most 8 per GPU;
// - at most 12 compute vGPUs per GPU; tensor-parallel groups inside one host.
// Both time-sliced modes are packed and the one needing fewer GPUs wins (equal-size on a tie,
// since it keeps fixed share available).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/catalog.h"
#include "plan/sizing.h"
#include "plan/workload.h"

namespace tessera::plan {

struct PlacedSlice {
  std::string name;   // "chat-1", "big-1-tp2": unique within the placement
  std::string model;  // the fleet entry
  const Sizing* sizing = nullptr;
  const CatalogProfile* profile = nullptr;  // none: the whole GPU
  uint64_t slot_bytes = 0;                  // frame buffer it takes
  uint64_t used_bytes = 0;                  // its footprint
  int tp_rank = 0;                          // 0..tensor_parallel-1
};

enum class GpuMode { kEqualSize, kMixedSize, kMig, kWhole };
const char* gpu_mode_name(GpuMode mode);

struct PlacedGpu {
  int host = 0;   // 0-based
  int index = 0;  // within the host
  GpuMode mode = GpuMode::kWhole;
  std::vector<PlacedSlice> slices;

  uint64_t allocated_bytes() const;
  uint64_t used_bytes() const;
};

struct Placement {
  const GpuSpec* gpu = nullptr;
  std::vector<PlacedGpu> gpus;  // by host, then index
  int hosts = 0;
  GpuMode mode = GpuMode::kEqualSize;  // of the profile-sharing GPUs
  std::vector<std::string> unplaced;   // models that do not fit this GPU type at all

  uint64_t memory_bytes() const;  // all GPUs together
  uint64_t allocated_bytes() const;
  uint64_t used_bytes() const;
  bool uses_profiles() const;  // some GPU is shared by vGPU profiles (licensed in vGPU mode)
};

// Sizings of one GPU type; they must outlive the placement.
Placement place_fleet(const std::vector<Sizing>& sizings, const GpuSpec& gpu,
                      const PlanOptions& options);

}  // namespace tessera::plan
