// Model inputs: named dims, HF config.json, and their malformed forms.
#include <gtest/gtest.h>

#include <map>

#include "plan/model_source.h"
#include "testing/command.h"

namespace tessera::plan {
namespace {

std::string message_of(const Status& s) { return s.message(); }

TEST(PlanModelSourceTest, DimsParseAndBuildLlama) {
  Result<ModelDims> d = parse_dims("layers=32,dim=4096,heads=32,kv_heads=8,ffn=14336,vocab=128256");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  Result<ModelShape> s = shape_from_dims(*d, "--dims");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->kv_dim(), 1024);
  EXPECT_NEAR(static_cast<double>(s->params()) / 1e9, 8.03, 0.01);
}

TEST(PlanModelSourceTest, InconsistentDimsNameThem) {
  const auto error = [](const std::string& text) {
    Result<ModelDims> d = parse_dims(text);
    if (!d.ok()) return message_of(d.status());
    Result<ModelShape> s = shape_from_dims(*d, "--dims");
    return s.ok() ? std::string() : message_of(s.status());
  };
  EXPECT_NE(error("layers=32,dim=4096,heads=32,kv_heads=5,ffn=1,vocab=9")
                .find("kv_heads=5 does not divide heads=32"),
            std::string::npos);
  EXPECT_NE(error("layers=2,dim=4100,heads=32,ffn=1,vocab=9")
                .find("dim=4100 is not a multiple of heads=32"),
            std::string::npos);
  EXPECT_NE(error("layers=0,dim=64,heads=4,ffn=1,vocab=9").find("missing layers"),
            std::string::npos);
  EXPECT_NE(error("layers=2,dim=64,heads=4,kv_heads=8,ffn=1,vocab=9").find("kv_heads=8"),
            std::string::npos);
  EXPECT_NE(error("layers=2,dim=64,heads=4,ffn=1").find("missing vocab"), std::string::npos);
  EXPECT_NE(error("layers=two,dim=64").find("layers='two'"), std::string::npos);
  EXPECT_NE(error("layers=2,depth=3").find("unknown name 'depth'"), std::string::npos);
  EXPECT_NE(error("layers").find("expected NAME=VALUE"), std::string::npos);
}

TEST(PlanModelSourceTest, HeadDimOtherThanDimOverHeads) {
  Result<ModelShape> s = shape_from_dims(
      *parse_dims("layers=2,dim=5120,heads=32,kv_heads=8,head_dim=128,ffn=64,vocab=10"), "t");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->head_dim, 128);
  std::map<std::string, std::vector<int64_t>> dims;
  for (const TensorShape& t : s->tensors) dims[t.name] = t.dims;
  EXPECT_EQ(dims["blk.0.attn_q.weight"], (std::vector<int64_t>{5120, 4096}));
  EXPECT_EQ(dims["blk.0.attn_k.weight"], (std::vector<int64_t>{5120, 1024}));
  EXPECT_EQ(dims["blk.0.attn_output.weight"], (std::vector<int64_t>{4096, 5120}));
}

TEST(PlanModelSourceTest, HfConfigOfMistral) {
  const std::string path =
      std::string(TESSERA_TEST_SOURCE_DIR) + "/../examples/fleet/configs/mistral-7b-v0.3.json";
  Result<ModelShape> s = load_model_shape(path);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->layers, 32);
  EXPECT_EQ(s->kv_dim(), 1024);
  EXPECT_EQ(s->max_context, 32768);
  EXPECT_NEAR(static_cast<double>(s->params()) / 1e9, 7.25, 0.01);
}

// Qwen3-0.6B's config.json: its own head size (q is twice the width) and a norm per q/k head.
TEST(PlanModelSourceTest, HfConfigOfQwen3) {
  Result<ModelShape> s = shape_from_hf_config(
      R"({"model_type": "qwen3", "num_hidden_layers": 28, "hidden_size": 1024,
          "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
          "intermediate_size": 3072, "vocab_size": 151936, "max_position_embeddings": 40960,
          "tie_word_embeddings": true})",
      "config.json");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->arch, "qwen3");
  std::map<std::string, std::vector<int64_t>> dims;
  for (const TensorShape& t : s->tensors) dims[t.name] = t.dims;
  EXPECT_EQ(dims["blk.0.attn_q.weight"], (std::vector<int64_t>{1024, 2048}));
  EXPECT_EQ(dims["blk.27.attn_k_norm.weight"], (std::vector<int64_t>{128}));
  EXPECT_EQ(dims.count("blk.0.attn_q.bias"), 0u);
  EXPECT_EQ(dims.count("output.weight"), 0u);  // tied
  // 0.6B parameters with the embedding counted once (Qwen's model card: 0.6B, 0.44B non-embedding).
  EXPECT_NEAR(static_cast<double>(s->params()) / 1e9, 0.596, 0.01);
}

TEST(PlanModelSourceTest, HfConfigsOfGemma2AndPhi3UseTheirOwnRows) {
  // Gemma 2 2B's config leaves tie_word_embeddings out: the family ties by default.
  Result<ModelShape> gemma = shape_from_hf_config(
      R"({"model_type": "gemma2", "num_hidden_layers": 26, "hidden_size": 2304,
          "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
          "intermediate_size": 9216, "vocab_size": 256000, "max_position_embeddings": 8192})",
      "config.json");
  ASSERT_TRUE(gemma.ok()) << gemma.status().to_string();
  EXPECT_EQ(gemma->arch, "gemma2");
  std::map<std::string, std::vector<int64_t>> dims;
  for (const TensorShape& t : gemma->tensors) dims[t.name] = t.dims;
  EXPECT_EQ(dims["blk.0.attn_q.weight"], (std::vector<int64_t>{2304, 2048}));
  EXPECT_EQ(dims["blk.25.post_ffw_norm.weight"], (std::vector<int64_t>{2304}));
  EXPECT_EQ(dims.count("output.weight"), 0u);
  EXPECT_NEAR(static_cast<double>(gemma->params()) / 1e9, 2.61, 0.01);  // Google: 2.61B

  // Phi-3-mini: fused projections, untied output.
  Result<ModelShape> phi = shape_from_hf_config(
      R"({"model_type": "phi3", "num_hidden_layers": 32, "hidden_size": 3072,
          "num_attention_heads": 32, "num_key_value_heads": 32, "intermediate_size": 8192,
          "vocab_size": 32064, "max_position_embeddings": 4096, "tie_word_embeddings": false})",
      "config.json");
  ASSERT_TRUE(phi.ok()) << phi.status().to_string();
  dims.clear();
  for (const TensorShape& t : phi->tensors) dims[t.name] = t.dims;
  EXPECT_EQ(dims["blk.0.attn_qkv.weight"], (std::vector<int64_t>{3072, 9216}));
  EXPECT_EQ(dims["blk.0.ffn_up.weight"], (std::vector<int64_t>{3072, 16384}));
  EXPECT_EQ(dims.count("blk.0.ffn_gate.weight"), 0u);
  EXPECT_NEAR(static_cast<double>(phi->params()) / 1e9, 3.82, 0.01);  // Microsoft: 3.8B
}

TEST(PlanModelSourceTest, HfConfigOfEncoders) {
  Result<ModelShape> embed = shape_from_hf_config(
      R"({"model_type":"bert","architectures":["BertModel"],"hidden_size":384,
          "num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,
          "vocab_size":30522,"max_position_embeddings":512})",
      "c.json");
  ASSERT_TRUE(embed.ok()) << embed.status().to_string();
  EXPECT_EQ(embed->kind, ModelKind::kEmbed);
  Result<ModelShape> rerank = shape_from_hf_config(
      R"({"model_type":"xlm-roberta","architectures":["XLMRobertaForSequenceClassification"],
          "hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,
          "intermediate_size":3072,"vocab_size":250002,"max_position_embeddings":514})",
      "c.json");
  ASSERT_TRUE(rerank.ok()) << rerank.status().to_string();
  EXPECT_EQ(rerank->kind, ModelKind::kRerank);
}

// nomic-embed-text-v1.5's config.json says n_embd, n_layer... (GPT-2 names) and n_positions 8192,
// but llama.cpp's converter writes the 2048 positions it was trained for.
TEST(PlanModelSourceTest, HfConfigOfNomicBert) {
  Result<ModelShape> s = shape_from_hf_config(
      R"({"model_type":"nomic_bert","architectures":["NomicBertModel"],"n_embd":768,"n_head":12,
          "n_inner":3072,"n_layer":12,"n_positions":8192,"max_trained_positions":2048,
          "rotary_emb_base":1000,"type_vocab_size":2,"vocab_size":30528,"qkv_proj_bias":false})",
      "config.json");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->arch, "nomic-bert");
  EXPECT_EQ(s->kind, ModelKind::kEmbed);
  EXPECT_EQ(s->max_context, 2048);
  std::map<std::string, std::vector<int64_t>> dims;
  for (const TensorShape& t : s->tensors) dims[t.name] = t.dims;
  EXPECT_EQ(dims["blk.0.attn_qkv.weight"], (std::vector<int64_t>{768, 2304}));
  EXPECT_EQ(dims["blk.0.ffn_gate.weight"], (std::vector<int64_t>{768, 3072}));
  EXPECT_EQ(dims.count("position_embd.weight"), 0u);
  EXPECT_EQ(dims.count("blk.0.attn_output.bias"), 0u);
  EXPECT_NEAR(static_cast<double>(s->params()) / 1e6, 136.7, 0.1);
  // Sized as its row: SwiGLU keeps `up` beside the gate, one more [tokens][ffn] region than a
  // bert of the same dims, for a workspace that holds the whole 2048-token context.
  ModelShape as_bert = *s;
  as_bert.arch = "bert";
  FootprintRequest r;
  r.batch_tokens = 512;
  EXPECT_EQ(compute_footprint(*s, r).activation_bytes,
            compute_footprint(as_bert, r).activation_bytes + 2048u * 3072 * 4);
}

// bge-m3 / bge-reranker-v2-m3: position rows start at pad_token_id + 1, which the converter cuts
// (514 -> 512), and one token type.
TEST(PlanModelSourceTest, HfConfigOfXlmRoberta) {
  Result<ModelShape> s = shape_from_hf_config(
      R"({"model_type":"xlm-roberta","architectures":["XLMRobertaForSequenceClassification"],
          "hidden_size":1024,"num_hidden_layers":24,"num_attention_heads":16,
          "intermediate_size":4096,"vocab_size":250002,"max_position_embeddings":8194,
          "pad_token_id":1,"type_vocab_size":1})",
      "config.json");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->arch, "bert");
  EXPECT_EQ(s->kind, ModelKind::kRerank);
  EXPECT_EQ(s->max_context, 8192);
  std::map<std::string, std::vector<int64_t>> dims;
  for (const TensorShape& t : s->tensors) dims[t.name] = t.dims;
  EXPECT_EQ(dims["position_embd.weight"], (std::vector<int64_t>{1024, 8192}));
  EXPECT_EQ(dims["token_types.weight"], (std::vector<int64_t>{1024, 1}));
  EXPECT_EQ(dims["cls.output.weight"], (std::vector<int64_t>{1024, 1}));
  // 568M parameters (bge-reranker-v2-m3's model card).
  EXPECT_NEAR(static_cast<double>(s->params()) / 1e6, 568, 1);
}

TEST(PlanModelSourceTest, DimsOfNomicBert) {
  Result<ModelDims> d =
      parse_dims("arch=nomic-bert,layers=12,dim=768,heads=12,ffn=3072,vocab=30528");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->kind, ModelKind::kEmbed);
  Result<ModelShape> s = shape_from_dims(*d, "--dims");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->arch, "nomic-bert");
  EXPECT_EQ(s->max_context, 512);
  EXPECT_EQ(s->tensors.front().name, "token_embd.weight");
}

TEST(PlanModelSourceTest, MalformedHfConfigs) {
  const auto error = [](const std::string& json) {
    Result<ModelShape> s = shape_from_hf_config(json, "config.json");
    return s.ok() ? std::string() : s.status().message();
  };
  EXPECT_NE(error("{\"model_type\": \"llama\",").find("config.json: malformed JSON at byte"),
            std::string::npos);
  EXPECT_NE(error("[1, 2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error(R"({"hidden_size": 64})").find("missing field 'model_type'"), std::string::npos);
  EXPECT_NE(
      error(R"({"model_type":"llama","hidden_size":64})").find("missing field 'num_hidden_layers'"),
      std::string::npos);
  EXPECT_NE(error(R"({"model_type":"llama","hidden_size":"big","num_hidden_layers":2})")
                .find("field 'hidden_size': expected a non-negative integer, got \"big\""),
            std::string::npos);
  EXPECT_NE(error(R"({"model_type":"mixtral","num_local_experts":8})").find("mixture-of-experts"),
            std::string::npos);
  EXPECT_NE(error(R"({"model_type":"llama","hidden_size":64,"num_hidden_layers":2,
                      "num_attention_heads":4,"num_key_value_heads":3,"intermediate_size":8,
                      "vocab_size":10,"max_position_embeddings":16})")
                .find("config.json: kv_heads=3 does not divide heads=4"),
            std::string::npos);
}

TEST(PlanModelSourceTest, MissingAndTruncatedFiles) {
  testing::TempDir dir;
  EXPECT_EQ(load_model_shape(dir.file("none.json")).status().code(), StatusCode::kNotFound);
  const std::string gguf = testing::write_file(dir, "cut.gguf", std::string("GGUF\x03\0\0", 7));
  Result<ModelShape> s = load_model_shape(gguf);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("cut.gguf"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace tessera::plan
