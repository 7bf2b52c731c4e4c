// A Slice is a named partition of a Device: a memory quota enforced by its Arena, a compute share
// the Scheduler's policy honours, and a mode:
//   time-sliced  (default) shares the device's cores with other time-sliced slices, step by step
//   exclusive    owns the whole device (like GPU passthrough): the only slice on it
//   spatial      dedicated cores on CPU (dedicated SMs via green contexts on GPU, later): runs on
//                its own compute pool, outside the time-sliced scheduler
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "backend/arena.h"
#include "backend/backend.h"
#include "base/status.h"
#include "runtime/profiles.h"

namespace tessera {

enum class SliceMode { kTimeSliced, kExclusive, kSpatial };
const char* slice_mode_name(SliceMode mode);
Result<SliceMode> slice_mode_from_name(std::string_view name);

// What a config resolves one slice to.
struct SliceSpec {
  std::string name;
  uint64_t memory_bytes = 0;
  double share = 0;  // fraction of the device's compute in (0, 1]
  SliceMode mode = SliceMode::kTimeSliced;
  const Profile* profile = nullptr;  // when claimed by profile name
  int cores = 0;                     // spatial on CPU: dedicated cores
  int64_t deadline_ns = 0;           // step latency target for the deadline policy; 0: none
  int line = 0;                      // 1-based line in the config, for messages
};

// A resolved slice at run time: its spec, the Arena every model instance in it charges, and the
// Backend its steps run on (the device's, or a spatial slice's own cores).
class Slice {
 public:
  // `backend` must outlive the slice.
  Slice(SliceSpec spec, Backend& backend)
      : spec_(std::move(spec)), arena_(spec_.name, spec_.memory_bytes), backend_(backend) {}
  Slice(const Slice&) = delete;
  Slice& operator=(const Slice&) = delete;

  const SliceSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  Arena& arena() { return arena_; }
  const Arena& arena() const { return arena_; }
  Backend& backend() const { return backend_; }

 private:
  SliceSpec spec_;
  Arena arena_;
  Backend& backend_;
};

}  // namespace tessera
