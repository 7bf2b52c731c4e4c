#include "runtime/scheduler.h"

#include <algorithm>
#include <chrono>
#include <future>

namespace tessera {

Scheduler::Scheduler(std::vector<SchedulerSlice> slices, PolicyKind policy, int64_t time_slice_ns,
                     const Clock& clock, size_t max_queued_steps, int64_t anticipation_ns)
    : clock_(clock), max_queued_steps_(max_queued_steps), slices_(std::move(slices)) {
  PolicyOptions options;
  options.time_slice_ns = time_slice_ns;
  options.anticipation_ns = anticipation_ns;
  for (const SchedulerSlice& s : slices_) {
    options.shares.push_back(s.share);
    SliceAccount account;
    account.name = s.name;
    account.share = s.share;
    accounts_.push_back(account);
  }
  policy_ = make_policy(policy, clock_, std::move(options));
  queues_.resize(slices_.size());
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  std::vector<Queued> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    for (size_t i = 0; i < queues_.size(); ++i) {
      for (Queued& q : queues_[i]) dropped.push_back(std::move(q));
      queues_[i].clear();
      accounts_[i].queue_length = 0;
    }
  }
  const Status stopped = internal_error("scheduler stopped before the step ran");
  for (Queued& q : dropped) {
    if (q.step.done) q.step.done(stopped, StepTiming{q.enqueue_ns, 0, 0});
  }
}

Status Scheduler::submit(int slice, Step step) {
  if (slice < 0 || slice >= static_cast<int>(slices_.size())) {
    return invalid_argument("no slice " + std::to_string(slice) + " on this scheduler");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || stopped_) return internal_error("scheduler stopped");
    std::deque<Queued>& queue = queues_[static_cast<size_t>(slice)];
    if (queue.size() >= max_queued_steps_) {
      return resource_exhausted("slice '" + slices_[static_cast<size_t>(slice)].name +
                                "': " + std::to_string(queue.size()) + " steps queued (the limit)");
    }
    Queued q;
    q.enqueue_ns = clock_.now_ns();
    const int64_t target = slices_[static_cast<size_t>(slice)].target_ns > 0
                               ? slices_[static_cast<size_t>(slice)].target_ns
                               : kDefaultStepTargetNs;
    q.deadline_ns = step.deadline_ns != kNever ? step.deadline_ns : q.enqueue_ns + target;
    q.step = std::move(step);
    queue.push_back(std::move(q));
    accounts_[static_cast<size_t>(slice)].queue_length = queue.size();
  }
  wake_.notify_all();
  return {};
}

Result<StepTiming> Scheduler::run_step(int slice, std::function<void()> fn, int64_t deadline_ns) {
  auto promise = std::make_shared<std::promise<Result<StepTiming>>>();
  std::future<Result<StepTiming>> result = promise->get_future();
  Step step;
  step.run = std::move(fn);
  step.deadline_ns = deadline_ns;
  step.done = [promise](const Status& status, const StepTiming& timing) {
    if (status.ok()) {
      promise->set_value(timing);
    } else {
      promise->set_value(status);
    }
  };
  TESSERA_RETURN_IF_ERROR(submit(slice, std::move(step)));
  return result.get();
}

int Scheduler::slice_index(std::string_view name) const {
  for (size_t i = 0; i < slices_.size(); ++i) {
    if (slices_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<SliceAccount> Scheduler::accounts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return accounts_;
}

void Scheduler::loop() {
  std::vector<SliceView> views(slices_.size());
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    for (size_t i = 0; i < queues_.size(); ++i) {
      views[i].has_work = !queues_[i].empty();
      views[i].head_deadline_ns = queues_[i].empty() ? kNever : queues_[i].front().deadline_ns;
      views[i].head_enqueue_ns = queues_[i].empty() ? 0 : queues_[i].front().enqueue_ns;
    }
    const Pick pick = policy_->pick(views);
    if (pick.idle()) {
      if (pick.wake_ns == kNever) {
        wake_.wait(lock);
      } else {
        const int64_t wait_ns = pick.wake_ns - clock_.now_ns();
        if (wait_ns > 0) wake_.wait_for(lock, std::chrono::nanoseconds(wait_ns));
      }
      continue;
    }
    const auto slice = static_cast<size_t>(pick.slice);
    Queued q = std::move(queues_[slice].front());
    queues_[slice].pop_front();
    accounts_[slice].queue_length = queues_[slice].size();
    lock.unlock();

    StepTiming timing;
    timing.enqueue_ns = q.enqueue_ns;
    timing.start_ns = clock_.now_ns();
    if (q.step.run) q.step.run();
    timing.end_ns = clock_.now_ns();
    const int64_t duration = std::max<int64_t>(timing.end_ns - timing.start_ns, 0);
    policy_->charge(pick.slice, duration);

    lock.lock();
    SliceAccount& account = accounts_[slice];
    account.compute_ns += duration;
    account.steps += 1;
    const int64_t waited = std::max<int64_t>(timing.start_ns - timing.enqueue_ns, 0);
    account.wait_ns += waited;
    account.max_wait_ns = std::max(account.max_wait_ns, waited);
    if (q.step.done) {
      lock.unlock();
      q.step.done(Status(), timing);
      lock.lock();
    }
  }
}

}  // namespace tessera
