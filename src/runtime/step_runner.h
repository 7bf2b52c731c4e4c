// How an engine gets device time: each step is handed to a StepRunner, which runs it on the
// slice's Backend and says how long it waited and ran. In the server that is the device's
// Scheduler (the step queues behind other slices' steps); tests run steps directly.
#pragma once

#include <functional>

#include "backend/backend.h"
#include "base/clock.h"
#include "base/status.h"
#include "runtime/scheduler.h"

namespace tessera {

class StepRunner {
 public:
  virtual ~StepRunner() = default;
  // Runs fn(backend) as one step and waits for it; an error when the step could not run.
  virtual Result<StepTiming> run(const std::function<void(Backend&)>& fn) = 0;
};

// Steps run on the calling thread on `backend`.
class DirectStepRunner final : public StepRunner {
 public:
  explicit DirectStepRunner(Backend& backend) : backend_(backend) {}
  Result<StepTiming> run(const std::function<void(Backend&)>& fn) override;

 private:
  Backend& backend_;
  SteadyClock clock_;
};

// Steps run as steps of slice `slice` on `scheduler`, whose thread alone uses `backend`.
class SchedulerStepRunner final : public StepRunner {
 public:
  SchedulerStepRunner(Scheduler& scheduler, int slice, Backend& backend)
      : scheduler_(scheduler), slice_(slice), backend_(backend) {}
  Result<StepTiming> run(const std::function<void(Backend&)>& fn) override;

 private:
  Scheduler& scheduler_;
  int slice_;
  Backend& backend_;
};

}  // namespace tessera
