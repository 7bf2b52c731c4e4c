// How an engine gets device time: each step is handed to a StepRunner, which runs it with the
// device's compute pool and says how long it waited and ran. In the server that is the device's
// Scheduler (the step queues behind other slices' steps); tests run steps directly.
#pragma once

#include <functional>

#include "base/clock.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "runtime/scheduler.h"

namespace tessera {

class StepRunner {
 public:
  virtual ~StepRunner() = default;
  // Runs fn(pool) as one step and waits for it; an error when the step could not run.
  virtual Result<StepTiming> run(const std::function<void(ThreadPool&)>& fn) = 0;
};

// Steps run on the calling thread with `pool`.
class DirectStepRunner final : public StepRunner {
 public:
  explicit DirectStepRunner(ThreadPool& pool) : pool_(pool) {}
  Result<StepTiming> run(const std::function<void(ThreadPool&)>& fn) override;

 private:
  ThreadPool& pool_;
  SteadyClock clock_;
};

// Steps run as steps of slice `slice` on `scheduler`, whose thread alone uses `pool`.
class SchedulerStepRunner final : public StepRunner {
 public:
  SchedulerStepRunner(Scheduler& scheduler, int slice, ThreadPool& pool)
      : scheduler_(scheduler), slice_(slice), pool_(pool) {}
  Result<StepTiming> run(const std::function<void(ThreadPool&)>& fn) override;

 private:
  Scheduler& scheduler_;
  int slice_;
  ThreadPool& pool_;
};

}  // namespace tessera
