#include "models/synthetic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <set>

#include "gguf/file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;
using testing::vocab_path;

std::vector<int64_t> dims_of(const gguf::File& f, const std::string& name) {
  const gguf::TensorInfo* t = f.find_tensor(name);
  return t ? t->dims : std::vector<int64_t>{};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

gguf::File pack_and_open(const SyntheticSpec& spec, const std::string& path) {
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  EXPECT_TRUE(writer->write(path).ok());
  Result<gguf::File> file = gguf::File::open(path);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  return std::move(file).value();
}

TEST(SyntheticModelTest, LlamaLayoutAndHyperparameters) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "llama";
  spec.layers = 2;
  spec.dim = 64;
  spec.ffn = 128;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.context = 256;
  spec.vocab_from = vocab_path("ggml-vocab-llama-spm.gguf");
  spec.type = DType::kQ8_0;
  gguf::File f = pack_and_open(spec, dir.file("m.gguf"));
  const int64_t vocab = 32000;
  EXPECT_EQ(dims_of(f, "token_embd.weight"), (std::vector<int64_t>{64, vocab}));
  EXPECT_EQ(dims_of(f, "blk.1.attn_q.weight"), (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(dims_of(f, "blk.1.attn_k.weight"), (std::vector<int64_t>{64, 32}));  // 2 kv heads × 16
  EXPECT_EQ(dims_of(f, "blk.0.ffn_down.weight"), (std::vector<int64_t>{128, 64}));
  EXPECT_EQ(dims_of(f, "output.weight"), (std::vector<int64_t>{64, vocab}));
  EXPECT_EQ(f.find_tensor("blk.0.attn_q.bias"), nullptr);
  EXPECT_EQ(f.find_tensor("blk.0.attn_q.weight")->type, DType::kQ8_0);
  EXPECT_EQ(f.find_tensor("blk.0.attn_norm.weight")->type, DType::kF32);
  EXPECT_EQ(*f.get_u64("llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(*f.get_u64("llama.rope.dimension_count"), 16u);
  EXPECT_EQ(*f.get_u64("general.file_type"), 7u);
  EXPECT_EQ(*f.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.tensors().size(), 1u + 2u * 9u + 2u);
}

TEST(SyntheticModelTest, Qwen2HasQkvBiasAndTiedOutputOption) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "qwen2";
  spec.dim = 64;
  spec.heads = 4;
  spec.kv_heads = 1;
  spec.tied_output = true;
  spec.vocab_from = vocab_path("ggml-vocab-gpt-2.gguf");
  gguf::File f = pack_and_open(spec, dir.file("q.gguf"));
  EXPECT_EQ(dims_of(f, "blk.0.attn_k.bias"), (std::vector<int64_t>{16}));
  EXPECT_EQ(dims_of(f, "blk.0.attn_q.bias"), (std::vector<int64_t>{64}));
  EXPECT_EQ(f.find_tensor("output.weight"), nullptr);
  EXPECT_NEAR(*f.get_f64("qwen2.rope.freq_base"), 1e6, 1);
}

TEST(SyntheticModelTest, BertEncoderAndRerankHead) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.dim = 32;
  spec.heads = 4;
  spec.context = 128;
  spec.rerank = true;
  spec.vocab_from = vocab_path("ggml-vocab-bert-bge.gguf");
  gguf::File f = pack_and_open(spec, dir.file("b.gguf"));
  EXPECT_EQ(dims_of(f, "position_embd.weight"), (std::vector<int64_t>{32, 128}));
  EXPECT_EQ(dims_of(f, "token_types.weight"), (std::vector<int64_t>{32, 2}));
  EXPECT_EQ(dims_of(f, "blk.1.ffn_up.weight"), (std::vector<int64_t>{32, 128}));
  EXPECT_EQ(dims_of(f, "blk.1.layer_output_norm.bias"), (std::vector<int64_t>{32}));
  EXPECT_EQ(dims_of(f, "cls.output.weight"), (std::vector<int64_t>{32, 1}));
  EXPECT_EQ(*f.get_u64("bert.pooling_type"), 4u);
  EXPECT_FALSE(*f.get_bool("bert.attention.causal"));
}

TEST(SyntheticModelTest, NomicBertLayoutAndHyperparameters) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "nomic-bert";
  spec.dim = 32;
  spec.heads = 4;
  spec.context = 128;
  spec.vocab_from = vocab_path("ggml-vocab-bert-bge.gguf");
  gguf::File f = pack_and_open(spec, dir.file("n.gguf"));
  EXPECT_EQ(dims_of(f, "blk.1.attn_qkv.weight"), (std::vector<int64_t>{32, 96}));
  EXPECT_EQ(dims_of(f, "blk.1.ffn_gate.weight"), (std::vector<int64_t>{32, 128}));
  EXPECT_EQ(dims_of(f, "token_types.weight"), (std::vector<int64_t>{32, 2}));
  for (const char* absent : {"position_embd.weight", "blk.0.attn_q.weight", "blk.0.ffn_up.bias"}) {
    EXPECT_EQ(f.find_tensor(absent), nullptr) << absent;
  }
  // As llama.cpp's converter writes nomic-embed-text: keys under the architecture's own prefix.
  EXPECT_EQ(*f.get_u64("nomic-bert.pooling_type"), 1u);
  EXPECT_EQ(*f.get_f64("nomic-bert.rope.freq_base"), 1000.0);
  EXPECT_EQ(*f.get_u64("nomic-bert.context_length"), 128u);
  EXPECT_EQ(f.find("bert.pooling_type"), nullptr);
}

TEST(SyntheticModelTest, XlmRobertaLayoutGeneratesAUnigramVocabulary) {
  TempDir dir;
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.xlm_roberta = true;
  spec.dim = 32;
  spec.heads = 4;
  spec.rerank = true;
  gguf::File f = pack_and_open(spec, dir.file("x.gguf"));
  EXPECT_EQ(*f.get_string("tokenizer.ggml.model"), "t5");
  EXPECT_EQ(*f.get_u64("tokenizer.ggml.token_type_count"), 1u);
  EXPECT_EQ(*f.get_u64("tokenizer.ggml.bos_token_id"), 0u);
  EXPECT_EQ(*f.get_u64("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_NEAR(*f.get_f64("bert.attention.layer_norm_epsilon"), 1e-5, 1e-9);
  EXPECT_EQ(dims_of(f, "token_types.weight"), (std::vector<int64_t>{32, 1}));
  const int64_t vocab = dims_of(f, "token_embd.weight")[1];
  EXPECT_EQ(vocab,
            static_cast<int64_t>(f.find("tokenizer.ggml.tokens")->as_array().elements.size()));
  EXPECT_EQ(*f.get_u64("tokenizer.ggml.mask_token_id"), static_cast<uint64_t>(vocab - 1));
  std::set<std::string> pieces;  // llama.cpp refuses duplicates
  for (const gguf::Value& v : f.find("tokenizer.ggml.tokens")->as_array().elements) {
    EXPECT_TRUE(pieces.insert(v.as_string()).second) << v.as_string();
  }

  SyntheticSpec wordpiece = spec;
  wordpiece.vocab_from = vocab_path("ggml-vocab-bert-bge.gguf");
  Result<gguf::Writer> refused = build_synthetic_model(wordpiece);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("not XLM-RoBERTa's SentencePiece unigram"),
            std::string::npos)
      << refused.status().message();
  SyntheticSpec nomic = spec;
  nomic.arch = "nomic-bert";
  EXPECT_NE(validate(nomic).message().find("--xlm-roberta is a layout of bert"), std::string::npos);
}

TEST(SyntheticModelTest, SameSeedSameBytesOtherSeedOtherWeights) {
  TempDir dir;
  SyntheticSpec spec;
  spec.type = DType::kQ4_0;
  spec.seed = 11;
  pack_and_open(spec, dir.file("a.gguf"));
  pack_and_open(spec, dir.file("b.gguf"));
  spec.seed = 12;
  pack_and_open(spec, dir.file("c.gguf"));
  EXPECT_EQ(slurp(dir.file("a.gguf")), slurp(dir.file("b.gguf")));
  EXPECT_NE(slurp(dir.file("a.gguf")), slurp(dir.file("c.gguf")));
}

TEST(SyntheticModelTest, WeightsHaveTheIntendedScale) {
  TempDir dir;
  SyntheticSpec spec;
  spec.dim = 128;
  spec.heads = 4;
  gguf::File f = pack_and_open(spec, dir.file("m.gguf"));
  const std::vector<float> q = gguf::dequantize(*f.find_tensor("blk.0.attn_q.weight"));
  double sum_sq = 0;
  for (float v : q) sum_sq += double(v) * v;
  const double stddev = std::sqrt(sum_sq / double(q.size()));
  EXPECT_NEAR(stddev, 1.0 / std::sqrt(128.0), 0.01);  // 1/sqrt(fan_in)
  for (float v : gguf::dequantize(*f.find_tensor("output_norm.weight"))) {
    EXPECT_GT(v, 0.85f);
    EXPECT_LT(v, 1.15f);
  }
}

TEST(SyntheticModelTest, Q4KFallsBackWhenRowsAreNotBlockMultiples) {
  SyntheticSpec spec;
  spec.dim = 64;  // rows of 64 cannot hold 256-element Q4_K blocks
  spec.type = DType::kQ4_K;
  int fallbacks = 0;
  Result<gguf::Writer> writer = build_synthetic_model(spec, &fallbacks);
  ASSERT_TRUE(writer.ok());
  EXPECT_GT(fallbacks, 0);
  spec.dim = 256;
  spec.ffn = 512;
  ASSERT_TRUE(build_synthetic_model(spec, &fallbacks).ok());
  EXPECT_EQ(fallbacks, 0);
}

TEST(SyntheticModelTest, InvalidSpecsNameTheFlag) {
  auto error_of = [](SyntheticSpec spec) { return validate(spec).message(); };
  SyntheticSpec s;
  s.arch = "gpt5";
  EXPECT_NE(error_of(s).find("unknown architecture 'gpt5'"), std::string::npos);
  s = {};
  s.dim = 60;
  s.heads = 8;
  EXPECT_NE(error_of(s).find("--dim 60 is not divisible by --heads 8"), std::string::npos);
  s = {};
  s.kv_heads = 3;
  EXPECT_NE(error_of(s).find("--kv-heads 3"), std::string::npos);
  s = {};
  s.layers = 0;
  EXPECT_NE(error_of(s).find("--layers must be positive"), std::string::npos);
  s = {};
  s.arch = "bert";
  EXPECT_NE(error_of(s).find("--vocab-from"), std::string::npos);
  s = {};
  s.arch = "bert";
  s.vocab_from = vocab_path("ggml-vocab-llama-spm.gguf");
  Result<gguf::Writer> mismatched = build_synthetic_model(s);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("does not suit arch 'bert'"), std::string::npos);
}

}  // namespace
}  // namespace tessera
