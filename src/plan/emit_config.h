// `tessera plan --emit-config DIR`: what realises the placement on the GPU planned for, one
// `tessera serve` repository per GPU (each server runs one device):
//   DIR/host<H>-gpu<I>/slices.yaml                 runtime/slice_config.h's format: device
//       cuda:<I> of the runtime GPU type, profile mode, scheduler (fixed-share in equal-size
//       mode, else best-effort) and one slice per model instance
//   DIR/host<H>-gpu<I>/models/<model>/model.yaml   serve/model_config.h's format: kind, file,
//       slice, context, max_batch_tokens, max_sequences; the planned weight and KV precisions
//       and tensor parallelism as comments (the server takes the precision from the file)
// A second instance of a model on the same GPU gets its slice's name as folder.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "plan/planner.h"

namespace tessera::plan {

// The slices config of one placed GPU.
std::string device_config_yaml(const PlacedGpu& gpu, const GpuSpec& spec);
// Writes the files; `written` receives their paths.
Status emit_config(const Plan& plan, const std::string& dir, std::vector<std::string>& written);

}  // namespace tessera::plan
