// The KV cache of one model instance in a Slice: a KvCache whose growth is charged to the slice's
// Arena first. A new sequence reserves its whole K/V (2 · layers · context · kv_dim floats) before
// a byte of it is allocated; when the quota is reached, admit() fails with ResourceExhausted (the
// engine rejects or queues the request) and admit_wait() waits for a drop(). The cache can never
// hold more than the arena granted it. admit, admit_wait, drop and the queries are thread-safe;
// forward passes over cache() must not overlap a drop() of a sequence they use (the engine's job).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_map>

#include "base/status.h"
#include "models/kv_cache.h"
#include "models/llama_model.h"
#include "runtime/arena.h"

namespace tessera {

class SliceKvCache {
 public:
  // `arena` must outlive the cache.
  SliceKvCache(Arena& arena, int64_t n_layers, int64_t context, int64_t kv_dim)
      : arena_(arena), cache_(n_layers, context, kv_dim), n_layers_(n_layers) {}

  int64_t context() const { return cache_.context(); }
  uint64_t bytes_per_sequence() const;
  size_t sequences() const;
  bool admitted(int32_t seq) const;

  // Reserves sequence `seq` (a no-op if already admitted).
  Status admit(int32_t seq);
  Status admit_wait(int32_t seq, std::chrono::milliseconds timeout);
  // Frees the sequence's K/V, then returns its bytes to the arena.
  void drop(int32_t seq);

  // Every token's sequence admitted, every position inside this cache's context.
  Status check(std::span<const BatchToken> batch) const;
  // For LlamaModel::forward after check() passed.
  KvCache& cache() { return cache_; }
  int64_t allocated_bytes() const;

 private:
  std::string what(int32_t seq) const;

  Arena& arena_;
  KvCache cache_;
  int64_t n_layers_;
  mutable std::mutex mutex_;  // guards reservations_ and the cache's sequence map in drop()
  std::unordered_map<int32_t, Reservation> reservations_;
};

}  // namespace tessera
