// The Scheduler of one device (or of one spatial slice's dedicated cores): engines submit Steps to
// their slice's queue; one scheduler thread asks the Policy which slice goes next, runs that
// slice's head step (the step itself uses the device's compute pool), measures it on the Clock and
// charges the duration to the slice. Per-slice accounting: compute time, steps, queue length, and
// the time steps waited in the queue.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "runtime/policy.h"

namespace tessera {

// Without a latency target, steps get this much slack: the deadline policy then orders them by
// age across slices.
inline constexpr int64_t kDefaultStepTargetNs = 100 * kNsPerMs;
// Steps a slice may have queued before submit() refuses more (the engine then waits or rejects).
inline constexpr size_t kDefaultMaxQueuedSteps = 1024;

struct SliceAccount {
  std::string name;
  double share = 0;
  int64_t compute_ns = 0;  // measured durations of its steps
  uint64_t steps = 0;
  uint64_t queue_length = 0;  // now
  int64_t wait_ns = 0;        // total time its steps waited in the queue
  int64_t max_wait_ns = 0;

  double compute_seconds() const { return static_cast<double>(compute_ns) / kNsPerSecond; }
};

struct StepTiming {
  int64_t enqueue_ns = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

struct Step {
  std::function<void()> run;
  int64_t deadline_ns = kNever;  // absolute on the scheduler's clock; kNever: now + slice target
  // Called on the scheduler thread after `run`, or with an error when the scheduler stops first.
  std::function<void(const Status&, const StepTiming&)> done;
};

struct SchedulerSlice {
  std::string name;
  double share = 0;       // fraction of the device
  int64_t target_ns = 0;  // step latency target (deadline policy); 0: kDefaultStepTargetNs
};

class Scheduler {
 public:
  Scheduler(std::vector<SchedulerSlice> slices, PolicyKind policy, int64_t time_slice_ns,
            const Clock& clock, size_t max_queued_steps = kDefaultMaxQueuedSteps,
            int64_t anticipation_ns = kDefaultAnticipationNs);
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the scheduler thread; steps may be submitted before.
  void start();
  // Finishes the running step, fails the queued ones (done gets an error) and joins the thread.
  void stop();

  // Queues a step; ResourceExhausted when the slice's queue is full, InvalidArgument for a bad
  // slice index, Internal once stopped.
  Status submit(int slice, Step step);
  // Runs `fn` as one step of `slice` and waits for it: what an engine thread calls.
  Result<StepTiming> run_step(int slice, std::function<void()> fn, int64_t deadline_ns = kNever);

  int slice_index(std::string_view name) const;  // -1 if unknown
  PolicyKind policy() const { return policy_->kind(); }
  std::vector<SliceAccount> accounts() const;

 private:
  struct Queued {
    Step step;
    int64_t enqueue_ns = 0;
    int64_t deadline_ns = 0;
  };

  void loop();

  const Clock& clock_;
  const size_t max_queued_steps_;
  std::vector<SchedulerSlice> slices_;
  std::unique_ptr<Policy> policy_;  // used only by the scheduler thread

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::deque<Queued>> queues_;
  std::vector<SliceAccount> accounts_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace tessera
