// A fixed set of compute threads (`--threads`). parallel_for splits a range into contiguous chunks,
// runs them on the pool and the calling thread, and returns when all are done. One pool per backend
// (CpuBackend owns it); network I/O never runs here (see docs/architecture.md, "Threading").
//
// A decode step calls parallel_for a few hundred times (every projection of every layer), each for
// tens of microseconds of work, so the hand-off itself must cost far less than a futex wake-up:
// workers spin on the job counter for a short while after each job and park on a condition
// variable only when no work came (between requests), and the caller spins for its helpers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

class ThreadPool {
 public:
  // `threads` counts the caller: 1 means no worker threads. 0 picks the number of cores.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n). Not reentrant.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker_loop(int index);
  // Waits until generation_ moves past `seen` or the pool stops; returns false when stopping.
  bool wait_for_job(uint64_t seen);

  std::vector<std::thread> workers_;
  // Written by parallel_for before generation_ is bumped (release), read by workers after they
  // see the new generation (acquire).
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_size_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};  // workers still running the current job
  std::atomic<bool> stopping_{false};
  // Parking for idle workers: sleepers_ counts workers blocked (or about to block) on work_ready_,
  // changed under mutex_, so a producer that bumps generation_ under mutex_ never misses one.
  std::mutex mutex_;
  std::condition_variable work_ready_;
  int sleepers_ = 0;
};

}  // namespace tessera
