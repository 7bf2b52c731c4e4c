// Time as the scheduler sees it: nanoseconds from an arbitrary origin, read through an interface so
// the same policy code runs on the real steady clock (the server) and on a manual clock (unit tests
// and the simulator advance it by synthetic step durations).
#pragma once

#include <atomic>
#include <cstdint>

namespace tessera {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ns() const = 0;
};

// std::chrono::steady_clock.
class SteadyClock final : public Clock {
 public:
  int64_t now_ns() const override;
};

// Moves only when told to. Thread-safe reads; one writer at a time.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ns = 0) : now_ns_(start_ns) {}
  int64_t now_ns() const override { return now_ns_.load(std::memory_order_acquire); }
  void advance(int64_t delta_ns) { now_ns_.fetch_add(delta_ns, std::memory_order_acq_rel); }
  void set(int64_t now_ns) { now_ns_.store(now_ns, std::memory_order_release); }

 private:
  std::atomic<int64_t> now_ns_;
};

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kNsPerSecond = 1'000'000'000;

}  // namespace tessera
