// What every slice-resident model does before its tensor data is touched: read the model's shape
// from the GGUF header, size the request with the planner's footprint model, and refuse with an
// explanation of what would fit when the slice's arena cannot hold it. One place, so that decoders
// and encoders are admitted by the same rule the planner promises.
#pragma once

#include <span>
#include <string>

#include "base/status.h"
#include "models/footprint.h"
#include "runtime/slice.h"

namespace tessera {

// The shape from the header of the GGUF at `path` (the file is closed again before returning).
Result<ModelShape> read_model_shape(const std::string& path);

// The footprint of `request`, or ResourceExhausted explaining the refusal (explain_refusal) when it
// exceeds what `slice`'s arena has left. Reserves nothing.
Result<Footprint> fit_in_slice(const ModelShape& shape, const FootprintRequest& request,
                               const Slice& slice, std::span<const CapacityOption> larger);

}  // namespace tessera
