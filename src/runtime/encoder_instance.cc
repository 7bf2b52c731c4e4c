#include "runtime/encoder_instance.h"

namespace tessera {

Result<std::unique_ptr<EncoderInstance>> EncoderInstance::load(
    const std::string& path, Slice& slice, int64_t batch_tokens, int threads,
    std::span<const CapacityOption> larger) {
  ModelShape shape;
  {
    // The header alone: nothing of the tensor data is touched before the arena agrees.
    TESSERA_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
    TESSERA_ASSIGN_OR_RETURN(shape, model_shape_from_gguf(file));
  }
  if (shape.kind == ModelKind::kGenerate) {
    return invalid_argument(path + ": is a decoder (" + shape.arch +
                            "); encoder instances run embed and rerank models");
  }
  if (batch_tokens < 1) return invalid_argument("batch tokens must be at least 1");
  FootprintRequest request;
  request.sequences = 0;
  request.batch_tokens = batch_tokens;
  request.threads = threads;
  const Footprint footprint = compute_footprint(shape, request);
  Arena& arena = slice.arena();
  const uint64_t available = arena.available_bytes();
  if (footprint.total_bytes() > available) {
    return resource_exhausted(explain_refusal(shape, request, slice.name(), available, larger));
  }
  std::unique_ptr<EncoderInstance> instance(new EncoderInstance());
  instance->footprint_ = footprint;
  instance->kind_ = shape.kind;
  TESSERA_ASSIGN_OR_RETURN(instance->memory_,
                           arena.reserve(footprint.total_bytes(), "encoder " + path));
  TESSERA_ASSIGN_OR_RETURN(instance->encoder_, Encoder::load(path));
  return instance;
}

}  // namespace tessera
