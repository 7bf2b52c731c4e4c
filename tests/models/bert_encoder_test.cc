// The encode pipeline (runtime/encode.h) over synthetic BERT models: framing and segment ids,
// truncation and its refusal, pooling choice, normalization, packing into steps, and the errors
// for bad requests.
#include <gtest/gtest.h>

#include <cmath>

#include "models/synthetic.h"
#include "runtime/encode.h"
#include "testing/host_backend.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

constexpr int64_t kContext = 32;

std::string write_model(const TempDir& dir, const std::string& name, const std::string& pooling,
                        bool rerank, bool drop_pooling = false) {
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.layers = 2;
  spec.dim = 32;
  spec.ffn = 64;
  spec.heads = 2;
  spec.context = kContext;
  spec.rerank = rerank;
  spec.pooling = pooling;
  spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  if (drop_pooling) writer->remove("bert.pooling_type");
  const std::string path = dir.file(name);
  EXPECT_TRUE(writer->write(path).ok());
  return path;
}

std::unique_ptr<Encoder> load(const std::string& path) {
  Result<std::unique_ptr<Encoder>> encoder =
      Encoder::load(path, testing::cpu_backend(), testing::unlimited_arena());
  EXPECT_TRUE(encoder.ok()) << encoder.status().to_string();
  return encoder.ok() ? std::move(*encoder) : nullptr;
}

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

const std::string kLong =
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three";

TEST(EncodePipeline, FramesTextsAndPairs) {
  TempDir dir;
  std::unique_ptr<Encoder> enc = load(write_model(dir, "r.gguf", "", true));
  ASSERT_TRUE(enc);
  EncodeOptions options;
  Result<FramedInput> text = enc->frame_text("Hello world", 0, options);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->tokens, (std::vector<int32_t>{101, 7592, 2088, 102}));
  EXPECT_EQ(text->token_types, (std::vector<int32_t>{0, 0, 0, 0}));

  const std::vector<int32_t> query = {7592};  // "hello"
  Result<FramedInput> pair = enc->frame_pair(query, "world!", 0, options);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->tokens, (std::vector<int32_t>{101, 7592, 102, 2088, 999, 102}));
  EXPECT_EQ(pair->token_types, (std::vector<int32_t>{0, 0, 0, 1, 1, 1}));
}

// XLM-RoBERTa rerankers (bge-reranker-v2-m3) ask for an end token and a separator between a pair's
// parts, as RoBERTa's post-processor does and llama.cpp frames them: <s> q </s></s> d </s>.
TEST(EncodePipeline, RobertaStyleVocabulariesPutTwoSeparatorsBetweenPairs) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.layers = 1;
  spec.dim = 32;
  spec.heads = 2;
  spec.context = kContext;
  spec.rerank = true;
  spec.xlm_roberta = true;
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  ASSERT_TRUE(writer.ok()) << writer.status().to_string();
  const std::string path = dir.file("xlmr.gguf");
  ASSERT_TRUE(writer->write(path).ok());
  std::unique_ptr<Encoder> enc = load(path);
  ASSERT_TRUE(enc);
  const std::vector<int32_t> query = enc->tokenizer().encode("what is a panda", false, false);
  const std::vector<int32_t> doc = enc->tokenizer().encode("hello world", false, false);
  ASSERT_FALSE(query.empty());
  ASSERT_FALSE(doc.empty());
  EncodeOptions options;
  Result<FramedInput> pair = enc->frame_pair(query, "hello world", 0, options);
  ASSERT_TRUE(pair.ok()) << pair.status().to_string();
  std::vector<int32_t> want = {0};
  want.insert(want.end(), query.begin(), query.end());
  want.insert(want.end(), {2, 2});
  want.insert(want.end(), doc.begin(), doc.end());
  want.push_back(2);
  EXPECT_EQ(pair->tokens, want);
  EXPECT_EQ(pair->token_types, std::vector<int32_t>(want.size(), 0));  // one token type
  // The budget counts all four specials.
  options.truncate = false;
  const Result<FramedInput> refused = enc->frame_pair(query, kLong + " " + kLong, 1, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("with 4 special tokens"), std::string::npos)
      << refused.status().message();
}

TEST(EncodePipeline, TruncatesOrRefusesLongTexts) {
  TempDir dir;
  std::unique_ptr<Encoder> enc = load(write_model(dir, "m.gguf", "mean", false));
  ASSERT_TRUE(enc);
  EncodeOptions options;
  const std::vector<std::string> texts = {"short", kLong + " " + kLong};
  Result<EmbedResult> cut = enc->embed(texts, options);
  ASSERT_TRUE(cut.ok()) << cut.status().to_string();
  EXPECT_EQ(cut->truncated, 1);
  EXPECT_EQ(cut->tokens, 3 + kContext);

  options.truncate = false;
  Result<EmbedResult> refused = enc->embed(texts, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = refused.status().message();
  EXPECT_NE(m.find("text 1 has"), std::string::npos) << m;
  EXPECT_NE(m.find("context of 32 tokens of " + dir.file("m.gguf")), std::string::npos) << m;
  EXPECT_NE(m.find("truncation is off"), std::string::npos) << m;
}

TEST(EncodePipeline, PairTruncationIsLongestFirst) {
  TempDir dir;
  std::unique_ptr<Encoder> enc = load(write_model(dir, "r.gguf", "", true));
  ASSERT_TRUE(enc);
  EncodeOptions options;
  const int64_t budget = kContext - 3;
  // A short query stays whole; the document takes the rest.
  std::vector<int32_t> query(5, 2088);
  Result<FramedInput> pair = enc->frame_pair(query, kLong + " " + kLong, 0, options);
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(pair->truncated);
  EXPECT_EQ(static_cast<int64_t>(pair->tokens.size()), kContext);
  EXPECT_EQ(std::count(pair->token_types.begin(), pair->token_types.end(), 1), budget - 5 + 1);
  // Both long: they split the budget, the longer (the document) taking the odd token.
  query.assign(40, 2088);
  pair = enc->frame_pair(query, kLong + " " + kLong, 0, options);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(std::count(pair->token_types.begin(), pair->token_types.end(), 0), budget / 2 + 2);
  EXPECT_EQ(static_cast<int64_t>(pair->tokens.size()), kContext);
  options.truncate = false;
  EXPECT_FALSE(enc->frame_pair(query, "x", 3, options).ok());
}

TEST(EncodePipeline, NormalizesAndPacksStepsWithoutChangingResults) {
  TempDir dir;
  std::unique_ptr<Encoder> enc = load(write_model(dir, "m.gguf", "mean", false));
  ASSERT_TRUE(enc);
  const std::vector<std::string> texts = {"Hello, world!", "", "The quick brown fox.", kLong, "a"};
  EncodeOptions options;
  Result<EmbedResult> one_step = enc->embed(texts, options);
  ASSERT_TRUE(one_step.ok()) << one_step.status().to_string();
  EXPECT_EQ(one_step->dim, 32);
  ASSERT_EQ(one_step->embeddings.size(), texts.size());
  for (const auto& v : one_step->embeddings) EXPECT_NEAR(norm(v), 1.0, 1e-5);

  options.max_batch_tokens = 7;  // several steps, and texts longer than a step run alone
  Result<EmbedResult> steps = enc->embed(texts, options);
  ASSERT_TRUE(steps.ok());
  for (size_t t = 0; t < texts.size(); ++t) {
    for (size_t i = 0; i < 32; ++i) {
      EXPECT_NEAR(steps->embeddings[t][i], one_step->embeddings[t][i], 1e-5f);
    }
  }
  options.normalize = false;
  Result<EmbedResult> raw = enc->embed(texts, options);
  ASSERT_TRUE(raw.ok());
  EXPECT_GT(std::abs(norm(raw->embeddings[0]) - 1.0), 1e-3);

  options.pooling = Pooling::kNone;
  options.normalize = true;
  Result<EmbedResult> tokens = enc->embed(texts, options);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->embeddings[0].size(), 6u * 32u);  // [CLS] hello , world ! [SEP]
  EXPECT_EQ(tokens->embeddings[1].size(), 2u * 32u);
}

TEST(EncodePipeline, ClearErrorsForBadRequests) {
  TempDir dir;
  EncodeOptions options;
  std::unique_ptr<Encoder> mean = load(write_model(dir, "mean.gguf", "mean", false));
  std::unique_ptr<Encoder> unset = load(write_model(dir, "unset.gguf", "", false, true));
  std::unique_ptr<Encoder> rank = load(write_model(dir, "rank.gguf", "", true));
  ASSERT_TRUE(mean && unset && rank);
  auto message = [](const auto& result) {
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    return result.status().message();
  };
  const std::vector<std::string> none, one = {"hello"};
  EXPECT_NE(message(mean->embed(none, options)).find("no texts"), std::string::npos);
  EXPECT_NE(message(rank->rerank("q", none, options)).find("no documents"), std::string::npos);
  const std::string m = message(unset->embed(one, options));
  EXPECT_NE(m.find(dir.file("unset.gguf") + " has no bert.pooling_type"), std::string::npos) << m;
  EXPECT_NE(message(rank->embed(one, options)).find("is a reranker"), std::string::npos);
  EXPECT_NE(message(mean->rerank("q", one, options)).find("no reranker head"), std::string::npos);
  options.pooling = Pooling::kCls;  // choosing a pooling makes the unset model usable
  EXPECT_TRUE(unset->embed(one, options).ok());
}

TEST(EncodePipeline, RerankScoresEachDocumentInOrder) {
  TempDir dir;
  std::unique_ptr<Encoder> rank = load(write_model(dir, "rank.gguf", "", true));
  ASSERT_TRUE(rank);
  const std::vector<std::string> docs = {"a panda is a bear", "paris", kLong + kLong, "bamboo"};
  Result<RerankResult> all = rank->rerank("what is a panda?", docs, {});
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->scores.size(), docs.size());
  EXPECT_EQ(all->truncated, 1);
  for (size_t d = 0; d < docs.size(); ++d) {
    Result<RerankResult> one = rank->rerank("what is a panda?", {&docs[d], 1}, {});
    ASSERT_TRUE(one.ok());
    EXPECT_NEAR(one->scores[0], all->scores[d], 1e-5f);
  }
}

}  // namespace
}  // namespace tessera
