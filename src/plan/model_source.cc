#include "plan/model_source.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "base/yaml_fields.h"
#include "gguf/file.h"
#include "models/encoder_tensors.h"

namespace tessera::plan {
namespace {

// Dimensions past these are typos (a 10^12-wide layer), and would overflow byte counts.
constexpr int64_t kMaxDim = int64_t{1} << 24;
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxContext = int64_t{1} << 26;
constexpr int64_t kDefaultBertContext = 512;

std::string str(int64_t v) { return std::to_string(v); }

Status check_dims(const ModelDims& d, const std::string& where) {
  const auto positive = [&](const char* name, int64_t v, int64_t max) -> Status {
    if (v < 1 || v > max) {
      return invalid_argument(where + ": " + name + "=" + str(v) + " must be 1.." + str(max));
    }
    return {};
  };
  TESSERA_RETURN_IF_ERROR(positive("layers", d.layers, kMaxLayers));
  TESSERA_RETURN_IF_ERROR(positive("dim", d.dim, kMaxDim));
  TESSERA_RETURN_IF_ERROR(positive("heads", d.heads, kMaxDim));
  TESSERA_RETURN_IF_ERROR(positive("ffn", d.ffn, kMaxDim));
  TESSERA_RETURN_IF_ERROR(positive("vocab", d.vocab, kMaxDim));
  TESSERA_RETURN_IF_ERROR(positive("context", d.context, kMaxContext));
  if (d.kv_heads < 0 || d.kv_heads > d.heads) {
    return invalid_argument(where + ": kv_heads=" + str(d.kv_heads) +
                            " must be 1..heads=" + str(d.heads));
  }
  if (d.kv_heads > 0 && d.heads % d.kv_heads != 0) {
    return invalid_argument(where + ": kv_heads=" + str(d.kv_heads) +
                            " does not divide heads=" + str(d.heads) +
                            " (grouped-query attention shares K/V among equal groups)");
  }
  if (d.head_dim < 0 || d.head_dim > kMaxDim) {
    return invalid_argument(where + ": head_dim=" + str(d.head_dim) + " must be 1.." +
                            str(kMaxDim));
  }
  if (d.head_dim == 0 && d.dim % d.heads != 0) {
    return invalid_argument(where + ": dim=" + str(d.dim) +
                            " is not a multiple of heads=" + str(d.heads) +
                            "; give head_dim when heads × head_dim differs from dim");
  }
  if (d.kind != ModelKind::kGenerate && d.kv_heads != 0 && d.kv_heads != d.heads) {
    return invalid_argument(where + ": an encoder has kv_heads = heads (" + str(d.heads) +
                            "), got kv_heads=" + str(d.kv_heads));
  }
  return {};
}

// An encoder of the row's layout (models/encoder_tensors.h, which the weight loader binds by): F16
// matrices, F32 norms, biases, position and token-type tables, and an F32 classifier output.
ModelShape encoder_shape(const ModelDims& d, const Architecture& arch) {
  ModelShape s;
  s.name = d.name;
  s.arch = std::string(arch.name);
  s.kind = d.kind;
  s.layers = d.layers;
  s.dim = d.dim;
  s.n_heads = d.heads;
  s.n_kv_heads = d.heads;
  s.head_dim = d.dim / d.heads;
  s.ffn = d.ffn;
  s.vocab = d.vocab;
  s.max_context = d.context;
  const EncoderShape shape{.layers = d.layers,
                           .dim = d.dim,
                           .ffn = d.ffn,
                           .vocab = d.vocab,
                           .context = d.context,
                           .token_types = d.type_vocab,
                           .rerank_outputs = d.kind == ModelKind::kRerank ? 1 : 0};
  for (const EncoderTensorSlot& slot : encoder_tensors(arch, shape)) {
    using T = EncoderTensor;
    const bool f32 = !slot.is_matrix() || slot.what == T::kTokenTypes ||
                     slot.what == T::kPositions || slot.what == T::kClsOutput;
    s.tensors.push_back({slot.name, slot.dims, f32 ? DType::kF32 : DType::kF16});
  }
  return s;
}

// The context llama.cpp's converter writes for an encoder config: RoBERTa-style position tables
// start at pad_token_id + 1, and it cuts those rows (bge-m3: 8194 positions, 8192 in the GGUF);
// nomic_bert configs claim n_positions 8192 but were trained for max_trained_positions 2048, which
// the converter keeps.
template <typename Field>
Result<int64_t> converted_context(const std::string& model_type, int64_t context,
                                  const Field& field) {
  constexpr std::string_view kOffsetTypes[] = {"roberta", "xlm-roberta"};
  if (std::find(std::begin(kOffsetTypes), std::end(kOffsetTypes), model_type) !=
      std::end(kOffsetTypes)) {
    TESSERA_ASSIGN_OR_RETURN(const int64_t pad, field({"pad_token_id"}, false, -1));
    if (pad >= 0 && context > pad + 1) context -= pad + 1;
  }
  TESSERA_ASSIGN_OR_RETURN(const int64_t trained, field({"max_trained_positions"}, false, 0));
  if (trained > 0 && trained < context) context = trained;
  return context;
}

}  // namespace

Result<ModelShape> shape_from_dims(const ModelDims& dims, const std::string& where) {
  TESSERA_RETURN_IF_ERROR(check_dims(dims, where));
  const Architecture* row = find_architecture(dims.arch);
  if (dims.kind != ModelKind::kGenerate || (row && row->family == ModelFamily::kEncoder)) {
    if (dims.head_dim != 0 && dims.head_dim * dims.heads != dims.dim) {
      return invalid_argument(where +
                              ": an encoder's heads × head_dim must equal dim=" + str(dims.dim));
    }
    ModelDims d = dims;
    if (d.kind == ModelKind::kGenerate) d.kind = ModelKind::kEmbed;
    // An embed or rerank kind with a decoder's arch (the default llama) sizes as bert.
    const Architecture* encoder =
        row && row->family == ModelFamily::kEncoder ? row : find_architecture("bert");
    return encoder_shape(d, *encoder);
  }
  const Architecture* arch = find_architecture(dims.arch);
  if (arch == nullptr || arch->family != ModelFamily::kDecoder) {
    return invalid_argument(where + ": arch '" + dims.arch + "' is not a decoder (decoders: " +
                            architecture_names(ModelFamily::kDecoder) + ")");
  }
  const int64_t head_dim = dims.head_dim > 0 ? dims.head_dim : dims.dim / dims.heads;
  const DecoderShape shape{.layers = dims.layers,
                           .dim = dims.dim,
                           .n_heads = dims.heads,
                           .n_kv_heads = dims.kv_heads > 0 ? dims.kv_heads : dims.heads,
                           .head_dim = head_dim,
                           .ffn = dims.ffn,
                           .vocab = dims.vocab,
                           .n_rot = head_dim};
  return decoder_model_shape(dims.name, *arch, shape, dims.context, dims.tied_output);
}

Result<ModelDims> parse_dims(std::string_view text) {
  ModelDims d;
  bool have_context = false;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(',', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(begin, end - begin);
    begin = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return invalid_argument("--dims: '" + std::string(item) + "': expected NAME=VALUE");
    }
    const std::string key(item.substr(0, eq));
    const std::string value(item.substr(eq + 1));
    if (key == "name") {
      d.name = value;
      continue;
    }
    if (key == "arch") {
      const Architecture* arch = find_architecture(value);
      if (arch == nullptr) {
        return invalid_argument("--dims arch='" + value + "': expected one of " +
                                architecture_names());
      }
      d.arch = value;
      if (arch->family == ModelFamily::kEncoder && d.kind == ModelKind::kGenerate)
        d.kind = ModelKind::kEmbed;
      continue;
    }
    if (key == "kind") {
      if (value == "generate")
        d.kind = ModelKind::kGenerate;
      else if (value == "embed")
        d.kind = ModelKind::kEmbed;
      else if (value == "rerank")
        d.kind = ModelKind::kRerank;
      else
        return invalid_argument("--dims kind='" + value + "': expected generate, embed or rerank");
      continue;
    }
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
      return invalid_argument("--dims " + key + "='" + value + "': expected a whole number");
    }
    if (key == "layers")
      d.layers = v;
    else if (key == "dim")
      d.dim = v;
    else if (key == "heads")
      d.heads = v;
    else if (key == "kv_heads")
      d.kv_heads = v;
    else if (key == "head_dim")
      d.head_dim = v;
    else if (key == "ffn")
      d.ffn = v;
    else if (key == "vocab")
      d.vocab = v;
    else if (key == "context") {
      d.context = v;
      have_context = true;
    } else if (key == "tied")
      d.tied_output = v != 0;
    else {
      return invalid_argument("--dims: unknown name '" + key +
                              "' (expected layers, dim, heads, kv_heads, head_dim, ffn, vocab, "
                              "context, tied, kind, arch, name)");
    }
  }
  if (!have_context) d.context = d.kind == ModelKind::kGenerate ? 4096 : kDefaultBertContext;
  for (const auto& [name, v] : {std::pair{"layers", d.layers},
                                {"dim", d.dim},
                                {"heads", d.heads},
                                {"ffn", d.ffn},
                                {"vocab", d.vocab}}) {
    if (v == 0) return invalid_argument(std::string("--dims: missing ") + name + "=N");
  }
  return d;
}

Result<ModelShape> shape_from_hf_config(const std::string& json, const std::string& source) {
  nlohmann::json c;
  try {
    c = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    return invalid_argument(source + ": malformed JSON at byte " + std::to_string(e.byte) + ": " +
                            e.what());
  }
  if (!c.is_object()) return invalid_argument(source + ": expected a JSON object");
  // Multimodal checkpoints keep the language model's dimensions in text_config.
  if (c.contains("text_config") && c["text_config"].is_object() && !c.contains("hidden_size")) {
    c = c["text_config"];
  }
  for (const char* moe : {"num_local_experts", "num_experts", "n_routed_experts"}) {
    if (c.contains(moe) && !c[moe].is_null()) {
      return unimplemented(source + ": mixture-of-experts configs (" + moe +
                           ") are not planned yet: their expert weights are not dense");
    }
  }
  // The first of `keys` the config has (GPT-2-style configs such as nomic_bert's say n_embd where
  // BERT's say hidden_size); a missing required field is named by its first key.
  const auto field = [&](std::initializer_list<const char*> keys, bool required,
                         int64_t fallback) -> Result<int64_t> {
    const char* key = nullptr;
    for (const char* k : keys) {
      if (c.contains(k) && !c[k].is_null()) {
        key = k;
        break;
      }
    }
    if (key == nullptr) {
      if (required) return invalid_argument(source + ": missing field '" + *keys.begin() + "'");
      return fallback;
    }
    const nlohmann::json& v = c[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      return invalid_argument(source + ": field '" + key +
                              "': expected a non-negative integer, got " + v.dump());
    }
    return v.get<int64_t>();
  };
  ModelDims d;
  const std::string model_type = c.contains("model_type") && c["model_type"].is_string()
                                     ? c["model_type"].get<std::string>()
                                     : "";
  if (model_type.empty()) return invalid_argument(source + ": missing field 'model_type'");
  d.name = c.contains("_name_or_path") && c["_name_or_path"].is_string()
               ? c["_name_or_path"].get<std::string>()
               : model_type;
  const Architecture* known = find_hf_architecture(model_type);
  const bool encoder = known && known->family == ModelFamily::kEncoder;
  bool rerank = false;
  if (c.contains("architectures") && c["architectures"].is_array()) {
    for (const auto& a : c["architectures"]) {
      rerank = rerank || (a.is_string() && a.get<std::string>().find("ForSequenceClassification") !=
                                               std::string::npos);
    }
  }
  TESSERA_ASSIGN_OR_RETURN(d.layers, field({"num_hidden_layers", "n_layer"}, true, 0));
  TESSERA_ASSIGN_OR_RETURN(d.dim, field({"hidden_size", "n_embd"}, true, 0));
  TESSERA_ASSIGN_OR_RETURN(d.heads, field({"num_attention_heads", "n_head"}, true, 0));
  TESSERA_ASSIGN_OR_RETURN(d.kv_heads, field({"num_key_value_heads"}, false, 0));
  TESSERA_ASSIGN_OR_RETURN(d.head_dim, field({"head_dim"}, false, 0));
  TESSERA_ASSIGN_OR_RETURN(d.ffn, field({"intermediate_size", "n_inner"}, true, 0));
  TESSERA_ASSIGN_OR_RETURN(d.vocab, field({"vocab_size"}, true, 0));
  TESSERA_ASSIGN_OR_RETURN(
      d.context, field({"max_position_embeddings", "n_positions"}, !encoder, kDefaultBertContext));
  if (encoder) {
    d.arch = std::string(known->name);
    d.kind = rerank ? ModelKind::kRerank : ModelKind::kEmbed;
    TESSERA_ASSIGN_OR_RETURN(d.type_vocab, field({"type_vocab_size"}, false, 2));
    d.type_vocab = std::max<int64_t>(d.type_vocab, 1);
    TESSERA_ASSIGN_OR_RETURN(d.context, converted_context(model_type, d.context, field));
  } else {
    // Dense decoders without a row of their own (mistral-likes, olmo, ...) size as llama: the
    // same matrices, give or take norms and biases.
    d.arch = known ? std::string(known->name) : "llama";
    d.tied_output = known != nullptr && known->tied_output;
    if (c.contains("tie_word_embeddings")) {
      if (!c["tie_word_embeddings"].is_boolean()) {
        return invalid_argument(source + ": field 'tie_word_embeddings': expected true or false");
      }
      d.tied_output = c["tie_word_embeddings"].get<bool>();
    }
  }
  return shape_from_dims(d, source);
}

Result<ModelShape> load_model_shape(const std::string& path) {
  char magic[4] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return not_found(path + ": cannot open");
    in.read(magic, sizeof magic);
  }
  if (std::string_view(magic, 4) == "GGUF") {
    TESSERA_ASSIGN_OR_RETURN(const gguf::File file, gguf::File::open(path));
    return model_shape_from_gguf(file);
  }
  TESSERA_ASSIGN_OR_RETURN(const std::string text, read_text_file(path));
  return shape_from_hf_config(text, path);
}

}  // namespace tessera::plan
