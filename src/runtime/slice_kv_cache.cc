#include "runtime/slice_kv_cache.h"

namespace tessera {

uint64_t SliceKvCache::bytes_per_sequence() const {
  return 2 * static_cast<uint64_t>(n_layers_) * static_cast<uint64_t>(cache_.context()) *
         static_cast<uint64_t>(cache_.kv_dim()) * sizeof(float);
}

std::string SliceKvCache::what(int32_t seq) const {
  return "KV cache of sequence " + std::to_string(seq) + " (" + std::to_string(cache_.context()) +
         " tokens)";
}

size_t SliceKvCache::sequences() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reservations_.size();
}

bool SliceKvCache::admitted(int32_t seq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reservations_.count(seq) != 0;
}

int64_t SliceKvCache::allocated_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_.bytes();
}

Status SliceKvCache::admit(int32_t seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reservations_.count(seq) != 0) return {};
  TESSERA_ASSIGN_OR_RETURN(Reservation r, arena_.reserve(bytes_per_sequence(), what(seq)));
  reservations_.emplace(seq, std::move(r));
  return {};
}

Status SliceKvCache::admit_wait(int32_t seq, std::chrono::milliseconds timeout) {
  if (admitted(seq)) return {};
  // Waits without the lock, so drop() can release what it waits for.
  TESSERA_ASSIGN_OR_RETURN(Reservation r,
                           arena_.reserve_wait(bytes_per_sequence(), what(seq), timeout));
  std::lock_guard<std::mutex> lock(mutex_);
  reservations_.emplace(seq, std::move(r));  // a racing admit of the same seq keeps its own
  return {};
}

void SliceKvCache::drop(int32_t seq) {
  Reservation released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.drop(seq);  // the memory goes first ...
    auto it = reservations_.find(seq);
    if (it == reservations_.end()) return;
    released = std::move(it->second);
    reservations_.erase(it);
  }
  released.release();  // ... then the bytes go back to the arena, waking waiters
}

Status SliceKvCache::check(std::span<const BatchToken> batch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const BatchToken& t : batch) {
    if (reservations_.count(t.seq) == 0) {
      return internal_error("sequence " + std::to_string(t.seq) +
                            " was not admitted to the slice's KV cache (call admit first)");
    }
    if (t.pos < 0 || t.pos >= cache_.context()) {
      return invalid_argument("position " + std::to_string(t.pos) + " of sequence " +
                              std::to_string(t.seq) + " is outside the slice's context of " +
                              std::to_string(cache_.context()) + " tokens");
    }
  }
  return {};
}

}  // namespace tessera
