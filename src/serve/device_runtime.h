// The compute side of the server for one device: its slices (each with its Arena, all on the
// device's Backend), and the Scheduler whose single thread runs every engine's steps on that
// backend (docs/architecture.md, "Threading"). Phase 1 runs spatial and exclusive slices on the
// same scheduler as time-sliced ones; their dedicated cores are not wired into the server yet.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "base/clock.h"
#include "base/status.h"
#include "runtime/scheduler.h"
#include "runtime/slice.h"
#include "runtime/slice_config.h"

namespace tessera::serve {

class DeviceRuntime {
 public:
  // Starts the scheduler. `threads` 0: the device's cores.
  static Result<std::unique_ptr<DeviceRuntime>> create(DeviceConfig config, int threads = 0);
  ~DeviceRuntime();

  const DeviceConfig& config() const { return config_; }
  // nullptr and -1 for an unknown slice.
  Slice* slice(std::string_view name);
  int slice_index(std::string_view name) const;
  const std::vector<std::unique_ptr<Slice>>& slices() const { return slices_; }
  Scheduler& scheduler() { return *scheduler_; }
  Backend& backend() { return *backend_; }
  int threads() const { return backend_->lanes(); }

 private:
  DeviceRuntime() = default;

  DeviceConfig config_;
  std::vector<std::unique_ptr<Slice>> slices_;
  SteadyClock clock_;
  std::unique_ptr<CpuBackend> backend_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace tessera::serve
