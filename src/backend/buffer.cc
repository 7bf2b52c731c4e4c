#include "backend/buffer.h"

#include "backend/backend.h"

namespace tessera {

const char* memory_use_name(MemoryUse use) {
  switch (use) {
    case MemoryUse::kWeights:
      return "weights";
    case MemoryUse::kDecodedWeights:
      return "decoded weights";
    case MemoryUse::kWorkspace:
      return "workspace";
    case MemoryUse::kKvCache:
      return "KV cache";
  }
  return "?";
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this == &other) return *this;
  reset();
  owner_ = other.owner_;
  data_ = other.data_;
  bytes_ = other.bytes_;
  use_ = other.use_;
  reservation_ = std::move(other.reservation_);
  other.owner_ = nullptr;
  other.data_ = nullptr;
  other.bytes_ = 0;
  return *this;
}

void Buffer::reset() {
  if (owner_ != nullptr && data_ != nullptr) owner_->free(data_, bytes_, use_);
  owner_ = nullptr;
  data_ = nullptr;
  bytes_ = 0;
  reservation_.release();  // after the memory is gone, as the Arena's contract asks
}

}  // namespace tessera
