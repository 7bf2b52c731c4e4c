// The architecture table: lookups and messages, the tensor layout each row implies, and what the
// rows change in config, pack and load (qwen3's head size and QK-norm, llama 3's rope factors).
#include "models/architecture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "models/encoder_tensors.h"
#include "models/llama_config.h"
#include "models/llama_model.h"
#include "models/synthetic.h"
#include "testing/edited_gguf.h"
#include "testing/host_backend.h"
#include "testing/synthetic_file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

TEST(Architecture, LookupsAndNames) {
  ASSERT_NE(find_architecture("qwen3"), nullptr);
  EXPECT_TRUE(find_architecture("qwen3")->qk_norm);
  EXPECT_EQ(find_architecture("mamba"), nullptr);
  EXPECT_EQ(find_hf_architecture("mistral"), find_architecture("llama"));
  EXPECT_EQ(find_hf_architecture("xlm-roberta"), find_architecture("bert"));
  EXPECT_EQ(architecture_names(ModelFamily::kDecoder), "llama, qwen2, qwen3, gemma2, gemma3, phi3");
  EXPECT_EQ(architecture_names(ModelFamily::kEncoder), "bert, nomic-bert");
  EXPECT_EQ(find_hf_architecture("nomic_bert"), find_architecture("nomic-bert"));
}

TEST(Architecture, UnsupportedOnesAreNamedWithTheSupportedList) {
  Result<const Architecture*> unknown =
      require_architecture("mamba", ModelFamily::kDecoder, "m.gguf");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(unknown.status().message(),
            "m.gguf: architecture 'mamba' is not supported (supported: llama, qwen2, qwen3, "
            "gemma2, gemma3, phi3, bert, nomic-bert)");
  Result<const Architecture*> family =
      require_architecture("qwen3", ModelFamily::kEncoder, "m.gguf");
  ASSERT_FALSE(family.ok());
  EXPECT_NE(family.status().message().find("is a decoder, not an encoder"), std::string::npos)
      << family.status().message();
}

const DecoderTensorSlot* slot(const std::vector<DecoderTensorSlot>& slots,
                              const std::string& name) {
  const auto it = std::find_if(slots.begin(), slots.end(),
                               [&](const DecoderTensorSlot& s) { return s.name == name; });
  return it == slots.end() ? nullptr : &*it;
}

TEST(Architecture, DecoderLayoutFollowsTheRow) {
  // Qwen3-0.6B's shape: 1024 wide, 16 heads of 128 (q is 2048 wide), 8 KV heads.
  const DecoderShape shape{.layers = 2,
                           .dim = 1024,
                           .n_heads = 16,
                           .n_kv_heads = 8,
                           .head_dim = 128,
                           .ffn = 3072,
                           .vocab = 1000,
                           .n_rot = 128};
  const std::vector<DecoderTensorSlot> qwen3 = decoder_tensors(*find_architecture("qwen3"), shape);
  ASSERT_NE(slot(qwen3, "blk.1.attn_q.weight"), nullptr);
  EXPECT_EQ(slot(qwen3, "blk.1.attn_q.weight")->dims, (std::vector<int64_t>{1024, 2048}));
  EXPECT_EQ(slot(qwen3, "blk.1.attn_k.weight")->dims, (std::vector<int64_t>{1024, 1024}));
  EXPECT_EQ(slot(qwen3, "blk.1.attn_output.weight")->dims, (std::vector<int64_t>{2048, 1024}));
  ASSERT_NE(slot(qwen3, "blk.0.attn_q_norm.weight"), nullptr);
  EXPECT_EQ(slot(qwen3, "blk.0.attn_k_norm.weight")->dims, (std::vector<int64_t>{128}));
  EXPECT_EQ(slot(qwen3, "blk.0.attn_q.bias"), nullptr);
  EXPECT_TRUE(slot(qwen3, "output.weight")->optional);
  EXPECT_EQ(slot(qwen3, "rope_freqs.weight")->dims, (std::vector<int64_t>{64}));

  const std::vector<DecoderTensorSlot> qwen2 = decoder_tensors(*find_architecture("qwen2"), shape);
  EXPECT_NE(slot(qwen2, "blk.0.attn_q.bias"), nullptr);
  EXPECT_EQ(slot(qwen2, "blk.0.attn_q_norm.weight"), nullptr);
}

const EncoderTensorSlot* slot(const std::vector<EncoderTensorSlot>& slots,
                              const std::string& name) {
  const auto it = std::find_if(slots.begin(), slots.end(),
                               [&](const EncoderTensorSlot& s) { return s.name == name; });
  return it == slots.end() ? nullptr : &*it;
}

TEST(Architecture, EncoderLayoutFollowsTheRow) {
  // nomic-embed-text v1.5's shape.
  const EncoderShape shape{.layers = 12,
                           .dim = 768,
                           .ffn = 3072,
                           .vocab = 30528,
                           .context = 2048,
                           .token_types = 2,
                           .rerank_outputs = 0};
  const Architecture& nomic_row = *find_architecture("nomic-bert");
  EXPECT_EQ(nomic_row.family, ModelFamily::kEncoder);
  EXPECT_EQ(nomic_row.rope_layout, RopeLayout::kNeox);
  EXPECT_FLOAT_EQ(nomic_row.rope_base, 1000.0f);
  const std::vector<EncoderTensorSlot> nomic = encoder_tensors(nomic_row, shape);
  ASSERT_NE(slot(nomic, "blk.11.attn_qkv.weight"), nullptr);
  EXPECT_EQ(slot(nomic, "blk.11.attn_qkv.weight")->dims, (std::vector<int64_t>{768, 2304}));
  EXPECT_EQ(slot(nomic, "blk.0.ffn_gate.weight")->dims, (std::vector<int64_t>{768, 3072}));
  EXPECT_EQ(slot(nomic, "blk.0.ffn_down.weight")->dims, (std::vector<int64_t>{3072, 768}));
  EXPECT_EQ(slot(nomic, "blk.0.layer_output_norm.bias")->dims, (std::vector<int64_t>{768}));
  for (const char* absent : {"position_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_qkv.bias",
                             "blk.0.attn_output.bias", "blk.0.ffn_up.bias", "cls.output.weight"}) {
    EXPECT_EQ(slot(nomic, absent), nullptr) << absent;
  }
  // 12 blocks of qkv, output, two norms with biases, up, gate, down; 5 tensors outside.
  EXPECT_EQ(nomic.size(), 12u * 9 + 4);
  // 137M parameters, as Nomic's model card says.
  int64_t params = 0;
  for (const EncoderTensorSlot& s : nomic) {
    int64_t n = 1;
    for (int64_t d : s.dims) n *= d;
    params += n;
  }
  EXPECT_NEAR(static_cast<double>(params) / 1e6, 137, 1);

  const std::vector<EncoderTensorSlot> bert =
      encoder_tensors(*find_architecture("bert"), {.layers = 1,
                                                   .dim = 32,
                                                   .ffn = 64,
                                                   .vocab = 100,
                                                   .context = 16,
                                                   .token_types = 1,
                                                   .rerank_outputs = 1});
  std::vector<std::string> names;
  for (const EncoderTensorSlot& s : bert) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"token_embd.weight",
                                             "token_types.weight",
                                             "position_embd.weight",
                                             "token_embd_norm.weight",
                                             "token_embd_norm.bias",
                                             "blk.0.attn_q.weight",
                                             "blk.0.attn_q.bias",
                                             "blk.0.attn_k.weight",
                                             "blk.0.attn_k.bias",
                                             "blk.0.attn_v.weight",
                                             "blk.0.attn_v.bias",
                                             "blk.0.attn_output.weight",
                                             "blk.0.attn_output.bias",
                                             "blk.0.attn_output_norm.weight",
                                             "blk.0.attn_output_norm.bias",
                                             "blk.0.ffn_up.weight",
                                             "blk.0.ffn_up.bias",
                                             "blk.0.ffn_down.weight",
                                             "blk.0.ffn_down.bias",
                                             "blk.0.layer_output_norm.weight",
                                             "blk.0.layer_output_norm.bias",
                                             "cls.weight",
                                             "cls.bias",
                                             "cls.output.weight",
                                             "cls.output.bias"}));
  EXPECT_EQ(slot(bert, "token_types.weight")->dims, (std::vector<int64_t>{32, 1}));
  EXPECT_TRUE(slot(bert, "cls.weight")->optional);
}

SyntheticSpec qwen3_spec() {
  SyntheticSpec spec;
  spec.arch = "qwen3";
  spec.layers = 2;
  spec.dim = 64;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.head_dim = 32;  // q is 128 wide, twice the model width
  spec.ffn = 96;
  spec.context = 64;
  return spec;
}

TEST(Architecture, Qwen3LoadsWithItsOwnHeadSizeAndRuns) {
  TempDir dir;
  const std::string path = testing::write_synthetic(dir, qwen3_spec(), "q3.gguf");
  Result<gguf::File> file = gguf::File::open(path);
  ASSERT_TRUE(file.ok());
  Result<LlamaConfig> config = load_llama_config(*file);
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->head_dim, 32);
  EXPECT_EQ(config->q_dim(), 128);
  EXPECT_TRUE(config->qk_norm);
  EXPECT_EQ(config->rope.layout, RopeLayout::kNeox);

  Result<std::unique_ptr<LlamaModel>> model =
      LlamaModel::load(path, testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  Result<KvCache> cache = (*model)->make_cache(1);
  ASSERT_TRUE(cache.ok()) << cache.status().to_string();
  std::vector<BatchToken> batch;
  for (int32_t i = 0; i < 5; ++i)
    batch.push_back({.token = 3 + i, .seq = 0, .pos = i, .want_logits = true});
  std::vector<float> logits;
  ASSERT_TRUE((*model)->forward(batch, *cache, logits).ok());
  ASSERT_FALSE(logits.empty());
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

TEST(Architecture, Llama3RopeWritesFrequencyFactors) {
  TempDir dir;
  SyntheticSpec spec;
  spec.layers = 1;
  spec.dim = 64;
  spec.heads = 2;  // head size 32: 16 factors
  spec.llama3_rope = true;
  Result<gguf::File> file = gguf::File::open(testing::write_synthetic(dir, spec, "l3.gguf"));
  ASSERT_TRUE(file.ok());
  const gguf::TensorInfo* t = file->find_tensor("rope_freqs.weight");
  ASSERT_NE(t, nullptr);
  const std::vector<float> f = gguf::dequantize(*t);
  ASSERT_EQ(f.size(), 16u);
  // Short wavelengths keep their frequency, the longest are slowed by the full factor 8, and the
  // blend between is monotonic.
  EXPECT_FLOAT_EQ(f.front(), 1.0f);
  EXPECT_FLOAT_EQ(f.back(), 8.0f);
  EXPECT_TRUE(std::is_sorted(f.begin(), f.end()));
}

TEST(Architecture, ImplausibleHyperparametersAreRefused) {
  TempDir dir;
  SyntheticSpec spec;
  spec.layers = 1;
  const std::string path = testing::write_synthetic(dir, spec, "m.gguf");
  const struct {
    std::string key;
    gguf::Value value;
    std::string expected;
  } cases[] = {
      {"llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(std::nanf("")),
       "layer_norm_rms_epsilon"},
      {"llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(-1e-5f), "not in (0, 1)"},
      {"llama.rope.freq_base", gguf::Value::f32(INFINITY), "rope.freq_base"},
      {"llama.rope.freq_base", gguf::Value::f32(0.0f), "not a RoPE base"},
      {"general.architecture", gguf::Value::string("mamba"),
       "supported: llama, qwen2, qwen3, gemma2, gemma3, phi3"},
  };
  for (const auto& c : cases) {
    Result<gguf::File> file = gguf::File::open(testing::with_metadata(dir, path, c.key, c.value));
    ASSERT_TRUE(file.ok());
    Result<LlamaConfig> config = load_llama_config(*file);
    ASSERT_FALSE(config.ok()) << c.key;
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << config.status().message();
  }
}

TEST(Architecture, PackRefusesFlagsTheRowDoesNotTake) {
  SyntheticSpec spec;
  spec.arch = "gemma9";
  EXPECT_NE(validate(spec).message().find("expected llama, qwen2, qwen3, gemma2, gemma3, phi3"),
            std::string::npos)
      << validate(spec).message();
  spec = qwen3_spec();
  spec.long_rope = true;
  EXPECT_NE(validate(spec).message().find("--long-rope: qwen3 has no LongRoPE"), std::string::npos)
      << validate(spec).message();
  spec = qwen3_spec();
  spec.sliding_window = 16;
  EXPECT_NE(validate(spec).message().find("--sliding-window: qwen3"), std::string::npos);
  spec.arch = "gemma3";
  spec.attn_softcap = 10.0f;
  EXPECT_NE(validate(spec).message().find("--attn-softcap: gemma3"), std::string::npos);
  spec.arch = "bert";
  spec.head_dim = 32;
  EXPECT_FALSE(validate(spec).ok());
  spec = qwen3_spec();
  spec.head_dim = 7;
  EXPECT_NE(validate(spec).message().find("must be even"), std::string::npos);
}

}  // namespace
}  // namespace tessera
