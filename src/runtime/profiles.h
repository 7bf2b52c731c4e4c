// NVIDIA vGPU C-series (compute) profiles as data: a profile name is a slice shape (frame buffer
// and compute share) and carries the per-GPU maximum counts that a config claiming it must respect.
// Facts come from ../shared/reference/vgpu-and-hardware.md (NVIDIA AI Enterprise docs, C-series).
//
// Rules enforced by check_profile_counts:
// - Time-sliced profiles, equal-size mode (the default vGPU mode): every profile on one GPU is the
//   same one, at most max_equal of it.
// - Mixed-size mode (vGPU 17+, Ada/Ampere/Hopper): different sizes may share one GPU, each at most
//   max_mixed, and the frame buffers must fit the GPU. The fixed-share scheduler is not supported
//   in mixed-size mode (NVIDIA vGPU user guide).
// - MIG-backed profiles (H100-<g>-<mem>C) are spatial: each at most its max count, the compute
//   slices (<g>) at most 7 and the memory slices at most 8 of 10 GiB per GPU; they do not mix with
//   time-sliced profiles on one GPU.
// - At most 12 compute vGPUs per physical GPU (the footnote of the same NVIDIA table), whatever the
//   per-profile maximum says.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera {

struct Profile {
  std::string_view name;  // "L4-6C", "H100-1-10C"
  std::string_view gpu;   // GPU type whose profile table it belongs to: "L4", "L40S", "H100"
  uint64_t framebuffer_bytes;
  int max_equal;           // max per GPU in equal-size mode (MIG-backed: the max count)
  int max_mixed;           // max per GPU in mixed-size mode (MIG-backed: same as max_equal)
  int mig_compute_slices;  // MIG-backed: GPU compute slices (the <g> of H100-<g>-<mem>C); 0 if not
  int mig_memory_slices;   // MIG-backed: memory slices of 10 GiB; 0 if not

  bool mig() const { return mig_compute_slices > 0; }
};

// A GPU type that profiles belong to: its frame buffer is the largest time-sliced profile's.
struct GpuType {
  std::string_view name;
  uint64_t memory_bytes;
};

inline constexpr int kMaxComputeVgpusPerGpu = 12;
inline constexpr int kMigComputeSlicesPerGpu = 7;
inline constexpr int kMigMemorySlicesPerGpu = 8;

std::span<const Profile> profile_catalog();
std::span<const GpuType> gpu_types();
// Case-insensitive lookups; nullptr when unknown.
const Profile* find_profile(std::string_view name);
const GpuType* find_gpu_type(std::string_view name);
// "L4-4C, L4-6C, ..." for error messages.
std::string profile_names();

// The compute share a profile gets: time-sliced, what the fixed-share scheduler reserves for it,
// 1/(max per GPU in equal-size mode); MIG-backed, its compute slices out of 7.
double profile_share(const Profile& profile);

enum class ProfileMode { kEqualSize, kMixedSize };
const char* profile_mode_name(ProfileMode mode);

// Checks profiles claimed on one GPU of type `gpu` (one entry per slice, repeats allowed) against
// the rules above. `mode` is the GPU's vGPU mode; an error names the profile, the count and the
// limit.
Status check_profile_counts(std::string_view gpu, std::span<const Profile* const> claimed,
                            ProfileMode mode);

// Profiles of `gpu`, smallest frame buffer first (all types when `gpu` is empty).
std::vector<const Profile*> profiles_of(std::string_view gpu);

}  // namespace tessera
