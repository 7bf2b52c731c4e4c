#include "backend/backend.h"

namespace tessera {

Result<Buffer> Backend::allocate(Arena* arena, uint64_t bytes, MemoryUse use,
                                 std::string_view what) {
  Reservation reservation;
  if (arena != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(reservation, arena->reserve(bytes, what));
  }
  void* data = allocate_raw(bytes == 0 ? 1 : bytes, use);
  if (data == nullptr) {
    return resource_exhausted(name() + " could not allocate " + std::to_string(bytes) +
                              " bytes for " + std::string(what));
  }
  return Buffer(this, data, bytes == 0 ? 1 : bytes, use, std::move(reservation));
}

}  // namespace tessera
