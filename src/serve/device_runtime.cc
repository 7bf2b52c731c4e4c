#include "serve/device_runtime.h"

namespace tessera::serve {

Result<std::unique_ptr<DeviceRuntime>> DeviceRuntime::create(DeviceConfig config, int threads) {
  if (config.device.kind != DeviceKind::kCpu) {
    return unimplemented(config.source + ": device " + config.device.name() +
                         ": the server runs on cpu devices only for now");
  }
  if (config.slices.empty()) return invalid_argument(config.source + ": no slices");
  std::unique_ptr<DeviceRuntime> d(new DeviceRuntime());
  std::vector<SchedulerSlice> scheduled;
  d->backend_ = std::make_unique<CpuBackend>(threads > 0 ? threads : config.device.compute_units);
  for (const SliceSpec& spec : config.slices) {
    d->slices_.push_back(std::make_unique<Slice>(spec, *d->backend_));
    scheduled.push_back({spec.name, spec.share, spec.deadline_ns});
  }
  d->scheduler_ = std::make_unique<Scheduler>(
      std::move(scheduled), config.scheduler.policy, config.scheduler.time_slice_ns, d->clock_,
      kDefaultMaxQueuedSteps, config.scheduler.anticipation_ns);
  d->config_ = std::move(config);
  d->scheduler_->start();
  return d;
}

DeviceRuntime::~DeviceRuntime() {
  if (scheduler_) scheduler_->stop();
}

Slice* DeviceRuntime::slice(std::string_view name) {
  for (auto& s : slices_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

int DeviceRuntime::slice_index(std::string_view name) const {
  for (size_t i = 0; i < slices_.size(); ++i) {
    if (slices_[i]->name() == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace tessera::serve
