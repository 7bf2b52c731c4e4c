#include "runtime/slice.h"

namespace tessera {

const char* slice_mode_name(SliceMode mode) {
  switch (mode) {
    case SliceMode::kTimeSliced:
      return "time-sliced";
    case SliceMode::kExclusive:
      return "exclusive";
    case SliceMode::kSpatial:
      return "spatial";
  }
  return "time-sliced";
}

Result<SliceMode> slice_mode_from_name(std::string_view name) {
  if (name == "time-sliced") return SliceMode::kTimeSliced;
  if (name == "exclusive") return SliceMode::kExclusive;
  if (name == "spatial") return SliceMode::kSpatial;
  return invalid_argument("mode '" + std::string(name) +
                          "': expected time-sliced, exclusive or spatial");
}

}  // namespace tessera
