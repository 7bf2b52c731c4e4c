// A decoder model instance loaded into a Slice. Loading computes the Footprint from the GGUF header
// alone and refuses, with explain_refusal's breakdown and suggestions, when it does not fit what
// the slice's Arena has left; otherwise the model loads on the slice's backend, charging the mapped
// weights (all tensor data), their decoded norms and biases and the workspace of one batch as it
// allocates them, the runtime overhead is reserved beside, and the KV cache then grows one
// reserved sequence at a time (SliceKvCache) in a block pool on the same backend.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "models/footprint.h"
#include "models/llama_model.h"
#include "runtime/slice.h"
#include "runtime/slice_kv_cache.h"

namespace tessera {

struct SliceModelOptions {
  int64_t context = 0;        // tokens per sequence; 0: the model's
  int64_t sequences = 1;      // sequences the footprint must hold at once
  int64_t batch_tokens = 64;  // tokens per forward pass (sizes the scratch)
  uint64_t runtime_overhead_bytes = kCpuRuntimeOverheadBytes;
};

class SliceModel {
 public:
  // ResourceExhausted with the explanation when the footprint does not fit; `larger` lists
  // capacities the explanation may suggest (the device's larger profiles).
  static Result<std::unique_ptr<SliceModel>> load(const std::string& path, Slice& slice,
                                                  const SliceModelOptions& options,
                                                  std::span<const CapacityOption> larger = {});

  const Footprint& footprint() const { return footprint_; }
  const LlamaModel& model() const { return *model_; }
  LlamaModel& model() { return *model_; }
  Backend& backend() const { return model_->backend(); }
  SliceKvCache& kv() { return *kv_; }
  int64_t batch_tokens() const { return model_->max_batch_tokens(); }

  // LlamaModel::forward, after checking the batch against the slice's KV reservations: admitted
  // sequences, positions inside what each reserved (the model refuses more than batch_tokens()
  // tokens). Runs on the slice's backend; call it from the step the slice's runner runs.
  Status forward(std::span<const BatchToken> batch, std::vector<float>& logits);

 private:
  SliceModel() = default;

  // Declared first so it is released after the instance is gone.
  Reservation overhead_;
  Footprint footprint_;
  std::unique_ptr<LlamaModel> model_;
  std::unique_ptr<SliceKvCache> kv_;
};

}  // namespace tessera
