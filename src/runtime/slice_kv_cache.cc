#include "runtime/slice_kv_cache.h"

#include <algorithm>

namespace tessera {

uint64_t SliceKvCache::bytes_for_tokens(int64_t tokens) const {
  return cache_.bytes_for_tokens(tokens);
}

std::string SliceKvCache::what(int32_t seq, int64_t tokens) const {
  return "KV cache of sequence " + std::to_string(seq) + " (" +
         std::to_string(cache_.positions_for_tokens(tokens)) + " of " +
         std::to_string(cache_.context()) + " tokens)";
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

Status SliceKvCache::admit(int32_t seq, int64_t tokens) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reservations_.count(seq) != 0) return {};
  TESSERA_ASSIGN_OR_RETURN(Reservation r,
                           arena_.reserve(bytes_for_tokens(tokens), what(seq, tokens)));
  reservations_.emplace(
      seq, Admitted{std::move(r), std::min(cache_.positions_for_tokens(tokens), cache_.context())});
  return {};
}

Status SliceKvCache::admit_wait(int32_t seq, std::chrono::milliseconds timeout, int64_t tokens) {
  if (admitted(seq)) return {};
  // Waits without the lock, so drop() can release what it waits for.
  TESSERA_ASSIGN_OR_RETURN(
      Reservation r, arena_.reserve_wait(bytes_for_tokens(tokens), what(seq, tokens), timeout));
  std::lock_guard<std::mutex> lock(mutex_);
  // A racing admit of the same seq keeps its own.
  reservations_.emplace(
      seq, Admitted{std::move(r), std::min(cache_.positions_for_tokens(tokens), cache_.context())});
  return {};
}

void SliceKvCache::drop(int32_t seq) {
  Reservation released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.drop(seq);  // the memory goes first ...
    auto it = reservations_.find(seq);
    if (it == reservations_.end()) return;
    released = std::move(it->second.reservation);
    reservations_.erase(it);
  }
  released.release();  // ... then the bytes go back to the arena, waking waiters
}

Status SliceKvCache::check(std::span<const BatchToken> batch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const BatchToken& t : batch) {
    auto it = reservations_.find(t.seq);
    if (it == reservations_.end()) {
      return internal_error("sequence " + std::to_string(t.seq) +
                            " was not admitted to the slice's KV cache (call admit first)");
    }
    if (t.pos < 0 || t.pos >= it->second.positions) {
      return invalid_argument("position " + std::to_string(t.pos) + " of sequence " +
                              std::to_string(t.seq) + " is outside the " +
                              std::to_string(it->second.positions) +
                              " positions its KV cache reservation covers (context " +
                              std::to_string(cache_.context()) + ")");
    }
  }
  return {};
}

}  // namespace tessera
