#include "runtime/profiles.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "base/byte_size.h"

namespace tessera {
namespace {

// NVIDIA writes frame buffers in "MB" meaning MiB (L4-24C: 24576 MB); see base/byte_size.h.
constexpr uint64_t mib(uint64_t n) { return n * kMiB; }
constexpr uint64_t gib(uint64_t n) { return n * kGiB; }

constexpr Profile kProfiles[] = {
    // L4 (24 GB)
    {"L4-24C", "L4", mib(24576), 1, 1, 0, 0},
    {"L4-12C", "L4", mib(12288), 2, 2, 0, 0},
    {"L4-8C", "L4", mib(8192), 3, 2, 0, 0},
    {"L4-6C", "L4", mib(6144), 4, 4, 0, 0},
    {"L4-4C", "L4", mib(4096), 6, 4, 0, 0},
    // L40S (48 GB)
    {"L40S-48C", "L40S", gib(48), 1, 1, 0, 0},
    {"L40S-24C", "L40S", gib(24), 2, 2, 0, 0},
    {"L40S-16C", "L40S", gib(16), 3, 2, 0, 0},
    {"L40S-12C", "L40S", gib(12), 4, 4, 0, 0},
    {"L40S-8C", "L40S", gib(8), 6, 4, 0, 0},
    {"L40S-6C", "L40S", gib(6), 8, 8, 0, 0},
    {"L40S-4C", "L40S", gib(4), 12, 8, 0, 0},
    // H100 PCIe 80 GB, time-sliced
    {"H100-80C", "H100", gib(80), 1, 1, 0, 0},
    {"H100-40C", "H100", gib(40), 2, 2, 0, 0},
    {"H100-20C", "H100", gib(20), 4, 4, 0, 0},
    {"H100-16C", "H100", gib(16), 6, 4, 0, 0},
    {"H100-10C", "H100", gib(10), 8, 8, 0, 0},
    {"H100-8C", "H100", gib(8), 10, 8, 0, 0},
    {"H100-5C", "H100", gib(5), 16, 16, 0, 0},
    {"H100-4C", "H100", gib(4), 20, 16, 0, 0},
    // H100 80 GB, MIG-backed: <compute slices>-<GiB>C
    {"H100-7-80C", "H100", gib(80), 1, 1, 7, 8},
    {"H100-4-40C", "H100", gib(40), 1, 1, 4, 4},
    {"H100-3-40C", "H100", gib(40), 2, 2, 3, 4},
    {"H100-2-20C", "H100", gib(20), 3, 3, 2, 2},
    {"H100-1-20C", "H100", gib(20), 4, 4, 1, 2},
    {"H100-1-10C", "H100", gib(10), 7, 7, 1, 1},
};

constexpr GpuType kGpuTypes[] = {{"L4", mib(24576)}, {"L40S", gib(48)}, {"H100", gib(80)}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

std::span<const Profile> profile_catalog() { return kProfiles; }
std::span<const GpuType> gpu_types() { return kGpuTypes; }

const Profile* find_profile(std::string_view name) {
  for (const Profile& p : kProfiles) {
    if (iequals(p.name, name)) return &p;
  }
  return nullptr;
}

const GpuType* find_gpu_type(std::string_view name) {
  for (const GpuType& g : kGpuTypes) {
    if (iequals(g.name, name)) return &g;
  }
  return nullptr;
}

std::string profile_names() {
  std::string out;
  for (const Profile& p : kProfiles) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

double profile_share(const Profile& profile) {
  if (profile.mig()) {
    return static_cast<double>(profile.mig_compute_slices) / kMigComputeSlicesPerGpu;
  }
  return 1.0 / profile.max_equal;
}

const char* profile_mode_name(ProfileMode mode) {
  return mode == ProfileMode::kEqualSize ? "equal-size" : "mixed-size";
}

Status check_profile_counts(std::string_view gpu, std::span<const Profile* const> claimed,
                            ProfileMode mode) {
  const GpuType* type = find_gpu_type(gpu);
  if (type == nullptr) return invalid_argument("unknown GPU type '" + str(gpu) + "'");
  std::map<std::string_view, int> counts;
  int mig = 0, time_sliced = 0, mig_compute = 0, mig_memory = 0;
  uint64_t framebuffer = 0;
  for (const Profile* p : claimed) {
    if (p->gpu != type->name) {
      return invalid_argument("profile " + str(p->name) + " belongs to the " + str(p->gpu) +
                              ", not to an " + str(type->name));
    }
    ++counts[p->name];
    framebuffer += p->framebuffer_bytes;
    if (p->mig()) {
      ++mig;
      mig_compute += p->mig_compute_slices;
      mig_memory += p->mig_memory_slices;
    } else {
      ++time_sliced;
    }
  }
  if (mig > 0 && time_sliced > 0) {
    return invalid_argument("MIG-backed and time-sliced profiles cannot share one " +
                            str(type->name));
  }
  const int total = mig + time_sliced;
  if (total > kMaxComputeVgpusPerGpu) {
    return invalid_argument(std::to_string(total) + " compute vGPUs on one " + str(type->name) +
                            "; at most " + std::to_string(kMaxComputeVgpusPerGpu) +
                            " per physical GPU");
  }
  if (mode == ProfileMode::kEqualSize && counts.size() > 1 && time_sliced > 0) {
    std::string names;
    for (const auto& [name, n] : counts) names += (names.empty() ? "" : ", ") + str(name);
    return invalid_argument("profiles of different sizes (" + names + ") on one " +
                            str(type->name) +
                            " need mixed-size mode (device.profile_mode: mixed-size)");
  }
  for (const auto& [name, n] : counts) {
    const Profile* p = find_profile(name);
    const bool mixed = mode == ProfileMode::kMixedSize && !p->mig();
    const int limit = mixed ? p->max_mixed : p->max_equal;
    if (n > limit) {
      return invalid_argument(
          std::to_string(n) + " × " + str(name) + " on one " + str(type->name) + "; at most " +
          std::to_string(limit) +
          (p->mig() ? "" : std::string(" in ") + profile_mode_name(mode) + " mode"));
    }
  }
  if (mig_compute > kMigComputeSlicesPerGpu || mig_memory > kMigMemorySlicesPerGpu) {
    return invalid_argument(
        "MIG-backed profiles need " + std::to_string(mig_compute) + " compute slices and " +
        std::to_string(mig_memory) + " memory slices; an " + str(type->name) + " has " +
        std::to_string(kMigComputeSlicesPerGpu) + " and " + std::to_string(kMigMemorySlicesPerGpu));
  }
  if (framebuffer > type->memory_bytes) {
    return invalid_argument("profiles need " + format_bytes(framebuffer) + " of frame buffer; an " +
                            str(type->name) + " has " + format_bytes(type->memory_bytes));
  }
  return {};
}

std::vector<const Profile*> profiles_of(std::string_view gpu) {
  std::vector<const Profile*> out;
  for (const Profile& p : kProfiles) {
    if (gpu.empty() || iequals(p.gpu, gpu)) out.push_back(&p);
  }
  std::stable_sort(out.begin(), out.end(), [](const Profile* a, const Profile* b) {
    return a->framebuffer_bytes < b->framebuffer_bytes;
  });
  return out;
}

}  // namespace tessera
