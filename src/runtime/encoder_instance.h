// An Encoder (embed or rerank model) loaded into a Slice: its whole footprint — weights, the
// activations of one step of batch_tokens tokens, runtime overhead; encoders keep no KV cache — is
// reserved in the slice's Arena before the file is opened, and refused with explain_refusal's
// breakdown when it does not fit. (SliceModel does the same for decoders.)
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "models/footprint.h"
#include "runtime/arena.h"
#include "runtime/encode.h"
#include "runtime/slice.h"

namespace tessera {

class EncoderInstance {
 public:
  static Result<std::unique_ptr<EncoderInstance>> load(const std::string& path, Slice& slice,
                                                       int64_t batch_tokens, int threads,
                                                       std::span<const CapacityOption> larger = {});

  const Encoder& encoder() const { return *encoder_; }
  const Footprint& footprint() const { return footprint_; }
  ModelKind kind() const { return kind_; }

 private:
  EncoderInstance() = default;

  Reservation memory_;  // declared first: released after the model it stands for
  Footprint footprint_;
  ModelKind kind_ = ModelKind::kEmbed;
  std::unique_ptr<Encoder> encoder_;
};

}  // namespace tessera
