// The Arena of one Slice: thread-safe byte accounting against the slice's memory quota. Every byte
// a model instance in the slice uses (mapped weight pages, decoded norms, KV blocks, workspace) is
// reserved here *before* it is allocated (Backend::allocate does both); a reservation that would pass the quota fails with a ResourceExhausted
// Status naming the slice, the bytes requested, used and the quota, and nothing is allocated. The
// caller turns that into an admission decision (wait, queue, 429/503), never an OOM.
//
// The Arena counts; it does not allocate. What a model instance may hold beyond its reservations
// (allocator headers, thread stacks, host mirrors of a batch's index arrays, the logits handed
// back) is bounded by kArenaUntrackedSlackBytes, which the slice tests check against the process's resident size.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "base/byte_size.h"
#include "base/status.h"

namespace tessera {

inline constexpr uint64_t kArenaUntrackedSlackBytes = 8 * kMiB;

class Arena;

// Bytes held in an Arena until destroyed or released. Move-only.
class Reservation {
 public:
  Reservation() = default;
  Reservation(Reservation&& other) noexcept { *this = std::move(other); }
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation() { release(); }

  uint64_t bytes() const { return bytes_; }
  void release();

 private:
  friend class Arena;
  Reservation(Arena* arena, uint64_t bytes) : arena_(arena), bytes_(bytes) {}

  Arena* arena_ = nullptr;
  uint64_t bytes_ = 0;
};

class Arena {
 public:
  Arena(std::string slice_name, uint64_t quota_bytes)
      : slice_(std::move(slice_name)), quota_bytes_(quota_bytes) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  // Reservations must not outlive their Arena.
  ~Arena() = default;

  const std::string& slice_name() const { return slice_; }
  uint64_t quota_bytes() const { return quota_bytes_; }
  uint64_t used_bytes() const;
  uint64_t available_bytes() const;
  uint64_t peak_bytes() const;  // high-water mark of used_bytes

  // Raw accounting: adds `bytes` if used + bytes <= quota, else ResourceExhausted naming `what`.
  Status try_reserve(uint64_t bytes, std::string_view what);
  // Gives back bytes taken by try_reserve (never more than are used).
  void release(uint64_t bytes);

  // RAII forms. reserve_wait blocks until the bytes fit or `timeout` passes (then the same error
  // as reserve); a request larger than the whole quota fails at once.
  Result<Reservation> reserve(uint64_t bytes, std::string_view what);
  Result<Reservation> reserve_wait(uint64_t bytes, std::string_view what,
                                   std::chrono::milliseconds timeout);

 private:
  Status exhausted(uint64_t bytes, std::string_view what, uint64_t used) const;

  const std::string slice_;
  const uint64_t quota_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  uint64_t used_bytes_ = 0;
  uint64_t peak_bytes_ = 0;
};

}  // namespace tessera
