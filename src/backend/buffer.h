// Memory of one Backend: what a model instance allocates (workspace, KV blocks, uploaded or decoded
// weights) or borrows (the CPU's mapped weights), with the slice Arena's reservation that pays
// for it. Move-only; the owning backend frees the memory when the Buffer goes.
#pragma once

#include <cstdint>
#include <string_view>

#include "backend/arena.h"

namespace tessera {

// What memory is for: the footprint's parts, so a test can hold allocations against them.
enum class MemoryUse { kWeights, kDecodedWeights, kWorkspace, kKvCache };
inline constexpr int kMemoryUses = 4;
const char* memory_use_name(MemoryUse use);

class Backend;

class Buffer {
 public:
  Buffer() = default;
  // Memory `owner` allocated and frees in Backend::free().
  Buffer(Backend* owner, void* data, uint64_t bytes, MemoryUse use, Reservation reservation)
      : owner_(owner),
        data_(data),
        bytes_(bytes),
        use_(use),
        reservation_(std::move(reservation)) {}
  // Memory someone else owns (a file's mapping), paid for by `reservation` while held.
  static Buffer borrowed(const void* data, uint64_t bytes, MemoryUse use, Reservation reservation) {
    return Buffer(nullptr, const_cast<void*>(data), bytes, use, std::move(reservation));
  }
  Buffer(Buffer&& other) noexcept { *this = std::move(other); }
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { reset(); }

  void* data() const { return data_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  uint64_t bytes() const { return bytes_; }
  MemoryUse use() const { return use_; }
  void reset();

 private:
  Backend* owner_ = nullptr;
  void* data_ = nullptr;
  uint64_t bytes_ = 0;
  MemoryUse use_ = MemoryUse::kWorkspace;
  Reservation reservation_;
};

}  // namespace tessera
