#include "runtime/slice_model.h"

#include "runtime/slice_admission.h"

#include <algorithm>
#include <climits>

namespace tessera {

Result<std::unique_ptr<SliceModel>> SliceModel::load(const std::string& path, Slice& slice,
                                                     const SliceModelOptions& options,
                                                     std::span<const CapacityOption> larger) {
  // The header alone: nothing of the tensor data is touched before the arena agrees.
  TESSERA_ASSIGN_OR_RETURN(const ModelShape shape, read_model_shape(path));
  if (shape.kind != ModelKind::kGenerate) {
    return unimplemented(path + ": slice model instances run decoders; " +
                         model_kind_name(shape.kind) + " models are not wired in yet");
  }
  if (options.context < 0 || options.context > shape.max_context || options.sequences < 1 ||
      options.batch_tokens < 1) {
    return invalid_argument(path + ": context must be 0.." + std::to_string(shape.max_context) +
                            ", sequences and batch tokens at least 1");
  }
  FootprintRequest request;
  request.context = options.context;
  request.sequences = options.sequences;
  request.batch_tokens = options.batch_tokens;
  request.threads = slice.backend().lanes();  // per-lane attention scratch
  request.runtime_overhead_bytes = options.runtime_overhead_bytes;
  request.kv = *number_format("f32");  // what KvCache stores
  TESSERA_ASSIGN_OR_RETURN(const Footprint footprint, fit_in_slice(shape, request, slice, larger));
  Arena& arena = slice.arena();
  std::unique_ptr<SliceModel> m(new SliceModel());
  m->footprint_ = footprint;
  // The decoded norms and biases are part of the footprint's overhead; the model charges them.
  TESSERA_ASSIGN_OR_RETURN(m->overhead_,
                           arena.reserve(footprint.overhead_bytes - footprint.decoded_weights_bytes,
                                         "runtime overhead of " + path));
  TESSERA_ASSIGN_OR_RETURN(m->model_,
                           LlamaModel::load(path, slice.backend(), arena,
                                            DecoderLimits{.max_batch_tokens = options.batch_tokens,
                                                          .context = footprint.context}));
  const LlamaConfig& c = m->model_->config();
  // Room for every block the slice's quota (at most the device's memory) could pay for; the
  // pool's memory costs only what the admitted sequences write, and each admission reserves its
  // blocks in the arena first.
  const KvLayout layout{c.n_layers, c.kv_dim()};
  const uint64_t payable = std::min(arena.quota_bytes(), slice.backend().memory_capacity_bytes());
  const int64_t capacity = std::clamp<int64_t>(static_cast<int64_t>(payable / layout.block_bytes()),
                                               1, INT32_MAX / kKvBlockTokens);
  TESSERA_ASSIGN_OR_RETURN(KvCache cache, KvCache::create(slice.backend(), c.n_layers,
                                                          footprint.context, c.kv_dim(), capacity));
  m->kv_ = std::make_unique<SliceKvCache>(arena, std::move(cache));
  return m;
}

Status SliceModel::forward(std::span<const BatchToken> batch, std::vector<float>& logits) {
  TESSERA_RETURN_IF_ERROR(kv_->check(batch));
  return model_->forward(batch, kv_->cache(), logits);
}

}  // namespace tessera
