// The scratch of a forward pass, laid out once: named regions, each 64-byte aligned, in one
// allocation made at load. Models describe their regions with a WorkspaceLayout; the footprint
// sizes the same layout, so what the planner counts is what the backend allocates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessera {

inline constexpr uint64_t kWorkspaceAlignment = 64;

class WorkspaceLayout {
 public:
  // Appends a region of `count` elements of `element_bytes`; returns its byte offset.
  uint64_t add(std::string name, uint64_t count, uint64_t element_bytes);
  uint64_t floats(std::string name, uint64_t count) { return add(std::move(name), count, 4); }
  uint64_t ints(std::string name, uint64_t count) { return add(std::move(name), count, 4); }
  uint64_t bytes() const { return bytes_; }

  struct Region {
    std::string name;
    uint64_t offset = 0;
    uint64_t bytes = 0;
  };
  const std::vector<Region>& regions() const { return regions_; }

 private:
  std::vector<Region> regions_;
  uint64_t bytes_ = 0;
};

}  // namespace tessera
