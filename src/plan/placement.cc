#include "plan/placement.h"

#include <algorithm>
#include <map>

namespace tessera::plan {
namespace {

constexpr int kMaxVgpusPerGpu = 12;  // NVIDIA's C-series footnote (runtime/profiles.h)
constexpr int kMigComputeSlices = 7;
constexpr int kMigMemorySlices = 8;

struct Unit {  // what must land together: one slice, or a tensor-parallel group of whole GPUs
  std::vector<PlacedSlice> slices;
};

int count_of(const PlacedGpu& g, const CatalogProfile* p) {
  return static_cast<int>(std::count_if(g.slices.begin(), g.slices.end(),
                                        [&](const PlacedSlice& s) { return s.profile == p; }));
}

// Can `s` join GPU `g` (of memory `memory`) in `mode`?
bool admits(const PlacedGpu& g, const PlacedSlice& s, GpuMode mode, uint64_t memory) {
  if (g.slices.empty()) return true;
  if (g.mode != mode || static_cast<int>(g.slices.size()) >= kMaxVgpusPerGpu) return false;
  const CatalogProfile& p = *s.profile;
  switch (mode) {
    case GpuMode::kEqualSize:
      return g.slices.front().profile == s.profile && count_of(g, &p) < p.max_equal;
    case GpuMode::kMixedSize:
      return count_of(g, &p) < p.max_mixed && g.allocated_bytes() + s.slot_bytes <= memory;
    case GpuMode::kMig: {
      int compute = p.mig_compute_slices, mem = p.mig_memory_slices;
      for (const PlacedSlice& o : g.slices) {
        compute += o.profile->mig_compute_slices;
        mem += o.profile->mig_memory_slices;
      }
      return count_of(g, &p) < p.max_equal && compute <= kMigComputeSlices &&
             mem <= kMigMemorySlices;
    }
    case GpuMode::kWhole:
      return false;
  }
  return false;
}

// First-fit decreasing of profile slices onto GPUs in `mode`.
std::vector<PlacedGpu> pack(std::vector<PlacedSlice> slices, GpuMode mode, uint64_t memory) {
  std::stable_sort(slices.begin(), slices.end(), [](const PlacedSlice& a, const PlacedSlice& b) {
    return a.slot_bytes > b.slot_bytes;
  });
  std::vector<PlacedGpu> gpus;
  for (PlacedSlice& s : slices) {
    auto it = std::find_if(gpus.begin(), gpus.end(),
                           [&](const PlacedGpu& g) { return admits(g, s, mode, memory); });
    if (it == gpus.end()) {
      gpus.emplace_back();
      gpus.back().mode = mode;
      it = gpus.end() - 1;
    }
    it->slices.push_back(std::move(s));
  }
  return gpus;
}

}  // namespace

const char* gpu_mode_name(GpuMode mode) {
  switch (mode) {
    case GpuMode::kEqualSize:
      return "equal-size";
    case GpuMode::kMixedSize:
      return "mixed-size";
    case GpuMode::kMig:
      return "MIG";
    case GpuMode::kWhole:
      return "whole GPU";
  }
  return "whole GPU";
}

uint64_t PlacedGpu::allocated_bytes() const {
  uint64_t n = 0;
  for (const PlacedSlice& s : slices) n += s.slot_bytes;
  return n;
}

uint64_t PlacedGpu::used_bytes() const {
  uint64_t n = 0;
  for (const PlacedSlice& s : slices) n += s.used_bytes;
  return n;
}

uint64_t Placement::memory_bytes() const { return gpu ? gpu->memory_bytes * gpus.size() : 0; }

uint64_t Placement::allocated_bytes() const {
  uint64_t n = 0;
  for (const PlacedGpu& g : gpus) n += g.allocated_bytes();
  return n;
}

uint64_t Placement::used_bytes() const {
  uint64_t n = 0;
  for (const PlacedGpu& g : gpus) n += g.used_bytes();
  return n;
}

bool Placement::uses_profiles() const {
  return std::any_of(gpus.begin(), gpus.end(), [](const PlacedGpu& g) {
    return std::any_of(g.slices.begin(), g.slices.end(),
                       [](const PlacedSlice& s) { return s.profile != nullptr; });
  });
}

Placement place_fleet(const std::vector<Sizing>& sizings, const GpuSpec& gpu,
                      const PlanOptions& options) {
  Placement out;
  out.gpu = &gpu;
  std::vector<PlacedSlice> shared;  // profile slices
  std::vector<Unit> whole;          // whole GPUs and tensor-parallel groups
  for (const Sizing& s : sizings) {
    if (!s.fits) {
      out.unplaced.push_back(s.model);
      continue;
    }
    for (int r = 1; r <= s.replicas; ++r) {
      const std::string name = s.model + "-" + std::to_string(r);
      if (s.profile && s.tensor_parallel == 1) {
        shared.push_back(
            {name, s.model, &s, s.profile, s.slot_bytes, s.footprint.total_bytes(), 0});
        continue;
      }
      Unit u;
      for (int k = 0; k < s.tensor_parallel; ++k) {
        u.slices.push_back({s.tensor_parallel > 1 ? name + "-tp" + std::to_string(k) : name,
                            s.model, &s, s.profile, s.slot_bytes, s.footprint.total_bytes(), k});
      }
      whole.push_back(std::move(u));
    }
  }
  std::vector<PlacedGpu> profile_gpus;
  if (options.mig) {
    out.mode = GpuMode::kMig;
    profile_gpus = pack(shared, GpuMode::kMig, gpu.memory_bytes);
  } else {
    std::vector<PlacedGpu> equal = pack(shared, GpuMode::kEqualSize, gpu.memory_bytes);
    std::vector<PlacedGpu> mixed = pack(shared, GpuMode::kMixedSize, gpu.memory_bytes);
    const bool use_mixed = mixed.size() < equal.size();
    out.mode = use_mixed ? GpuMode::kMixedSize : GpuMode::kEqualSize;
    profile_gpus = use_mixed ? std::move(mixed) : std::move(equal);
  }
  // Hosts: tensor-parallel groups first (largest first, each inside one host), then single GPUs.
  std::stable_sort(whole.begin(), whole.end(),
                   [](const Unit& a, const Unit& b) { return a.slices.size() > b.slices.size(); });
  std::vector<std::vector<PlacedGpu>> hosts;
  const auto place_unit = [&](std::vector<PlacedGpu> unit) {
    const size_t n = unit.size();
    auto host = std::find_if(hosts.begin(), hosts.end(), [&](const auto& h) {
      return h.size() + n <= static_cast<size_t>(gpu.gpus_per_host);
    });
    if (host == hosts.end()) {
      hosts.emplace_back();
      host = hosts.end() - 1;
    }
    for (PlacedGpu& g : unit) host->push_back(std::move(g));
  };
  for (Unit& u : whole) {
    std::vector<PlacedGpu> unit;
    for (PlacedSlice& s : u.slices) {
      PlacedGpu g;
      g.mode = s.profile ? (options.mig ? GpuMode::kMig : GpuMode::kEqualSize) : GpuMode::kWhole;
      g.slices.push_back(std::move(s));
      unit.push_back(std::move(g));
    }
    place_unit(std::move(unit));
  }
  for (PlacedGpu& g : profile_gpus) place_unit({std::move(g)});
  for (size_t h = 0; h < hosts.size(); ++h) {
    for (size_t i = 0; i < hosts[h].size(); ++i) {
      hosts[h][i].host = static_cast<int>(h);
      hosts[h][i].index = static_cast<int>(i);
      out.gpus.push_back(std::move(hosts[h][i]));
    }
  }
  out.hosts = static_cast<int>(hosts.size());
  return out;
}

}  // namespace tessera::plan
