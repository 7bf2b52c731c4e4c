#include "base/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace tessera {
namespace {

// How long an idle worker polls for the next job before it parks: long enough to span the gap
// between two projections of a forward pass (the caller's own share plus the norm/rope/attention
// glue, tens of microseconds), short enough that an idle server does not burn cores.
constexpr auto kSpinBeforePark = std::chrono::microseconds(300);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Chunk `index` of `parts` over [0, n): contiguous, sizes differ by at most one.
std::pair<int64_t, int64_t> chunk(int64_t n, int parts, int index) {
  const int64_t base = n / parts, extra = n % parts;
  const int64_t begin = index * base + std::min<int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  work_ready_.notify_all();
  for (auto& t : workers_) t.join();
}

bool ThreadPool::wait_for_job(uint64_t seen) {
  const auto spin_until = std::chrono::steady_clock::now() + kSpinBeforePark;
  for (int i = 0;; ++i) {
    if (stopping_.load(std::memory_order_acquire)) return false;
    if (generation_.load(std::memory_order_acquire) != seen) return true;
    cpu_relax();
    if ((i & 63) == 63) {
      // Reading the clock costs ~20 ns; once every 64 polls keeps it out of the wake-up latency.
      if (std::chrono::steady_clock::now() > spin_until) break;
      // With more runnable threads than cores (a busy machine, or --threads above the core
      // count) the thread that holds the work may be waiting for this core.
      std::this_thread::yield();
    }
  }
  std::unique_lock<std::mutex> lock(mutex_);
  ++sleepers_;
  work_ready_.wait(lock, [&] {
    return stopping_.load(std::memory_order_acquire) ||
           generation_.load(std::memory_order_acquire) != seen;
  });
  --sleepers_;
  return !stopping_.load(std::memory_order_acquire);
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  while (wait_for_job(seen)) {
    seen = generation_.load(std::memory_order_acquire);
    const auto [begin, end] = chunk(job_size_, size(), index);
    if (begin < end) (*job_)(begin, end);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (workers_.empty() || n == 1) {
    fn(0, n);
    return;
  }
  job_ = &fn;
  job_size_ = n;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    wake = sleepers_ > 0;
  }
  if (wake) work_ready_.notify_all();
  const auto [begin, end] = chunk(n, size(), 0);
  if (begin < end) fn(begin, end);
  // The helpers' chunks are as long as ours; on a loaded machine one may have lost its core, so
  // after a short spin give the core away instead of burning it.
  for (int i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
    if (i < 4096) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  job_ = nullptr;
}

}  // namespace tessera
