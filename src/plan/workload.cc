#include "plan/workload.h"

#include <algorithm>

namespace tessera::plan {

int64_t ModelRequest::context() const {
  if (workload.context > 0) return workload.context;
  return std::min(shape.max_context, kDefaultContextCap);
}

const char* sharing_name(Sharing sharing) {
  switch (sharing) {
    case Sharing::kVgpu:
      return "vgpu";
    case Sharing::kTessera:
      return "tessera";
    case Sharing::kNone:
      return "none";
  }
  return "vgpu";
}

}  // namespace tessera::plan
