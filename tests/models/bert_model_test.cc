// The BERT encoder: loading errors, and the packed batch (sequences of different lengths in one
// step) against the same sequences run alone. Its kernels are tested in
// tests/kernels/encoder_ops_test.cc.
#include "models/bert_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/synthetic.h"
#include "testing/host_backend.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

SyntheticSpec small_bert() {
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.layers = 2;
  spec.dim = 64;
  spec.ffn = 128;
  spec.heads = 4;
  spec.context = 48;
  spec.seed = 3;
  spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
  return spec;
}

std::string write_model(const TempDir& dir, const std::string& name, const SyntheticSpec& spec,
                        const std::function<void(gguf::Writer&)>& edit = nullptr) {
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  if (edit) edit(*writer);
  const std::string path = dir.file(name);
  Status s = writer->write(path);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return path;
}

TEST(BertModel, LoadsConfigAndPooling) {
  TempDir dir;
  SyntheticSpec spec = small_bert();
  spec.pooling = "cls";
  Result<std::unique_ptr<BertModel>> model = BertModel::load(
      write_model(dir, "m.gguf", spec), testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const BertConfig& c = (*model)->config();
  EXPECT_EQ(c.n_layers, 2);
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.context, 48);
  EXPECT_EQ(c.vocab, 30522);
  EXPECT_EQ(c.token_types, 2);
  EXPECT_EQ(c.pooling, Pooling::kCls);
  EXPECT_FALSE(c.rerank_head);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-12f);
}

TEST(BertModel, LoadErrorsNameTheFileAndKey) {
  TempDir dir;
  Result<std::unique_ptr<BertModel>> model = BertModel::load(
      write_model(
          dir, "causal.gguf", small_bert(),
          [](gguf::Writer& w) { w.set("bert.attention.causal", gguf::Value::boolean(true)); }),
      testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(model.status().message().find("causal.gguf: bert.attention.causal"), std::string::npos);

  model = BertModel::load(
      write_model(dir, "pool9.gguf", small_bert(),
                  [](gguf::Writer& w) { w.set("bert.pooling_type", gguf::Value::u32(9)); }),
      testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("bert.pooling_type = 9"), std::string::npos);

  model = BertModel::load(
      write_model(dir, "rank.gguf", small_bert(),
                  [](gguf::Writer& w) { w.set("bert.pooling_type", gguf::Value::u32(4)); }),
      testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("cls.output.weight"), std::string::npos);

  model =
      BertModel::load(write_model(dir, "nohead.gguf", small_bert(),
                                  [](gguf::Writer& w) { w.remove("bert.attention.head_count"); }),
                      testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("bert.attention.head_count"), std::string::npos);

  SyntheticSpec llama;
  model = BertModel::load(write_model(dir, "llama.gguf", llama), testing::cpu_backend(),
                          testing::unlimited_arena());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(model.status().message().find("'llama'"), std::string::npos);
}

TEST(BertModel, PackedBatchEqualsSequencesRunAlone) {
  TempDir dir;
  SyntheticSpec spec = small_bert();
  spec.rerank = true;
  Result<std::unique_ptr<BertModel>> model = BertModel::load(
      write_model(dir, "r.gguf", spec), testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const std::vector<std::vector<int32_t>> ids = {
      {101, 7592, 102},
      {101, 2023, 2003, 1037, 2146, 6251, 102, 2007, 102},
      {101, 102},
      std::vector<int32_t>(48, 1996)};
  const std::vector<std::vector<int32_t>> types = {
      {}, {0, 0, 0, 0, 0, 0, 0, 1, 1}, {0, 0}, std::vector<int32_t>(48, 1)};
  std::vector<EncoderSequence> batch;
  for (size_t i = 0; i < ids.size(); ++i) batch.push_back({ids[i], types[i]});
  for (Pooling pooling :
       {Pooling::kMean, Pooling::kCls, Pooling::kLast, Pooling::kNone, Pooling::kRank}) {
    Result<EncoderOutput> all = (*model)->encode(batch, pooling);
    ASSERT_TRUE(all.ok()) << all.status().to_string();
    EXPECT_EQ(all->width, pooling == Pooling::kRank ? 1 : 64);
    for (size_t s = 0; s < batch.size(); ++s) {
      Result<EncoderOutput> one = (*model)->encode({&batch[s], 1}, pooling);
      ASSERT_TRUE(one.ok());
      const auto begin = static_cast<size_t>(all->row_begin[s] * all->width);
      ASSERT_LE(begin + one->rows.size(), all->rows.size());
      for (size_t i = 0; i < one->rows.size(); ++i) {
        ASSERT_NEAR(all->rows[begin + i], one->rows[i], 1e-5f)
            << pooling_name(pooling) << " sequence " << s << " value " << i;
      }
    }
  }
}

TEST(BertModel, BadBatchesAreRejectedNamingTheSequence) {
  TempDir dir;
  Result<std::unique_ptr<BertModel>> model = BertModel::load(
      write_model(dir, "m.gguf", small_bert()), testing::cpu_backend(), testing::unlimited_arena());
  ASSERT_TRUE(model.ok());
  auto error = [&](const std::vector<EncoderSequence>& batch, Pooling pooling) {
    Result<EncoderOutput> r = (*model)->encode(batch, pooling);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  const std::vector<int32_t> ok = {101, 102}, empty, too_long(49, 1996), bad_id = {101, 30522};
  const std::vector<int32_t> bad_type = {0, 2};
  EXPECT_NE(error({}, Pooling::kMean).find("no sequences"), std::string::npos);
  EXPECT_NE(error({{ok, {}}, {empty, {}}}, Pooling::kMean).find("sequence 1 is empty"),
            std::string::npos);
  EXPECT_NE(error({{too_long, {}}}, Pooling::kMean).find("context of 48"), std::string::npos);
  EXPECT_NE(error({{bad_id, {}}}, Pooling::kMean).find("token id 30522"), std::string::npos);
  EXPECT_NE(error({{ok, bad_type}}, Pooling::kMean).find("token type 2"), std::string::npos);
  EXPECT_NE(error({{ok, {}}}, Pooling::kRank).find("no reranker head"), std::string::npos);
}

}  // namespace
}  // namespace tessera
