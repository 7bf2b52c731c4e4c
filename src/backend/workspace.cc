#include "backend/workspace.h"

namespace tessera {

uint64_t WorkspaceLayout::add(std::string name, uint64_t count, uint64_t element_bytes) {
  const uint64_t offset = bytes_;
  const uint64_t bytes = count * element_bytes;
  bytes_ += (bytes + kWorkspaceAlignment - 1) / kWorkspaceAlignment * kWorkspaceAlignment;
  regions_.push_back({std::move(name), offset, bytes});
  return offset;
}

}  // namespace tessera
