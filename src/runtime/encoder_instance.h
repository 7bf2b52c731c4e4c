// An Encoder (embed or rerank model) loaded into a Slice: its footprint — weights, the workspace
// of one step of batch_tokens tokens, runtime overhead; encoders keep no KV cache — is checked
// against the slice's Arena before the file is opened, and refused with explain_refusal's
// breakdown when it does not fit. The model then loads on the slice's backend, charging the arena
// for what it allocates; the runtime overhead is reserved beside. (SliceModel does the same for
// decoders.)
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "backend/arena.h"
#include "base/status.h"
#include "models/footprint.h"
#include "runtime/encode.h"
#include "runtime/slice.h"

namespace tessera {

class EncoderInstance {
 public:
  static Result<std::unique_ptr<EncoderInstance>> load(const std::string& path, Slice& slice,
                                                       int64_t batch_tokens,
                                                       std::span<const CapacityOption> larger = {});

  Encoder& encoder() const { return *encoder_; }
  const Footprint& footprint() const { return footprint_; }
  ModelKind kind() const { return kind_; }

 private:
  EncoderInstance() = default;

  Reservation overhead_;  // declared first: released after the model
  Footprint footprint_;
  ModelKind kind_ = ModelKind::kEmbed;
  std::unique_ptr<Encoder> encoder_;
};

}  // namespace tessera
