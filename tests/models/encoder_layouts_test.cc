// The encoder rows beyond BERT: nomic-bert (RoPE instead of a position table, fused QKV, SwiGLU,
// no projection biases) and bert files in XLM-RoBERTa's layout (one token type, a unigram
// vocabulary): what the loader binds, that the packed batch still equals each sequence alone, and
// that malformed files name the tensor and the expected shape. Numbers against an independent
// implementation: tests/reference/test_bert_forward.py.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "models/bert_model.h"
#include "models/synthetic.h"
#include "testing/host_backend.h"
#include "testing/synthetic_file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

constexpr int64_t kDim = 64;

SyntheticSpec small_nomic() {
  SyntheticSpec spec;
  spec.arch = "nomic-bert";
  spec.layers = 2;
  spec.dim = kDim;
  spec.ffn = 96;
  spec.heads = 4;
  spec.context = 48;
  spec.seed = 3;
  spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
  return spec;
}

SyntheticSpec small_xlm_roberta() {
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.xlm_roberta = true;
  spec.layers = 2;
  spec.dim = kDim;
  spec.heads = 4;
  spec.context = 48;
  spec.seed = 3;
  spec.rerank = true;
  return spec;
}

std::unique_ptr<BertModel> load(const std::string& path) {
  return testing::must(BertModel::load(path, testing::cpu_backend(), testing::unlimited_arena()));
}

// A copy of `path` whose tensors pass through `edit` (which may change the dims and data, or
// return false to drop the tensor).
std::string rewrite(const TempDir& dir, const std::string& path, const std::string& name,
                    const std::function<bool(const gguf::TensorInfo&, std::vector<int64_t>&,
                                             std::vector<uint8_t>&)>& edit) {
  gguf::File file = testing::must(gguf::File::open(path));
  gguf::Writer writer;
  for (const auto& kv : file.metadata()) writer.set(kv.key, kv.value);
  for (const gguf::TensorInfo& t : file.tensors()) {
    std::vector<int64_t> dims = t.dims;
    std::vector<uint8_t> bytes(t.data, t.data + t.size_bytes);
    if (!edit(t, dims, bytes)) continue;
    EXPECT_TRUE(writer.add_tensor(t.name, dims, t.type, std::move(bytes)).ok()) << t.name;
  }
  const std::string out = dir.file(name);
  EXPECT_TRUE(writer.write(out).ok());
  return out;
}

TEST(EncoderLayouts, NomicBertBindsItsRow) {
  TempDir dir;
  std::unique_ptr<BertModel> model =
      load(testing::write_synthetic(dir, small_nomic(), "nomic.gguf"));
  const BertConfig& c = model->config();
  EXPECT_EQ(c.arch, "nomic-bert");
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.context, 48);
  EXPECT_EQ(c.token_types, 2);
  EXPECT_EQ(c.pooling, Pooling::kMean);
  EXPECT_EQ(c.rope.layout, RopeLayout::kNeox);
  EXPECT_EQ(c.rope.n_rot, 16);
  EXPECT_FLOAT_EQ(c.rope.freq_base, 1000.0f);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-12f);
  EXPECT_FALSE(c.rerank_head);
}

TEST(EncoderLayouts, NomicBertPackedBatchEqualsSequencesRunAlone) {
  TempDir dir;
  std::unique_ptr<BertModel> model =
      load(testing::write_synthetic(dir, small_nomic(), "nomic.gguf"));
  const std::vector<std::vector<int32_t>> ids = {
      {101, 7592, 102}, {101, 2023, 2003, 1037, 2146, 6251, 102}, std::vector<int32_t>(48, 1996)};
  std::vector<EncoderSequence> batch;
  for (const std::vector<int32_t>& seq : ids) batch.push_back({seq, {}});
  for (Pooling pooling : {Pooling::kMean, Pooling::kCls, Pooling::kNone}) {
    const EncoderOutput all = testing::must(model->encode(batch, pooling));
    for (size_t s = 0; s < batch.size(); ++s) {
      const EncoderOutput one = testing::must(model->encode({&batch[s], 1}, pooling));
      const auto begin = static_cast<size_t>(all.row_begin[s] * all.width);
      ASSERT_LE(begin + one.rows.size(), all.rows.size());
      for (size_t i = 0; i < one.rows.size(); ++i) {
        ASSERT_NEAR(all.rows[begin + i], one.rows[i], 1e-5f)
            << pooling_name(pooling) << " sequence " << s << " value " << i;
      }
    }
  }
}

TEST(EncoderLayouts, NomicBertRotaryEmbeddingsMakeOrderMatter) {
  // Without positions, attention is permutation-equivariant and a mean would not see the order:
  // RoPE is what tells "a b c" from "c b a".
  TempDir dir;
  std::unique_ptr<BertModel> model =
      load(testing::write_synthetic(dir, small_nomic(), "nomic.gguf"));
  const std::vector<int32_t> forward = {101, 2023, 2003, 1037, 102},
                             backward = {102, 1037, 2003, 2023, 101};
  const EncoderSequence a[] = {{forward, {}}}, b[] = {{backward, {}}};
  const std::vector<float> x = testing::must(model->encode(a, Pooling::kMean)).rows;
  const std::vector<float> y = testing::must(model->encode(b, Pooling::kMean)).rows;
  double diff = 0;
  for (size_t i = 0; i < x.size(); ++i) diff = std::max(diff, std::fabs(double(x[i]) - y[i]));
  EXPECT_GT(diff, 1e-3);
}

TEST(EncoderLayouts, NomicBertMissingTensorIsNamed) {
  TempDir dir;
  const std::string path = rewrite(
      dir, testing::write_synthetic(dir, small_nomic(), "nomic.gguf"), "no-gate.gguf",
      [](const gguf::TensorInfo& t, auto&, auto&) { return t.name != "blk.1.ffn_gate.weight"; });
  Result<std::unique_ptr<BertModel>> model =
      BertModel::load(path, testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  EXPECT_NE(model.status().message().find(
                "no-gate.gguf: missing tensor 'blk.1.ffn_gate.weight' (expected shape [64, 96])"),
            std::string::npos)
      << model.status().message();
}

TEST(EncoderLayouts, NomicBertWrongFusedQkvShapeIsNamed) {
  TempDir dir;
  // Two thirds of the fused rows: a file whose attn_qkv lacks V.
  const std::string path =
      rewrite(dir, testing::write_synthetic(dir, small_nomic(), "nomic.gguf"), "qkv.gguf",
              [](const gguf::TensorInfo& t, std::vector<int64_t>& dims, auto& bytes) {
                if (t.name == "blk.0.attn_qkv.weight") {
                  dims = {kDim, 2 * kDim};
                  bytes.resize(bytes.size() * 2 / 3);
                }
                return true;
              });
  Result<std::unique_ptr<BertModel>> model =
      BertModel::load(path, testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(model.status().message().find(
                "tensor 'blk.0.attn_qkv.weight' has shape [64, 128], expected [64, 192]"),
            std::string::npos)
      << model.status().message();
}

TEST(EncoderLayouts, NomicBertSeparateProjectionsAreNotItsLayout) {
  // A bert file relabelled nomic-bert: the row says fused QKV, so the first missing tensor is it.
  TempDir dir;
  SyntheticSpec bert = small_nomic();
  bert.arch = "bert";
  gguf::Writer writer = testing::must(build_synthetic_model(bert));
  const std::vector<gguf::KeyValue> metadata = writer.metadata();
  for (const gguf::KeyValue& kv : metadata) {
    if (kv.key.rfind("bert.", 0) != 0) continue;
    writer.remove(kv.key);
    writer.set("nomic-" + kv.key, kv.value);
  }
  writer.set("general.architecture", gguf::Value::string("nomic-bert"));
  const std::string path = dir.file("relabelled.gguf");
  ASSERT_TRUE(writer.write(path).ok());
  Result<std::unique_ptr<BertModel>> model =
      BertModel::load(path, testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("missing tensor 'blk.0.attn_qkv.weight'"),
            std::string::npos)
      << model.status().message();
}

TEST(EncoderLayouts, XlmRobertaLayoutLoadsAndScoresFromIds) {
  TempDir dir;
  const std::string path = testing::write_synthetic(dir, small_xlm_roberta(), "xlmr.gguf");
  gguf::File file = testing::must(gguf::File::open(path));
  EXPECT_EQ(*file.get_string("tokenizer.ggml.model"), "t5");
  EXPECT_EQ(*file.get_u64("tokenizer.ggml.token_type_count"), 1u);
  std::unique_ptr<BertModel> model = load(path);
  const BertConfig& c = model->config();
  EXPECT_EQ(c.arch, "bert");
  EXPECT_EQ(c.token_types, 1);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-5f);
  EXPECT_TRUE(c.rerank_head);
  EXPECT_EQ(c.pooling, Pooling::kRank);
  // <s> query </s></s> document </s>, one segment, as llama.cpp frames XLM-RoBERTa pairs.
  const std::vector<int32_t> pair = {0, 30, 31, 2, 2, 40, 41, 42, 2}, other = {0, 30, 2, 2, 50, 2};
  const EncoderSequence batch[] = {{pair, {}}, {other, {}}};
  const EncoderOutput scores = testing::must(model->encode(batch, Pooling::kRank));
  ASSERT_EQ(scores.rows.size(), 2u);
  EXPECT_TRUE(std::isfinite(scores.rows[0]) && std::isfinite(scores.rows[1]));
  EXPECT_NE(scores.rows[0], scores.rows[1]);
  // Segment B does not exist in a one-type model.
  const std::vector<int32_t> types(pair.size(), 1);
  const EncoderSequence typed[] = {{pair, types}};
  Result<EncoderOutput> refused = model->encode(typed, Pooling::kRank);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("not below the 1 types"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace tessera
