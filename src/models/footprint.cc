#include "models/footprint.h"

#include <algorithm>
#include <cctype>

#include "backend/kv_layout.h"
#include "models/bert_config.h"
#include "models/forward_workspace.h"
#include "models/llama_config.h"
#include "models/weight_policy.h"

namespace tessera {
namespace {

constexpr uint64_t kF32Bytes = 4;

uint64_t u(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string plural(int64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

uint64_t tensor_bytes(const TensorShape& t, const std::optional<NumberFormat>& weights) {
  const int64_t n = t.elements();
  if (!weights || !is_weight_matrix(t.name, t.dims)) return u(dtype_bytes(t.stored, n));
  if (!weights->dtype) return weights->bytes(n);  // fp8: no blocks
  const int64_t row = t.dims.empty() ? n : t.dims[0];
  return u(dtype_bytes(storage_type_for_row(*weights->dtype, row), n));
}

std::string stored_format(const ModelShape& shape) {
  std::optional<DType> common;
  for (const TensorShape& t : shape.tensors) {
    if (!is_weight_matrix(t.name, t.dims)) continue;
    if (common && *common != t.stored) return "mixed types, as stored";
    common = t.stored;
  }
  return std::string(common ? dtype_name(*common) : "f32") + ", as stored";
}

// Scores per pair of a reranker: the rows of its classifier output.
int64_t rerank_outputs(const ModelShape& s) {
  for (const TensorShape& t : s.tensors) {
    if (t.name == "cls.output.weight") return t.dims.size() > 1 ? t.dims[1] : 1;
  }
  return 0;
}

// The workspace the model instance allocates at load (forward_workspace.h), to the byte.
uint64_t activation_bytes(const ModelShape& s, const FootprintRequest& r, int64_t context) {
  ForwardDims d;
  d.dim = s.dim;
  d.q_dim = s.n_heads * s.head_dim;
  d.kv_dim = s.kv_dim();
  d.head_dim = s.head_dim;
  d.ffn = s.ffn;
  d.context = context;
  const int lanes = std::max(1, r.threads);
  if (s.kind == ModelKind::kGenerate) {
    d.vocab = s.vocab;
    return decoder_workspace(d, r.batch_tokens, lanes).layout.bytes();
  }
  d.outputs = s.kind == ModelKind::kRerank ? rerank_outputs(s) : 0;
  const Architecture* arch = find_architecture(s.arch);
  d.gated_ffn = arch != nullptr && arch->encoder.gated_ffn;
  return encoder_workspace(d, std::max(r.batch_tokens, context), lanes).layout.bytes();
}

// Tensors a loader decodes to F32 beside the mapping: norms and biases (1-D), and the encoders'
// position and token-type tables. RoPE's frequency divisors stay host-side tables (read when the
// rotation is built), so the backend holds none of them.
bool decoded_to_f32(const TensorShape& t) {
  if (t.name.rfind("rope_freqs.", 0) == 0 || t.name.rfind("rope_factors_", 0) == 0) return false;
  return t.dims.size() == 1 || t.name == "position_embd.weight" || t.name == "token_types.weight";
}

void copy_dimensions(const DecoderShape& d, int64_t context, ModelShape& shape) {
  shape.layers = d.layers;
  shape.dim = d.dim;
  shape.n_heads = d.n_heads;
  shape.n_kv_heads = d.n_kv_heads;
  shape.head_dim = d.head_dim;
  shape.ffn = d.ffn;
  shape.vocab = d.vocab;
  shape.max_context = context;
}

}  // namespace

const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::kGenerate:
      return "generate";
    case ModelKind::kEmbed:
      return "embed";
    case ModelKind::kRerank:
      return "rerank";
  }
  return "generate";
}

int64_t TensorShape::elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

uint64_t ModelShape::params() const {
  uint64_t n = 0;
  for (const TensorShape& t : tensors) n += u(t.elements());
  return n;
}

Result<ModelShape> model_shape_from_gguf(const gguf::File& file) {
  ModelShape shape;
  shape.name = file.name();
  TESSERA_ASSIGN_OR_RETURN(shape.arch, file.architecture());
  const Architecture* arch = find_architecture(shape.arch);
  if (arch == nullptr) {
    return unimplemented(file.name() + ": architecture '" + shape.arch +
                         "' is not supported (supported: " + architecture_names() + ")");
  }
  if (arch->family == ModelFamily::kEncoder) {
    TESSERA_ASSIGN_OR_RETURN(const BertConfig c, load_bert_config(file));
    copy_dimensions({.layers = c.n_layers,
                     .dim = c.dim,
                     .n_heads = c.n_heads,
                     .n_kv_heads = c.n_heads,
                     .head_dim = c.head_dim,
                     .ffn = c.ffn,
                     .vocab = c.vocab,
                     .n_rot = 0},
                    c.context, shape);
    // The config leaves rerank_head to the weight loader: the head's tensor decides, as there.
    const bool rerank = file.find_tensor("cls.output.weight") != nullptr;
    shape.kind = rerank ? ModelKind::kRerank : ModelKind::kEmbed;
  } else {
    TESSERA_ASSIGN_OR_RETURN(const LlamaConfig c, load_llama_config(file));
    copy_dimensions(c.shape(), c.context, shape);
    shape.kind = ModelKind::kGenerate;
  }
  for (const gguf::TensorInfo& t : file.tensors()) {
    shape.tensors.push_back({t.name, t.dims, t.type});
    if (shape.vocab == 0 && t.name == "token_embd.weight" && t.dims.size() == 2) {
      shape.vocab = t.dims[1];
    }
  }
  // Header, tokenizer and alignment padding: every mapped byte that is not tensor data.
  shape.metadata_bytes = file.file_size() - file.tensor_data_bytes();
  return shape;
}

ModelShape decoder_model_shape(std::string name, const Architecture& arch, const DecoderShape& dims,
                               int64_t context, bool tied_output) {
  ModelShape s;
  s.name = std::move(name);
  s.arch = std::string(arch.name);
  copy_dimensions(dims, context, s);
  for (const DecoderTensorSlot& slot : decoder_tensors(arch, dims)) {
    if (slot.what == DecoderTensor::kRopeFreqs) continue;  // a few floats, in some files only
    if (slot.what == DecoderTensor::kOutput && tied_output) continue;
    s.tensors.push_back({slot.name, slot.dims, slot.is_matrix() ? DType::kF16 : DType::kF32});
  }
  return s;
}

ModelShape llama_model_shape(std::string name, int64_t layers, int64_t dim, int64_t heads,
                             int64_t kv_heads, int64_t ffn, int64_t vocab, int64_t context,
                             bool tied_output) {
  const DecoderShape dims{.layers = layers,
                          .dim = dim,
                          .n_heads = heads,
                          .n_kv_heads = kv_heads,
                          .head_dim = dim / heads,
                          .ffn = ffn,
                          .vocab = vocab,
                          .n_rot = dim / heads};
  return decoder_model_shape(std::move(name), *find_architecture("llama"), dims, context,
                             tied_output);
}

uint64_t NumberFormat::bytes(int64_t elements) const {
  const int64_t blocks = (elements + block_elements - 1) / block_elements;
  return u(blocks) * u(block_bytes);
}

NumberFormat number_format_of(DType type) {
  const DTypeTraits* t = dtype_traits(type);
  NumberFormat f;
  f.name = t->name;
  f.block_elements = t->block_elements;
  f.block_bytes = t->block_bytes;
  f.dtype = type;
  return f;
}

Result<NumberFormat> number_format(std::string_view name) {
  const std::string n = lower(name);
  if (n == "fp8" || n == "f8" || n == "fp8_e4m3") {
    NumberFormat f;
    f.name = "fp8";
    f.block_elements = 1;
    f.block_bytes = 1;
    return f;
  }
  Result<DType> type = dtype_from_name(n);
  if (!type.ok()) {
    return invalid_argument("precision '" + std::string(name) +
                            "': expected one of f32, f16, bf16, q8_0, q6_k, q4_k, q4_0, fp8");
  }
  return number_format_of(*type);
}

Footprint compute_footprint(const ModelShape& shape, const FootprintRequest& request) {
  Footprint f;
  f.context = request.context > 0 ? request.context : shape.max_context;
  f.sequences = std::max<int64_t>(request.sequences, 0);
  f.batch_tokens = request.batch_tokens;
  f.weights_format = request.weights ? request.weights->name : stored_format(shape);
  f.kv_format = request.kv.name;

  for (const TensorShape& t : shape.tensors) {
    f.weights_bytes += tensor_bytes(t, request.weights);
    if (decoded_to_f32(t)) f.decoded_weights_bytes += u(t.elements()) * kF32Bytes;
  }
  if (shape.kind == ModelKind::kGenerate) {
    f.kv_bytes_per_token = 2 * u(shape.layers) * request.kv.bytes(shape.kv_dim());
  }
  // The cache holds whole blocks: a context that is not a multiple of 16 rounds up.
  f.kv_cache_bytes =
      f.kv_bytes_per_token * u(kv_blocks_for(f.context) * kKvBlockTokens) * u(f.sequences);
  f.activation_bytes = activation_bytes(shape, request, f.context);
  f.overhead_bytes =
      request.runtime_overhead_bytes + shape.metadata_bytes + f.decoded_weights_bytes;
  return f;
}

std::string Footprint::breakdown() const {
  std::string kv = "KV cache " + format_bytes(kv_cache_bytes);
  if (kv_bytes_per_token > 0) {
    kv += " (" + kv_format + ", " + plural(context, "token") + " × " +
          plural(sequences, "sequence") + " × " + format_bytes(kv_bytes_per_token) + ")";
  }
  return "weights " + format_bytes(weights_bytes) + " (" + weights_format + ") + " + kv +
         " + activations " + format_bytes(activation_bytes) + " (batch of " +
         plural(batch_tokens, "token") + ") + overhead " + format_bytes(overhead_bytes) + " = " +
         format_bytes(total_bytes());
}

std::string explain_refusal(const ModelShape& shape, const FootprintRequest& request,
                            std::string_view slice, uint64_t available_bytes,
                            std::span<const CapacityOption> larger) {
  const Footprint need = compute_footprint(shape, request);
  const auto fits = [&](const FootprintRequest& r) {
    return compute_footprint(shape, r).total_bytes() <= available_bytes;
  };
  std::string out = "model '" + shape.name + "' does not fit slice '" + std::string(slice) +
                    "': needs " + format_bytes(need.total_bytes()) + ", " +
                    format_bytes(available_bytes) + " available";
  if (need.total_bytes() > available_bytes) {
    out += " (short by " + format_bytes(need.total_bytes() - available_bytes) + ")";
  }
  out += "\n  needs: " + need.breakdown();
  std::vector<std::string> options;

  // Context and sequences only scale the KV cache: solve for the largest that fits, then check.
  if (need.kv_bytes_per_token > 0) {
    FootprintRequest r = request;
    r.context = need.context;
    r.sequences = 0;
    const uint64_t fixed = compute_footprint(shape, r).total_bytes();
    if (fixed < available_bytes) {
      const uint64_t room = available_bytes - fixed;
      int64_t context = static_cast<int64_t>(
          room / (need.kv_bytes_per_token * std::max<uint64_t>(u(need.sequences), 1)));
      if (context >= 256) context -= context % 128;  // a round number people would configure
      r.sequences = need.sequences;
      for (; context > 0; --context) {
        r.context = context;
        if (fits(r)) break;
      }
      if (context > 0 && context < need.context) {
        options.push_back("a context of " + plural(context, "token") + " (instead of " +
                          std::to_string(need.context) + ")");
      }
      r.context = need.context;
      const auto sequences =
          static_cast<int64_t>(room / (need.kv_bytes_per_token * u(need.context)));
      r.sequences = sequences;
      if (sequences >= 1 && sequences < need.sequences && fits(r)) {
        options.push_back(plural(sequences, "sequence") + " at once (instead of " +
                          std::to_string(need.sequences) + ")");
      }
    }
  }
  for (int64_t batch = request.batch_tokens / 2; batch >= 1; batch /= 2) {
    FootprintRequest r = request;
    r.batch_tokens = batch;
    if (fits(r)) {
      options.push_back("a batch of " + plural(batch, "token") + " (instead of " +
                        std::to_string(request.batch_tokens) + ")");
      break;
    }
  }
  if (need.kv_bytes_per_token > 0) {
    for (const char* name : {"f16", "q8_0", "fp8"}) {
      FootprintRequest r = request;
      r.kv = *number_format(name);
      const double bits = 8.0 * static_cast<double>(r.kv.block_bytes) / r.kv.block_elements;
      const double now =
          8.0 * static_cast<double>(request.kv.block_bytes) / request.kv.block_elements;
      if (bits < now && fits(r)) {
        options.push_back("a KV cache in " + r.kv.name + " (" +
                          format_bytes(compute_footprint(shape, r).total_bytes()) + " in all)");
        break;
      }
    }
  }
  for (const char* name : {"f16", "q8_0", "q6_k", "q4_k", "q4_0"}) {
    FootprintRequest r = request;
    r.weights = *number_format(name);
    const Footprint lower_precision = compute_footprint(shape, r);
    if (lower_precision.weights_bytes < need.weights_bytes && fits(r)) {
      options.push_back("weights in " + r.weights->name + " (" +
                        format_bytes(lower_precision.total_bytes()) + " in all)");
      break;
    }
  }
  const CapacityOption* best = nullptr;
  for (const CapacityOption& option : larger) {
    if (option.bytes >= need.total_bytes() && (best == nullptr || option.bytes < best->bytes)) {
      best = &option;
    }
  }
  if (best != nullptr) {
    options.push_back("a larger slice: " + best->name + " (" + format_bytes(best->bytes) + ")");
  }
  if (options.empty()) {
    out += "\n  nothing smaller fits; the slice needs at least " + format_bytes(need.total_bytes());
  } else {
    out += "\n  would fit with any one of:";
    for (const std::string& o : options) out += "\n  - " + o;
  }
  return out;
}

}  // namespace tessera
