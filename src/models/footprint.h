// Footprint: the bytes a model instance needs, broken down, as one pure function of the model's
// shape and how it is run. The server's admission (runtime/slice_model.h) and the planner both call
// it, so a plan that says "fits" is what the runtime will admit.
//
// - weights: every tensor at its storage precision (mapped pages count fully)
// - KV cache: 2 (K and V) · layers · kv_dim · bytes per element, per token, for context (rounded
//   up to whole 16-token blocks) × sequences
// - activations: the workspace of one forward pass over `batch_tokens` tokens, exactly as the
//   model allocates it (src/models/forward_workspace.h)
// - overhead: the file's metadata pages (tokenizer, keys), F32 copies of norms, biases and
//   encoder embedding tables, and a runtime constant (request.runtime_overhead_bytes)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_size.h"
#include "base/status.h"
#include "gguf/file.h"
#include "models/architecture.h"
#include "tensor/dtype.h"

namespace tessera {

// Tokenizer tables, sampler and engine state, allocator slack of one CPU model instance.
inline constexpr uint64_t kCpuRuntimeOverheadBytes = 16 * kMiB;
// CUDA context, cuBLAS workspace and allocator pools: an estimate until the CUDA backend measures
// it; planners should let users override it.
inline constexpr uint64_t kCudaRuntimeOverheadBytes = 512 * kMiB;

enum class ModelKind { kGenerate, kEmbed, kRerank };
const char* model_kind_name(ModelKind kind);

struct TensorShape {
  std::string name;
  std::vector<int64_t> dims;  // dims[0] innermost, as in GGUF
  DType stored = DType::kF32;

  int64_t elements() const;
};

struct ModelShape {
  std::string name;  // for messages: the file or a catalog name
  std::string arch;
  ModelKind kind = ModelKind::kGenerate;
  int64_t layers = 0;
  int64_t dim = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t ffn = 0;
  int64_t vocab = 0;
  int64_t max_context = 0;
  std::vector<TensorShape> tensors;  // the parameters, by tensor
  uint64_t metadata_bytes = 0;       // the file's bytes that are not tensor data

  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  uint64_t params() const;
};

// The shape of a GGUF model (any architecture of models/architecture.h) from its header alone;
// tensor data is not read.
Result<ModelShape> model_shape_from_gguf(const gguf::File& file);

// A decoder of `arch` from its dimensions (the planner, tests): the architecture's tensor layout
// with F16 matrices, F32 norms and biases, an output matrix unless tied.
ModelShape decoder_model_shape(std::string name, const Architecture& arch, const DecoderShape& dims,
                               int64_t context, bool tied_output);

// A llama-layout decoder from its dimensions (the planner's catalog, tests); head_dim = dim /
// heads.
ModelShape llama_model_shape(std::string name, int64_t layers, int64_t dim, int64_t heads,
                             int64_t kv_heads, int64_t ffn, int64_t vocab, int64_t context,
                             bool tied_output = false);

// A storage format for weights or the KV cache: a DType's block geometry, or fp8 (1 byte).
struct NumberFormat {
  std::string name = "f32";
  int64_t block_elements = 1;
  int64_t block_bytes = 4;
  std::optional<DType> dtype;  // none for fp8

  uint64_t bytes(int64_t elements) const;
};
// f32 f16 bf16 q8_0 q6_k q4_k q4_0 fp8 (case-insensitive).
Result<NumberFormat> number_format(std::string_view name);
NumberFormat number_format_of(DType type);

struct FootprintRequest {
  std::optional<NumberFormat> weights;  // none: as stored in the file
  NumberFormat kv;                      // default f32: what the CPU runtime's KvCache stores
  int64_t context = 0;                  // tokens per sequence; 0: the model's maximum
  int64_t sequences = 1;                // sequences resident at once
  int64_t batch_tokens = 512;           // tokens of one forward pass
  int threads = 1;                      // compute threads (per-thread attention scratch)
  uint64_t runtime_overhead_bytes = kCpuRuntimeOverheadBytes;
};

struct Footprint {
  uint64_t weights_bytes = 0;
  uint64_t kv_cache_bytes = 0;
  uint64_t activation_bytes = 0;
  uint64_t overhead_bytes = 0;
  uint64_t decoded_weights_bytes = 0;  // part of overhead: F32 copies of norms, biases, tables
  uint64_t kv_bytes_per_token = 0;     // one token of one sequence, all layers, K and V
  int64_t context = 0;
  int64_t sequences = 0;
  int64_t batch_tokens = 0;
  std::string weights_format;  // "f16", or "q4_k, as stored" / "mixed types, as stored"
  std::string kv_format;

  uint64_t total_bytes() const {
    return weights_bytes + kv_cache_bytes + activation_bytes + overhead_bytes;
  }
  // "weights 14.96 GiB (f16) + KV cache 512.00 MiB (f16, 4096 tokens × 1 sequence × 128.00 KiB)
  //  + activations 1.23 GiB (batch 512) + overhead 16.00 MiB = 16.70 GiB"
  std::string breakdown() const;
};

Footprint compute_footprint(const ModelShape& shape, const FootprintRequest& request);

// A capacity the refusal may suggest instead (a larger vGPU profile, a bigger slice).
struct CapacityOption {
  std::string name;
  uint64_t bytes = 0;
};

// Why a model does not fit `available_bytes` of slice `slice`, and what would: required vs
// available, the breakdown, then each of a smaller context, fewer sequences, a smaller batch, a
// lower KV precision, a lower weight precision, and the smallest of `larger` that holds it, where
// that change alone fits. Every suggestion is checked with compute_footprint.
std::string explain_refusal(const ModelShape& shape, const FootprintRequest& request,
                            std::string_view slice, uint64_t available_bytes,
                            std::span<const CapacityOption> larger = {});

}  // namespace tessera
