// The KV cache of one model instance in a Slice: a paged KvCache whose blocks are paid for by the
// slice's Arena. Admission reserves the blocks a sequence can reach — its prompt plus the tokens
// it may generate, rounded up to whole blocks, at most the context — before a byte of them is
// allocated; blocks are then allocated as positions are reached and freed by drop(). Reserving a
// sequence's worst case up front means a running sequence never needs a block the arena refuses,
// so nothing has to be preempted mid-generation, while a short request holds a short request's
// memory rather than a whole context's. When the quota is reached, admit() fails with
// ResourceExhausted (the engine queues the request) and admit_wait() waits for a drop(). The
// cache never holds more than the arena granted it. admit, admit_wait, drop and the queries are
// thread-safe; forward passes over cache() must not overlap a drop() of a sequence they use (the
// engine's job).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_map>

#include "backend/arena.h"
#include "base/status.h"
#include "models/kv_cache.h"
#include "models/llama_model.h"

namespace tessera {

class SliceKvCache {
 public:
  // `arena` must outlive the cache.
  SliceKvCache(Arena& arena, KvCache cache) : arena_(arena), cache_(std::move(cache)) {}

  int64_t context() const { return cache_.context(); }
  // What a sequence that may reach `tokens` positions reserves (0: the whole context).
  uint64_t bytes_for_tokens(int64_t tokens) const;
  uint64_t bytes_per_sequence() const { return bytes_for_tokens(0); }
  size_t sequences() const;
  bool admitted(int32_t seq) const;

  // Reserves sequence `seq` for positions 0..tokens-1 (0: the whole context); a no-op if already
  // admitted.
  Status admit(int32_t seq, int64_t tokens = 0);
  Status admit_wait(int32_t seq, std::chrono::milliseconds timeout, int64_t tokens = 0);
  // Frees the sequence's K/V, then returns its bytes to the arena.
  void drop(int32_t seq);

  // Every token's sequence admitted, every position inside this cache's context.
  Status check(std::span<const BatchToken> batch) const;
  // For LlamaModel::forward after check() passed.
  KvCache& cache() { return cache_; }
  int64_t allocated_bytes() const;

 private:
  std::string what(int32_t seq, int64_t tokens) const;

  struct Admitted {
    Reservation reservation;
    int64_t positions = 0;  // positions 0..positions-1 may be written
  };

  Arena& arena_;
  KvCache cache_;
  mutable std::mutex mutex_;  // guards reservations_ and the cache's sequence map in drop()
  std::unordered_map<int32_t, Admitted> reservations_;
};

}  // namespace tessera
