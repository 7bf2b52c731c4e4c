#include "runtime/step_runner.h"

namespace tessera {

Result<StepTiming> DirectStepRunner::run(const std::function<void(Backend&)>& fn) {
  StepTiming timing;
  timing.enqueue_ns = timing.start_ns = clock_.now_ns();
  fn(backend_);
  timing.end_ns = clock_.now_ns();
  return timing;
}

Result<StepTiming> SchedulerStepRunner::run(const std::function<void(Backend&)>& fn) {
  return scheduler_.run_step(slice_, [&] { fn(backend_); });
}

}  // namespace tessera
