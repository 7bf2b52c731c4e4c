#include "backend/arena.h"

#include <algorithm>

namespace tessera {

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    arena_ = other.arena_;
    bytes_ = other.bytes_;
    other.arena_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

void Reservation::release() {
  if (arena_ != nullptr && bytes_ > 0) arena_->release(bytes_);
  arena_ = nullptr;
  bytes_ = 0;
}

uint64_t Arena::used_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return used_bytes_;
}

uint64_t Arena::available_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return quota_bytes_ - used_bytes_;
}

uint64_t Arena::peak_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_bytes_;
}

Status Arena::exhausted(uint64_t bytes, std::string_view what, uint64_t used) const {
  return resource_exhausted("slice '" + slice_ + "': " + std::string(what) + " needs " +
                            format_bytes(bytes) + " but " + format_bytes(used) + " of the " +
                            format_bytes(quota_bytes_) + " quota are used (" +
                            format_bytes(quota_bytes_ - used) + " available)");
}

Status Arena::try_reserve(uint64_t bytes, std::string_view what) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (bytes > quota_bytes_ - used_bytes_) return exhausted(bytes, what, used_bytes_);
  used_bytes_ += bytes;
  peak_bytes_ = std::max(peak_bytes_, used_bytes_);
  return {};
}

void Arena::release(uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    used_bytes_ -= std::min(bytes, used_bytes_);
  }
  released_.notify_all();
}

Result<Reservation> Arena::reserve(uint64_t bytes, std::string_view what) {
  TESSERA_RETURN_IF_ERROR(try_reserve(bytes, what));
  return Reservation(this, bytes);
}

Result<Reservation> Arena::reserve_wait(uint64_t bytes, std::string_view what,
                                        std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (bytes > quota_bytes_) return exhausted(bytes, what, used_bytes_);
  const bool fits =
      released_.wait_for(lock, timeout, [&] { return bytes <= quota_bytes_ - used_bytes_; });
  if (!fits) return exhausted(bytes, what, used_bytes_);
  used_bytes_ += bytes;
  peak_bytes_ = std::max(peak_bytes_, used_bytes_);
  return Reservation(this, bytes);
}

}  // namespace tessera
