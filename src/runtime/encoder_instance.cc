#include "runtime/encoder_instance.h"

#include "runtime/slice_admission.h"

namespace tessera {

Result<std::unique_ptr<EncoderInstance>> EncoderInstance::load(
    const std::string& path, Slice& slice, int64_t batch_tokens,
    std::span<const CapacityOption> larger) {
  // The header alone: nothing of the tensor data is touched before the arena agrees.
  TESSERA_ASSIGN_OR_RETURN(const ModelShape shape, read_model_shape(path));
  if (shape.kind == ModelKind::kGenerate) {
    return invalid_argument(path + ": is a decoder (" + shape.arch +
                            "); encoder instances run embed and rerank models");
  }
  if (batch_tokens < 1) return invalid_argument("batch tokens must be at least 1");
  FootprintRequest request;
  request.sequences = 0;
  request.batch_tokens = batch_tokens;
  request.threads = slice.backend().lanes();  // per-lane attention tiles
  TESSERA_ASSIGN_OR_RETURN(const Footprint footprint, fit_in_slice(shape, request, slice, larger));
  std::unique_ptr<EncoderInstance> instance(new EncoderInstance());
  instance->footprint_ = footprint;
  instance->kind_ = shape.kind;
  TESSERA_ASSIGN_OR_RETURN(
      instance->overhead_,
      slice.arena().reserve(footprint.overhead_bytes - footprint.decoded_weights_bytes,
                            "runtime overhead of " + path));
  TESSERA_ASSIGN_OR_RETURN(instance->encoder_,
                           Encoder::load(path, slice.backend(), slice.arena(), batch_tokens));
  return instance;
}

}  // namespace tessera
