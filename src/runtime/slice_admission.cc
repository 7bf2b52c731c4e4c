#include "runtime/slice_admission.h"

#include "gguf/file.h"

namespace tessera {

Result<ModelShape> read_model_shape(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
  return model_shape_from_gguf(file);
}

Result<Footprint> fit_in_slice(const ModelShape& shape, const FootprintRequest& request,
                               const Slice& slice, std::span<const CapacityOption> larger) {
  const Footprint footprint = compute_footprint(shape, request);
  const uint64_t available = slice.arena().available_bytes();
  if (footprint.total_bytes() > available) {
    return resource_exhausted(explain_refusal(shape, request, slice.name(), available, larger));
  }
  return footprint;
}

}  // namespace tessera
