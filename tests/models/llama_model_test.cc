#include "models/llama_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/synthetic.h"
#include "testing/host_backend.h"
#include "testing/synthetic_file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

std::string pack(const TempDir& dir, const SyntheticSpec& spec) {
  return testing::write_synthetic(dir, spec, "m.gguf");
}

SyntheticSpec small_spec(const std::string& arch) {
  SyntheticSpec spec;
  spec.arch = arch;
  spec.layers = 2;
  spec.dim = 64;
  spec.ffn = 96;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.context = 64;
  return spec;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// Batching must not change results: a prompt run as one batch, token by token, or interleaved with
// another sequence in the same steps gives the same logits.
TEST(LlamaModelTest, BatchedMultiSequenceForwardEqualsSequentialForward) {
  for (const char* arch : {"llama", "qwen2"}) {
    TempDir dir;
    Result<std::unique_ptr<LlamaModel>> model = LlamaModel::load(
        pack(dir, small_spec(arch)), testing::cpu_backend(), testing::unlimited_arena());
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    const std::vector<int32_t> a = {5, 17, 200, 3, 99, 42, 7};
    const std::vector<int32_t> b = {11, 12, 13};

    KvCache c1 = testing::must((*model)->make_cache());
    std::vector<float> one_batch;
    std::vector<BatchToken> batch;
    for (size_t p = 0; p < a.size(); ++p) batch.push_back({a[p], 0, int64_t(p), true});
    ASSERT_TRUE((*model)->forward(batch, c1, one_batch).ok());

    KvCache c2 = testing::must((*model)->make_cache());
    std::vector<float> stepwise;
    for (size_t p = 0; p < a.size(); ++p) {
      const BatchToken t{a[p], 0, int64_t(p), true};
      ASSERT_TRUE((*model)->forward({&t, 1}, c2, stepwise).ok());
    }
    EXPECT_LT(max_abs_diff(one_batch, stepwise), 1e-4f) << arch;

    // Sequence 3 (b) prefilled together with the first tokens of sequence 0, then decoded together.
    KvCache c3 = testing::must((*model)->make_cache());
    std::vector<float> mixed;
    std::vector<BatchToken> step1 = {{a[0], 0, 0, true},
                                     {b[0], 3, 0, false},
                                     {a[1], 0, 1, true},
                                     {b[1], 3, 1, false},
                                     {b[2], 3, 2, false}};
    ASSERT_TRUE((*model)->forward(step1, c3, mixed).ok());
    for (size_t p = 2; p < a.size(); ++p) {
      std::vector<BatchToken> step = {{b[0], 3, int64_t(p + 1), false},
                                      {a[p], 0, int64_t(p), true}};
      ASSERT_TRUE((*model)->forward(step, c3, mixed).ok());
    }
    EXPECT_LT(max_abs_diff(one_batch, mixed), 1e-4f) << arch;
  }
}

TEST(LlamaModelTest, BadBatchesAreRejected) {
  TempDir dir;
  Result<std::unique_ptr<LlamaModel>> model = LlamaModel::load(
      pack(dir, small_spec("llama")), testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_TRUE(model.ok());
  KvCache cache = testing::must((*model)->make_cache());
  std::vector<float> logits;
  const BatchToken past_context{1, 0, 64, true};
  Status s = (*model)->forward({&past_context, 1}, cache, logits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("outside the context of 64"), std::string::npos);
  const BatchToken bad_id{259, 0, 0, true};  // the byte vocabulary has 259 tokens
  EXPECT_NE((*model)->forward({&bad_id, 1}, cache, logits).message().find("outside the vocabulary"),
            std::string::npos);
  const BatchToken backwards[] = {{1, 0, 5, true}, {1, 0, 4, true}};
  EXPECT_FALSE((*model)->forward(backwards, cache, logits).ok());
}

TEST(LlamaModelTest, UnknownArchitectureListsSupportedOnes) {
  TempDir dir;
  SyntheticSpec spec = small_spec("bert");
  spec.kv_heads = 0;
  spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
  Result<std::unique_ptr<LlamaModel>> model =
      LlamaModel::load(pack(dir, spec), testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("architecture 'bert'"), std::string::npos);
  EXPECT_NE(
      model.status().message().find(
          "is an encoder, not a decoder (decoders: llama, qwen2, qwen3, gemma2, gemma3, phi3)"),
      std::string::npos)
      << model.status().message();
}

TEST(LlamaModelTest, MissingTensorIsNamed) {
  TempDir dir;
  const std::string full = pack(dir, small_spec("llama"));
  Result<gguf::File> file = gguf::File::open(full);
  ASSERT_TRUE(file.ok());
  // Rewrite the model without one tensor.
  gguf::Writer writer;
  for (const auto& kv : file->metadata()) writer.set(kv.key, kv.value);
  for (const auto& t : file->tensors()) {
    if (t.name == "blk.1.ffn_up.weight") continue;
    ASSERT_TRUE(
        writer
            .add_tensor(t.name, t.dims, t.type, std::vector<uint8_t>(t.data, t.data + t.size_bytes))
            .ok());
  }
  ASSERT_TRUE(writer.write(dir.file("broken.gguf")).ok());
  Result<std::unique_ptr<LlamaModel>> model =
      LlamaModel::load(dir.file("broken.gguf"), testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("missing tensor 'blk.1.ffn_up.weight'"),
            std::string::npos)
      << model.status().message();
}

}  // namespace
}  // namespace tessera
