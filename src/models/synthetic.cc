#include "models/synthetic.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "gguf/file.h"
#include "models/architecture.h"
#include "models/encoder_tensors.h"
#include "models/synthetic_random.h"
#include "models/weight_policy.h"

namespace tessera {
namespace {

using gguf::Value;
using gguf::ValueType;

// How a tensor's values are drawn: uniform with this standard deviation around `center`.
struct Init {
  float center;
  float stddev;
};

// The tensor layout of one architecture, in the order llama.cpp's converters write it.
struct TensorPlan {
  std::string name;
  std::vector<int64_t> dims;
  Init init;
  std::vector<float> fixed;  // exact values instead of drawn ones (rope_freqs)
};

constexpr float kNormJitter = 0.1f;  // norm weights are 1 ± a little, so layers are distinguishable
constexpr float kBiasStd = 0.02f;
constexpr float kEmbeddingStd = 1.0f;

Init matrix_init(int64_t in_features) {
  return {0.0f, 1.0f / std::sqrt(static_cast<float>(in_features))};
}
Init norm_init() { return {1.0f, kNormJitter / std::sqrt(3.0f)}; }
Init bias_init() { return {0.0f, kBiasStd}; }

const Architecture& architecture_of(const SyntheticSpec& spec) {
  return *find_architecture(spec.arch);  // validate() has checked it
}

bool is_encoder(const SyntheticSpec& spec) {
  const Architecture* arch = find_architecture(spec.arch);
  return arch != nullptr && arch->family == ModelFamily::kEncoder;
}

int64_t default_ffn(const SyntheticSpec& spec) {
  if (spec.ffn > 0) return spec.ffn;
  if (is_encoder(spec)) return 4 * spec.dim;
  constexpr int64_t kRound = 32;
  const int64_t raw = (8 * spec.dim + 2) / 3;
  return (raw + kRound - 1) / kRound * kRound;
}

int64_t kv_heads_of(const SyntheticSpec& spec) {
  return spec.kv_heads > 0 ? spec.kv_heads : spec.heads;
}

int64_t head_dim_of(const SyntheticSpec& spec) {
  return spec.head_dim > 0 ? spec.head_dim : spec.dim / spec.heads;
}

// Llama 3.1's "llama3" rope scaling as its GGUF converter stores it: one divisor per rotated pair;
// 1 for short wavelengths, `factor` for long ones, a smooth blend between.
std::vector<float> llama3_rope_factors(int64_t n_rot, double base) {
  constexpr double kFactor = 8.0, kLowFreqFactor = 1.0, kHighFreqFactor = 4.0;
  constexpr double kOriginalContext = 8192.0;
  constexpr double kPi = 3.14159265358979323846;
  const double low_freq_wavelen = kOriginalContext / kLowFreqFactor;
  const double high_freq_wavelen = kOriginalContext / kHighFreqFactor;
  std::vector<float> factors;
  for (int64_t i = 0; i < n_rot / 2; ++i) {
    const double freq = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(n_rot));
    const double wavelen = 2.0 * kPi / freq;
    double f = 1.0;
    if (wavelen > low_freq_wavelen) {
      f = kFactor;
    } else if (wavelen >= high_freq_wavelen) {
      const double smooth =
          (kOriginalContext / wavelen - kLowFreqFactor) / (kHighFreqFactor - kLowFreqFactor);
      f = 1.0 / ((1.0 - smooth) / kFactor + smooth);
    }
    factors.push_back(static_cast<float>(f));
  }
  return factors;
}

// LongRoPE's per-pair divisors in the shape the Phi-3.5 files have: short ones near 1, long ones
// growing from 1 to tens with the wavelength.
std::vector<float> long_rope_factors(int64_t n_rot, bool long_factors) {
  std::vector<float> factors;
  const int64_t half = n_rot / 2;
  for (int64_t i = 0; i < half; ++i) {
    const double t = half > 1 ? static_cast<double>(i) / static_cast<double>(half - 1) : 0.0;
    factors.push_back(static_cast<float>(long_factors ? 1.0 + 39.0 * t * t : 1.0 + 0.1 * t));
  }
  return factors;
}

constexpr int64_t kLongRopeContextRatio = 4;  // synthetic original context = context / this

std::vector<TensorPlan> decoder_plan(const SyntheticSpec& spec, int64_t vocab) {
  const Architecture& arch = architecture_of(spec);
  const DecoderShape shape{.layers = spec.layers,
                           .dim = spec.dim,
                           .n_heads = spec.heads,
                           .n_kv_heads = kv_heads_of(spec),
                           .head_dim = head_dim_of(spec),
                           .ffn = default_ffn(spec),
                           .vocab = vocab,
                           .n_rot = head_dim_of(spec)};
  std::vector<TensorPlan> plan;
  for (const DecoderTensorSlot& slot : decoder_tensors(arch, shape)) {
    using T = DecoderTensor;
    Init init = matrix_init(slot.dims[0]);
    switch (slot.what) {
      case T::kOutput:
        // Families whose converters never write output.weight (gemma) are tied whatever the flag.
        if (spec.tied_output || arch.tied_output) continue;
        break;
      case T::kRopeFreqs:
        if (!spec.llama3_rope) continue;
        plan.push_back(
            {slot.name, slot.dims, {1.0f, 0.0f}, llama3_rope_factors(shape.n_rot, arch.rope_base)});
        continue;
      case T::kRopeFactorsLong:
      case T::kRopeFactorsShort:
        if (!spec.long_rope) continue;
        plan.push_back({slot.name,
                        slot.dims,
                        {1.0f, 0.0f},
                        long_rope_factors(shape.n_rot, slot.what == T::kRopeFactorsLong)});
        continue;
      case T::kTokenEmbedding:
        init = {0.0f, kEmbeddingStd};
        break;
      case T::kAttnNorm:
      case T::kFfnNorm:
      case T::kOutputNorm:
      case T::kQNorm:
      case T::kKNorm:
      case T::kAttnPostNorm:
      case T::kFfnPostNorm:
        init = norm_init();
        break;
      case T::kQBias:
      case T::kKBias:
      case T::kVBias:
        init = bias_init();
        break;
      default:
        break;
    }
    plan.push_back({slot.name, slot.dims, init, {}});
  }
  return plan;
}

// BERT's segments A and B; XLM-RoBERTa has a single token type.
constexpr int64_t kBertTokenTypes = 2;
constexpr int64_t kXlmRobertaTokenTypes = 1;
// XLM-RoBERTa's LayerNorm epsilon (its config's layer_norm_eps); BERT's is the row's 1e-12.
constexpr float kXlmRobertaNormEps = 1e-5f;

int64_t token_types_of(const SyntheticSpec& spec) {
  return spec.xlm_roberta ? kXlmRobertaTokenTypes : kBertTokenTypes;
}

std::vector<TensorPlan> encoder_plan(const SyntheticSpec& spec, int64_t vocab) {
  constexpr float kTableStd = 0.1f;
  const EncoderShape shape{.layers = spec.layers,
                           .dim = spec.dim,
                           .ffn = default_ffn(spec),
                           .vocab = vocab,
                           .context = spec.context,
                           .token_types = token_types_of(spec),
                           .rerank_outputs = spec.rerank ? 1 : 0};
  std::vector<TensorPlan> plan;
  for (const EncoderTensorSlot& slot : encoder_tensors(architecture_of(spec), shape)) {
    using T = EncoderTensor;
    Init init = matrix_init(slot.dims[0]);
    switch (slot.what) {
      case T::kTokenEmbedding:
        init = {0.0f, kEmbeddingStd};
        break;
      case T::kTokenTypes:
      case T::kPositions:
        init = {0.0f, kTableStd};
        break;
      case T::kEmbedNorm:
      case T::kAttnNorm:
      case T::kOutputNorm:
        init = norm_init();
        break;
      case T::kEmbedNormBias:
      case T::kQBias:
      case T::kKBias:
      case T::kVBias:
      case T::kQkvBias:
      case T::kAttnOutputBias:
      case T::kAttnNormBias:
      case T::kUpBias:
      case T::kDownBias:
      case T::kOutputNormBias:
      case T::kClsBias:
      case T::kClsOutputBias:
        init = bias_init();
        break;
      default:
        break;
    }
    plan.push_back({slot.name, slot.dims, init, {}});
  }
  return plan;
}

// A minimal SentencePiece vocabulary: <unk>, <s>, </s> and the 256 byte-fallback pieces, enough for
// any text to tokenize (byte by byte) when no real vocabulary is given.
int64_t set_byte_vocabulary(gguf::Writer& writer) {
  constexpr int32_t kUnknown = 2, kControl = 3, kByte = 6;
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<Value> scores(3, Value::f32(0.0f));
  std::vector<Value> types = {Value::i32(kUnknown), Value::i32(kControl), Value::i32(kControl)};
  static const char* kHex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">");
    scores.push_back(Value::f32(0.0f));
    types.push_back(Value::i32(kByte));
  }
  const auto vocab_size = static_cast<int64_t>(tokens.size());
  writer.set("tokenizer.ggml.model", Value::string("llama"));
  writer.set("tokenizer.ggml.tokens", Value::string_array(tokens));
  writer.set("tokenizer.ggml.scores", Value::array(ValueType::kF32, std::move(scores)));
  writer.set("tokenizer.ggml.token_type", Value::array(ValueType::kI32, std::move(types)));
  writer.set("tokenizer.ggml.bos_token_id", Value::u32(1));
  writer.set("tokenizer.ggml.eos_token_id", Value::u32(2));
  writer.set("tokenizer.ggml.unknown_token_id", Value::u32(0));
  writer.set("tokenizer.ggml.add_bos_token", Value::boolean(true));
  writer.set("tokenizer.ggml.add_eos_token", Value::boolean(false));
  return vocab_size;
}

// A small SentencePiece unigram vocabulary laid out as llama.cpp's converter writes XLM-RoBERTa's
// ("t5"): <s> <pad> </s> <unk> first, <mask> last, pieces between (word-initial ones marked with
// U+2581) scored as log-probabilities, so whole words beat their letters. Every piece is distinct:
// llama.cpp refuses a vocabulary with duplicates.
int64_t set_unigram_vocabulary(gguf::Writer& writer) {
  constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3;
  constexpr float kWordScore = -6.0f, kWordStartScore = -9.0f, kCharScore = -10.0f;
  const std::string kWordStart = "\xE2\x96\x81";
  std::vector<std::string> tokens = {"<s>", "<pad>", "</s>", "<unk>"};
  std::vector<Value> scores(4, Value::f32(0.0f));
  std::vector<Value> types = {Value::i32(kControl), Value::i32(kControl), Value::i32(kControl),
                              Value::i32(kUnknown)};
  const auto piece = [&](std::string text, float score) {
    tokens.push_back(std::move(text));
    scores.push_back(Value::f32(score));
    types.push_back(Value::i32(kNormal));
  };
  piece(kWordStart, kWordStartScore);
  for (const char* word : {"the", "of", "and", "to", "in", "is", "what", "panda", "bear", "hello",
                           "world", "city", "capital", "france", "paris"}) {
    piece(kWordStart + word, kWordScore);
  }
  for (char c = 'a'; c <= 'z'; ++c) piece(kWordStart + c, kWordStartScore);
  for (char c = '!'; c <= '~'; ++c) piece(std::string(1, c), kCharScore);
  const auto mask = static_cast<uint32_t>(tokens.size());
  tokens.push_back("<mask>");
  scores.push_back(Value::f32(0.0f));
  types.push_back(Value::i32(kControl));
  writer.set("tokenizer.ggml.model", Value::string("t5"));
  writer.set("tokenizer.ggml.pre", Value::string("default"));
  writer.set("tokenizer.ggml.tokens", Value::string_array(tokens));
  writer.set("tokenizer.ggml.scores", Value::array(ValueType::kF32, std::move(scores)));
  writer.set("tokenizer.ggml.token_type", Value::array(ValueType::kI32, std::move(types)));
  writer.set("tokenizer.ggml.add_space_prefix", Value::boolean(true));
  writer.set("tokenizer.ggml.remove_extra_whitespaces", Value::boolean(true));
  writer.set("tokenizer.ggml.bos_token_id", Value::u32(0));
  writer.set("tokenizer.ggml.padding_token_id", Value::u32(1));
  writer.set("tokenizer.ggml.eos_token_id", Value::u32(2));
  writer.set("tokenizer.ggml.seperator_token_id", Value::u32(2));  // sic: llama.cpp's key
  writer.set("tokenizer.ggml.unknown_token_id", Value::u32(3));
  writer.set("tokenizer.ggml.cls_token_id", Value::u32(0));
  writer.set("tokenizer.ggml.mask_token_id", Value::u32(mask));
  writer.set("tokenizer.ggml.add_bos_token", Value::boolean(true));
  writer.set("tokenizer.ggml.add_eos_token", Value::boolean(true));
  writer.set("tokenizer.ggml.add_sep_token", Value::boolean(true));  // RobertaProcessing's pairs
  return static_cast<int64_t>(tokens.size());
}

// Copies every tokenizer.* key from a vocabulary GGUF; returns the vocabulary size.
Result<int64_t> copy_vocabulary(const SyntheticSpec& spec, gguf::Writer& writer) {
  TESSERA_ASSIGN_OR_RETURN(gguf::File vocab, gguf::File::open(spec.vocab_from));
  TESSERA_ASSIGN_OR_RETURN(std::string model, vocab.get_string("tokenizer.ggml.model"));
  const Architecture& arch = architecture_of(spec);
  if (std::find(arch.tokenizer_models.begin(), arch.tokenizer_models.end(), model) ==
      arch.tokenizer_models.end()) {
    std::string suited;
    for (std::string_view m : arch.tokenizer_models)
      suited += (suited.empty() ? "'" : ", '") + std::string(m) + "'";
    return invalid_argument("--vocab-from " + spec.vocab_from + ": tokenizer model '" + model +
                            "' does not suit arch '" + spec.arch + "' (it takes " + suited + ")");
  }
  if (spec.xlm_roberta && model != "t5") {
    return invalid_argument("--vocab-from " + spec.vocab_from + ": tokenizer model '" + model +
                            "' is not XLM-RoBERTa's SentencePiece unigram ('t5')");
  }
  const gguf::Value* tokens = vocab.find("tokenizer.ggml.tokens");
  if (tokens == nullptr || !tokens->is_array() || tokens->as_array().elements.empty()) {
    return invalid_argument("--vocab-from " + spec.vocab_from + ": no tokenizer.ggml.tokens array");
  }
  for (const auto& kv : vocab.metadata()) {
    if (kv.key.rfind("tokenizer.", 0) == 0) writer.set(kv.key, kv.value);
  }
  return static_cast<int64_t>(tokens->as_array().elements.size());
}

// The keys only some decoder families carry, with the values their converters write.
void set_family_hyperparameters(const SyntheticSpec& spec, gguf::Writer& writer) {
  const Architecture& arch = architecture_of(spec);
  const std::string& a = spec.arch;
  if (arch.sliding_window_period > 0) {
    constexpr int64_t kGemma3Window = 1024;
    const int64_t window =
        spec.sliding_window > 0
            ? spec.sliding_window
            : (arch.default_sliding_window > 0 ? arch.default_sliding_window : kGemma3Window);
    writer.set(a + ".attention.sliding_window", Value::u32(static_cast<uint32_t>(window)));
  }
  if (arch.local_rope_base) {
    constexpr float kLocalBase = 10000.0f;
    writer.set(a + ".rope.freq_base_swa", Value::f32(kLocalBase));
  }
  if (arch.attn_softcap > 0.0f) {
    const float cap = spec.attn_softcap > 0.0f ? spec.attn_softcap : arch.attn_softcap;
    writer.set(a + ".attn_logit_softcapping", Value::f32(cap));
  }
  if (arch.reads_final_softcap) {
    const float cap = spec.final_softcap > 0.0f ? spec.final_softcap : arch.final_softcap;
    if (cap > 0.0f) writer.set(a + ".final_logit_softcapping", Value::f32(cap));
  }
  if (spec.rope_scale > 0.0f) {
    writer.set(a + ".rope.scaling.type", Value::string("linear"));
    writer.set(a + ".rope.scaling.factor", Value::f32(spec.rope_scale));
  }
  if (spec.long_rope) {
    const int64_t original = std::max<int64_t>(1, spec.context / kLongRopeContextRatio);
    const double scale = static_cast<double>(spec.context) / static_cast<double>(original);
    // LongRoPE's magnitude correction, as Phi-3.5's converter computes it.
    const double attn_factor =
        original > 1 ? std::sqrt(1.0 + std::log(scale) / std::log(static_cast<double>(original)))
                     : 1.0;
    writer.set(a + ".rope.scaling.original_context_length",
               Value::u32(static_cast<uint32_t>(original)));
    writer.set(a + ".rope.scaling.attn_factor", Value::f32(static_cast<float>(attn_factor)));
  }
}

void set_hyperparameters(const SyntheticSpec& spec, int64_t vocab, gguf::Writer& writer) {
  const std::string& a = spec.arch;
  writer.set(a + ".context_length", Value::u32(static_cast<uint32_t>(spec.context)));
  writer.set(a + ".embedding_length", Value::u32(static_cast<uint32_t>(spec.dim)));
  writer.set(a + ".block_count", Value::u32(static_cast<uint32_t>(spec.layers)));
  writer.set(a + ".feed_forward_length", Value::u32(static_cast<uint32_t>(default_ffn(spec))));
  writer.set(a + ".attention.head_count", Value::u32(static_cast<uint32_t>(spec.heads)));
  const Architecture& arch = architecture_of(spec);
  if (arch.family == ModelFamily::kEncoder) {
    // llama_pooling_type values are the indices of these names.
    static const char* const kPoolingNames[] = {"none", "mean", "cls", "last", "rank"};
    constexpr uint32_t kPoolingMean = 1, kPoolingRank = 4;
    uint32_t pooling = spec.rerank ? kPoolingRank : kPoolingMean;
    for (uint32_t p = 0; p < std::size(kPoolingNames); ++p) {
      if (spec.pooling == kPoolingNames[p]) pooling = p;
    }
    writer.set(a + ".attention.layer_norm_epsilon",
               Value::f32(spec.xlm_roberta ? kXlmRobertaNormEps : arch.rms_eps));
    writer.set(a + ".attention.causal", Value::boolean(false));
    writer.set(a + ".pooling_type", Value::u32(pooling));
    if (!arch.encoder.position_table) writer.set(a + ".rope.freq_base", Value::f32(arch.rope_base));
    writer.set("tokenizer.ggml.token_type_count",
               Value::u32(static_cast<uint32_t>(token_types_of(spec))));
    return;
  }
  writer.set(a + ".attention.head_count_kv", Value::u32(static_cast<uint32_t>(kv_heads_of(spec))));
  writer.set(a + ".attention.layer_norm_rms_epsilon", Value::f32(arch.rms_eps));
  writer.set(a + ".rope.freq_base", Value::f32(arch.rope_base));
  const auto head_dim = static_cast<uint32_t>(head_dim_of(spec));
  writer.set(a + ".rope.dimension_count", Value::u32(head_dim));
  if (arch.explicit_head_dim || head_dim_of(spec) * spec.heads != spec.dim) {
    writer.set(a + ".attention.key_length", Value::u32(head_dim));
    writer.set(a + ".attention.value_length", Value::u32(head_dim));
  }
  writer.set(a + ".vocab_size", Value::u32(static_cast<uint32_t>(vocab)));
  set_family_hyperparameters(spec, writer);
}

std::vector<float> draw_values(uint64_t seed, const TensorPlan& t) {
  if (!t.fixed.empty()) return t.fixed;
  int64_t n = 1;
  for (int64_t d : t.dims) n *= d;
  std::vector<float> values(static_cast<size_t>(n));
  SplitMix64 rng(seed ^ fnv1a64(t.name));
  const float half_width = t.init.stddev * std::sqrt(3.0f);  // uniform[-a, a] has std a/√3
  for (float& v : values) v = t.init.center + half_width * rng.uniform_pm1();
  return values;
}

// Encodes n values into `type` with one thread per core, each taking a contiguous run of whole
// blocks (blocks are encoded independently, so the bytes are the same as one thread's). K-quant
// encoding searches each sub-block's scale: a vocabulary-sized Q4_K matrix took seconds on one
// thread, and the reference tests write dozens of them.
void encode_in_parallel(DType type, const float* values, uint8_t* bytes, int64_t n) {
  const DTypeTraits& traits = *dtype_traits(type);
  constexpr int64_t kMinBlocksPerThread = 1024;
  const int64_t n_blocks = n / traits.block_elements;
  const int64_t n_threads = std::clamp<int64_t>(n_blocks / kMinBlocksPerThread, 1,
                                                std::max(1U, std::thread::hardware_concurrency()));
  const auto encode_run = [&](int64_t part) {
    const int64_t begin = part * n_blocks / n_threads, end = (part + 1) * n_blocks / n_threads;
    traits.from_float(values + begin * traits.block_elements, bytes + begin * traits.block_bytes,
                      (end - begin) * traits.block_elements);
  };
  std::vector<std::thread> helpers;
  for (int64_t part = 1; part < n_threads; ++part) helpers.emplace_back(encode_run, part);
  encode_run(0);
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace

Status validate(const SyntheticSpec& spec) {
  const Architecture* arch = find_architecture(spec.arch);
  if (arch == nullptr) {
    return invalid_argument("--synthetic: unknown architecture '" + spec.arch + "' (expected " +
                            architecture_names() + ")");
  }
  const bool encoder = arch->family == ModelFamily::kEncoder;
  auto positive = [](int64_t v, const char* flag) -> Status {
    if (v <= 0)
      return invalid_argument(std::string(flag) + " must be positive, got " + std::to_string(v));
    return {};
  };
  TESSERA_RETURN_IF_ERROR(positive(spec.layers, "--layers"));
  TESSERA_RETURN_IF_ERROR(positive(spec.dim, "--dim"));
  TESSERA_RETURN_IF_ERROR(positive(spec.heads, "--heads"));
  TESSERA_RETURN_IF_ERROR(positive(spec.context, "--context"));
  if (spec.ffn < 0)
    return invalid_argument("--ffn must be positive, got " + std::to_string(spec.ffn));
  if (spec.kv_heads < 0) {
    return invalid_argument("--kv-heads must be positive, got " + std::to_string(spec.kv_heads));
  }
  if (spec.head_dim < 0) {
    return invalid_argument("--head-dim must be positive, got " + std::to_string(spec.head_dim));
  }
  if (!std::isfinite(spec.attn_softcap) || !std::isfinite(spec.final_softcap) ||
      !std::isfinite(spec.rope_scale)) {
    return invalid_argument("--attn-softcap, --final-softcap and --rope-scale must be finite");
  }
  if (spec.head_dim > 0 && encoder) {
    return invalid_argument("--head-dim: " + spec.arch + " splits --dim over the heads");
  }
  if (spec.head_dim == 0 && spec.dim % spec.heads != 0) {
    return invalid_argument("--dim " + std::to_string(spec.dim) + " is not divisible by --heads " +
                            std::to_string(spec.heads) + " (or give --head-dim)");
  }
  if (head_dim_of(spec) % 2 != 0) {
    return invalid_argument("head size " + std::to_string(head_dim_of(spec)) +
                            " must be even (RoPE rotates pairs)");
  }
  const int64_t kv = kv_heads_of(spec);
  if (spec.heads % kv != 0) {
    return invalid_argument("--heads " + std::to_string(spec.heads) +
                            " is not a multiple of --kv-heads " + std::to_string(kv));
  }
  if (encoder && spec.kv_heads > 0 && spec.kv_heads != spec.heads) {
    return invalid_argument("--kv-heads: " + spec.arch + " has no grouped-query attention");
  }
  if (!encoder && spec.rerank)
    return invalid_argument("--rerank needs an encoder (" +
                            architecture_names(ModelFamily::kEncoder) + ")");
  if (!spec.pooling.empty() && !encoder)
    return invalid_argument("--pooling needs an encoder (" +
                            architecture_names(ModelFamily::kEncoder) + ")");
  if (encoder && (spec.tied_output || spec.llama3_rope)) {
    return invalid_argument(std::string(spec.tied_output ? "--tied-output" : "--llama3-rope") +
                            " needs a decoder");
  }
  if (spec.long_rope && !arch->long_short_rope_factors) {
    return invalid_argument("--long-rope: " + spec.arch + " has no LongRoPE factors (phi3 has)");
  }
  if (spec.sliding_window < 0 || (spec.sliding_window > 0 && arch->sliding_window_period == 0)) {
    return invalid_argument("--sliding-window: " + spec.arch +
                            " has no sliding-window layers (gemma2 and gemma3 have)");
  }
  if (spec.attn_softcap < 0.0f || (spec.attn_softcap > 0.0f && arch->attn_softcap == 0.0f)) {
    return invalid_argument("--attn-softcap: " + spec.arch +
                            " does not soft-cap attention scores (gemma2 does)");
  }
  if (spec.final_softcap < 0.0f || (spec.final_softcap > 0.0f && !arch->reads_final_softcap)) {
    return invalid_argument("--final-softcap: " + spec.arch +
                            " does not soft-cap logits (gemma2 and gemma3 do)");
  }
  if (spec.rope_scale < 0.0f || (spec.rope_scale > 0.0f && encoder)) {
    return invalid_argument("--rope-scale needs a decoder and a positive factor");
  }
  if (!spec.pooling.empty() && spec.pooling != "none" && spec.pooling != "mean" &&
      spec.pooling != "cls" && spec.pooling != "last" && spec.pooling != "rank") {
    return invalid_argument("--pooling '" + spec.pooling +
                            "' is not one of none, mean, cls, last, rank");
  }
  if (spec.pooling == "rank" && !spec.rerank)
    return invalid_argument("--pooling rank needs --rerank (the classification head)");
  if (spec.xlm_roberta && spec.arch != "bert") {
    return invalid_argument("--xlm-roberta is a layout of bert, not of " + spec.arch);
  }
  if (encoder && spec.vocab_from.empty() && !spec.xlm_roberta) {
    return invalid_argument(spec.arch +
                            " needs --vocab-from a WordPiece vocabulary GGUF "
                            "(e.g. ggml-vocab-bert-bge.gguf)");
  }
  constexpr int64_t kMaxDimension = int64_t{1} << 20;
  for (int64_t v : {spec.layers, spec.dim, spec.ffn, spec.heads, spec.head_dim, spec.context}) {
    if (v > kMaxDimension) {
      return invalid_argument("a dimension of " + std::to_string(v) + " exceeds the limit " +
                              std::to_string(kMaxDimension));
    }
  }
  return {};
}

Result<gguf::Writer> build_synthetic_model(const SyntheticSpec& spec, int* fallbacks) {
  TESSERA_RETURN_IF_ERROR(validate(spec));
  gguf::Writer writer;
  writer.set("general.architecture", Value::string(spec.arch));
  writer.set("general.type", Value::string("model"));
  writer.set("general.name", Value::string("tessera-synthetic-" + spec.arch));
  writer.set("general.file_type", Value::u32(llama_file_type(spec.type)));
  if (dtype_traits(spec.type)->quantized) {
    constexpr uint32_t kGgmlQuantizationVersion = 2;
    writer.set("general.quantization_version", Value::u32(kGgmlQuantizationVersion));
  }
  writer.set("tessera.synthetic.seed", Value::u64(spec.seed));

  int64_t vocab = 0;
  if (spec.vocab_from.empty()) {
    vocab = spec.xlm_roberta ? set_unigram_vocabulary(writer) : set_byte_vocabulary(writer);
  } else {
    TESSERA_ASSIGN_OR_RETURN(vocab, copy_vocabulary(spec, writer));
  }
  set_hyperparameters(spec, vocab, writer);
  if (!spec.chat_template.empty()) {
    writer.set("tokenizer.chat_template", Value::string(spec.chat_template));
  }

  const std::vector<TensorPlan> plan =
      is_encoder(spec) ? encoder_plan(spec, vocab) : decoder_plan(spec, vocab);
  int fallback_count = 0;
  for (const TensorPlan& t : plan) {
    DType type = DType::kF32;
    if (is_weight_matrix(t.name, t.dims)) {
      type = storage_type_for_row(spec.type, t.dims[0]);
      if (type != spec.type) ++fallback_count;
    }
    const uint64_t seed = spec.seed;
    auto producer = [seed, t, type]() -> Result<std::vector<uint8_t>> {
      const std::vector<float> values = draw_values(seed, t);
      const auto n = static_cast<int64_t>(values.size());
      std::vector<uint8_t> bytes(static_cast<size_t>(dtype_bytes(type, n)));
      encode_in_parallel(type, values.data(), bytes.data(), n);
      return bytes;
    };
    TESSERA_RETURN_IF_ERROR(writer.add_tensor(t.name, t.dims, type, producer));
  }
  if (fallbacks) *fallbacks = fallback_count;
  return writer;
}

}  // namespace tessera
