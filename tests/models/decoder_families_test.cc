// What the gemma2, gemma3 and phi3 rows change in config and load: sliding-window layers and their
// RoPE, soft-caps, the embedding and query scales, fused projections as row ranges, LongRoPE's
// choice of factors; and the errors a malformed file of these families gets. The forward passes
// themselves are checked against the NumPy oracle (tests/reference/test_llama_forward.py).
#include <gtest/gtest.h>

#include <cmath>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "models/llama_config.h"
#include "models/llama_model.h"
#include "models/synthetic.h"
#include "testing/edited_gguf.h"
#include "testing/host_backend.h"
#include "testing/synthetic_file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::edited_gguf;
using testing::TempDir;

SyntheticSpec family(const std::string& arch, int64_t layers = 2) {
  SyntheticSpec spec;
  spec.arch = arch;
  spec.layers = layers;
  spec.dim = 64;
  spec.ffn = 96;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.head_dim = arch == "phi3" ? 0 : 32;  // gemma's head size is its own (q is 128 wide)
  spec.context = 64;
  return spec;
}

LlamaConfig config_of(const std::string& path) {
  Result<gguf::File> file = gguf::File::open(path);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  Result<LlamaConfig> config = load_llama_config(*file);
  EXPECT_TRUE(config.ok()) << config.status().to_string();
  return config.ok() ? *config : LlamaConfig{};
}

TEST(DecoderFamilies, Gemma2ReadsItsWindowsCapsAndScales) {
  TempDir dir;
  SyntheticSpec spec = family("gemma2", 4);
  spec.sliding_window = 8;
  const LlamaConfig c = config_of(testing::write_synthetic(dir, spec, "g2.gguf"));
  EXPECT_FLOAT_EQ(c.embedding_scale, 8.0f);  // sqrt(64)
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_EQ(c.attention_scale, 0.0f);  // 1/sqrt(head_dim): not the 46-layer 27B
  EXPECT_FLOAT_EQ(c.attn_softcap, 50.0f);
  EXPECT_FLOAT_EQ(c.final_softcap, 30.0f);
  EXPECT_EQ(c.sliding_window, 8);
  // Every other layer is local, starting with the first; all share one RoPE.
  EXPECT_TRUE(c.local_layer(0));
  EXPECT_FALSE(c.local_layer(1));
  EXPECT_TRUE(c.local_layer(2));
  EXPECT_FALSE(c.local_layer(3));
  EXPECT_EQ(c.rope_local.freq_base, c.rope.freq_base);

  // The 27B (46 layers) scales queries by 1/sqrt(dim / heads) = 1/4, not 1/sqrt(32).
  SyntheticSpec deep = family("gemma2", 46);
  deep.dim = 64;
  const LlamaConfig d = config_of(testing::write_synthetic(dir, deep, "g2-27b.gguf"));
  EXPECT_FLOAT_EQ(d.attention_scale, 0.25f);
}

TEST(DecoderFamilies, Gemma3LocalLayersRotateWithTheirOwnBase) {
  TempDir dir;
  SyntheticSpec spec = family("gemma3", 7);
  spec.rope_scale = 8.0f;
  const LlamaConfig c = config_of(testing::write_synthetic(dir, spec, "g3.gguf"));
  EXPECT_TRUE(c.qk_norm);
  EXPECT_EQ(c.attn_softcap, 0.0f);
  EXPECT_EQ(c.final_softcap, 0.0f);  // gemma 3 caps logits only when the file says so
  EXPECT_EQ(c.sliding_window, 1024);
  for (int64_t l = 0; l < 7; ++l) EXPECT_EQ(c.local_layer(l), l != 5) << "layer " << l;
  EXPECT_FLOAT_EQ(c.rope.freq_base, 1e6f);
  EXPECT_FLOAT_EQ(c.rope.freq_scale, 1.0f / 8.0f);
  EXPECT_FLOAT_EQ(c.rope_local.freq_base, 1e4f);
  EXPECT_FLOAT_EQ(c.rope_local.freq_scale, 1.0f);

  // A file without a window has no local layers (as llama.cpp reads gemma 3).
  const std::string path = testing::write_synthetic(dir, spec, "g3b.gguf");
  const LlamaConfig global =
      config_of(edited_gguf(dir, path, {.edit_key = [](const std::string& key, gguf::Value&) {
                              return key != "gemma3.attention.sliding_window";
                            }}));
  EXPECT_FALSE(global.local_layer(0));
}

TEST(DecoderFamilies, SlidingWindowPatternOverridesThePeriod) {
  TempDir dir;
  const std::string path = testing::write_synthetic(dir, family("gemma3", 6), "g3.gguf");
  const LlamaConfig c = config_of(edited_gguf(
      dir, path, {.add_keys = {{"gemma3.attention.sliding_window_pattern", gguf::Value::u32(3)}}}));
  for (int64_t l = 0; l < 6; ++l) EXPECT_EQ(c.local_layer(l), l % 3 != 2) << "layer " << l;

  Result<gguf::File> per_layer = gguf::File::open(edited_gguf(
      dir, path,
      {.add_keys = {{"gemma3.attention.sliding_window_pattern",
                     gguf::Value::array(gguf::ValueType::kBool, {gguf::Value::boolean(true),
                                                                 gguf::Value::boolean(false)})}}}));
  ASSERT_TRUE(per_layer.ok());
  const Result<LlamaConfig> refused = load_llama_config(*per_layer);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(refused.status().message().find("sliding_window_pattern"), std::string::npos)
      << refused.status().message();
}

TEST(DecoderFamilies, ImplausibleCapsAndFactorsAreRefusedNamingTheKey) {
  TempDir dir;
  const std::string gemma = testing::write_synthetic(dir, family("gemma2"), "g2.gguf");
  SyntheticSpec phi = family("phi3");
  phi.long_rope = true;
  const std::string phi3 = testing::write_synthetic(dir, phi, "p3.gguf");
  const struct {
    const std::string* path;
    std::string key;
    gguf::Value value;
  } cases[] = {
      {&gemma, "gemma2.attn_logit_softcapping", gguf::Value::f32(std::nanf(""))},
      {&gemma, "gemma2.final_logit_softcapping", gguf::Value::f32(-30.0f)},
      {&gemma, "gemma2.final_logit_softcapping", gguf::Value::f32(0.0f)},
      {&phi3, "phi3.rope.scaling.attn_factor", gguf::Value::f32(INFINITY)},
      {&phi3, "phi3.rope.scaling.original_context_length", gguf::Value::u32(0)},
  };
  for (const auto& c : cases) {
    Result<gguf::File> file =
        gguf::File::open(testing::with_metadata(dir, *c.path, c.key, c.value));
    ASSERT_TRUE(file.ok());
    const Result<LlamaConfig> config = load_llama_config(*file);
    ASSERT_FALSE(config.ok()) << c.key;
    EXPECT_NE(config.status().message().find(c.key), std::string::npos)
        << config.status().message();
  }
}

TEST(DecoderFamilies, Phi3SplitsFusedProjectionsIntoRowRanges) {
  TempDir dir;
  const std::string path = testing::write_synthetic(dir, family("phi3"), "p3.gguf");
  std::unique_ptr<LlamaModel> model =
      testing::must(LlamaModel::load(path, testing::cpu_backend(), testing::unlimited_arena()));
  const gguf::TensorInfo* qkv = model->file().find_tensor("blk.1.attn_qkv.weight");
  const gguf::TensorInfo* gate_up = model->file().find_tensor("blk.1.ffn_up.weight");
  ASSERT_NE(qkv, nullptr);
  ASSERT_NE(gate_up, nullptr);
  EXPECT_EQ(qkv->dims, (std::vector<int64_t>{64, 64 + 2 * 32}));
  EXPECT_EQ(gate_up->dims, (std::vector<int64_t>{64, 2 * 96}));
  // Logits are finite and the model runs a decode step after a prefill.
  KvCache cache = testing::must(model->make_cache(1));
  std::vector<float> logits;
  std::vector<BatchToken> batch;
  for (int32_t i = 0; i < 6; ++i) batch.push_back({3 + i, 0, i, i == 5});
  ASSERT_TRUE(model->forward(batch, cache, logits).ok());
  const BatchToken step{9, 0, 6, true};
  ASSERT_TRUE(model->forward({&step, 1}, cache, logits).ok());
  ASSERT_EQ(logits.size(), 2 * static_cast<size_t>(model->config().vocab));
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

TEST(DecoderFamilies, LongRopeFactorsFollowTheInstanceContext) {
  TempDir dir;
  SyntheticSpec spec = family("phi3");
  spec.long_rope = true;  // original context 64 / 4 = 16
  const std::string path = testing::write_synthetic(dir, spec, "p3.gguf");
  const LlamaConfig c = config_of(path);
  EXPECT_EQ(c.rope_original_context, 16);
  EXPECT_NEAR(c.rope.attn_factor, std::sqrt(1.0 + std::log(4.0) / std::log(16.0)), 1e-6);
  const auto factors_at = [&](int64_t context) {
    std::unique_ptr<LlamaModel> model = testing::must(LlamaModel::load(
        path, testing::cpu_backend(), testing::unlimited_arena(), {.context = context}));
    const float* f = model->config().rope.freq_factors;
    return f == nullptr ? -1.0f : f[7];  // the last of 8 pairs: 1.1 short, 40 long
  };
  EXPECT_FLOAT_EQ(factors_at(16), 1.1f);
  EXPECT_FLOAT_EQ(factors_at(17), 40.0f);
  EXPECT_FLOAT_EQ(factors_at(0), 40.0f);  // the model's context, 64
}

TEST(DecoderFamilies, MissingOrMisshapenTensorsAreNamed) {
  TempDir dir;
  const std::string gemma = testing::write_synthetic(dir, family("gemma2"), "g2.gguf");
  Result<std::unique_ptr<LlamaModel>> missing = LlamaModel::load(
      edited_gguf(
          dir, gemma,
          {.keep_tensor =
               [](const std::string& name) { return name != "blk.1.post_ffw_norm.weight"; }}),
      testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing tensor 'blk.1.post_ffw_norm.weight'"),
            std::string::npos)
      << missing.status().message();

  // A phi3 file whose fused QKV lacks the V rows: the tensor and the expected shape are named.
  const std::string phi3 = testing::write_synthetic(dir, family("phi3"), "p3.gguf");
  Result<gguf::File> file = gguf::File::open(phi3);
  ASSERT_TRUE(file.ok());
  gguf::Writer writer;
  for (const auto& kv : file->metadata()) writer.set(kv.key, kv.value);
  for (const auto& t : file->tensors()) {
    std::vector<int64_t> dims = t.dims;
    uint64_t bytes = t.size_bytes;
    if (t.name == "blk.0.attn_qkv.weight") {
      dims[1] = 64 + 32;
      bytes = bytes * 96 / 128;
    }
    ASSERT_TRUE(
        writer.add_tensor(t.name, dims, t.type, std::vector<uint8_t>(t.data, t.data + bytes)).ok());
  }
  const std::string short_qkv = dir.file("short.gguf");
  ASSERT_TRUE(writer.write(short_qkv).ok());
  Result<std::unique_ptr<LlamaModel>> misshapen =
      LlamaModel::load(short_qkv, testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(misshapen.ok());
  EXPECT_NE(misshapen.status().message().find(
                "tensor 'blk.0.attn_qkv.weight' has shape [64, 96], expected [64, 128]"),
            std::string::npos)
      << misshapen.status().message();
}

}  // namespace
}  // namespace tessera
