#include "serve/model_config.h"

#include <gtest/gtest.h>

namespace tessera::serve {
namespace {

Result<ModelConfig> parse(const std::string& yaml) {
  return parse_model_config(yaml, "m/model.yaml", "/repo/m", "m");
}

void expect_error(const std::string& yaml, const std::string& fragment) {
  Result<ModelConfig> c = parse(yaml);
  ASSERT_FALSE(c.ok()) << yaml;
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(fragment), std::string::npos)
      << c.status().message() << "\n  wanted: " << fragment;
}

TEST(ModelConfigTest, ParsesGenerateAndEncodeConfigs) {
  Result<ModelConfig> c = parse(
      "kind: generate\nfile: w.gguf\nslice: chat\ncontext: 512\nmax_sequences: 4\n"
      "max_batch_tokens: 32\nprefill_chunk: 8\nmax_queue: 10\n");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->name, "m");
  EXPECT_EQ(c->kind, ModelKind::kGenerate);
  EXPECT_EQ(c->file, "/repo/m/w.gguf");
  EXPECT_EQ(c->slice, "chat");
  EXPECT_EQ(c->context, 512);
  EXPECT_EQ(c->max_sequences, 4);
  EXPECT_EQ(c->prefill_chunk_tokens, 8);
  EXPECT_EQ(c->max_queue, 10);

  c = parse("kind: rerank\nfile: /abs/r.gguf\nslice: s\nmax_batch: 8\nmax_queue_delay: 500us\n");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->kind, ModelKind::kRerank);
  EXPECT_EQ(c->file, "/abs/r.gguf");
  EXPECT_EQ(c->max_batch, 8);
  EXPECT_EQ(c->max_queue_delay_us, 500);
  EXPECT_TRUE(c->preferred_batch_sizes.empty());
  EXPECT_EQ(c->timeout_us, 0);

  c = parse(
      "kind: embed\nfile: e.gguf\nslice: s\nmax_batch: 16\npreferred_batch: [4, 8]\n"
      "timeout: 250ms\n");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->preferred_batch_sizes, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(c->timeout_us, 250'000);
}

TEST(ModelConfigTest, MalformedConfigsNameLineAndField) {
  expect_error("kind: generate\nfile: [x\n", "m/model.yaml:");
  expect_error("kind: generate\nfile: a\nslice: s\nbogus: 1\n",
               "m/model.yaml:4:1: model: unknown key 'bogus'");
  expect_error("kind: generate\nfile: a\nslice: s\nkind: embed\n", "repeated");
  expect_error("kind: translate\nfile: a\nslice: s\n", "m/model.yaml:1:7: kind:");
  expect_error("kind: generate\nslice: s\n", "file");
  expect_error("kind: generate\nfile: a\nslice: s\ncontext: lots\n", "m/model.yaml:4:10: context");
  expect_error("kind: generate\nfile: a\nslice: s\ncontext: -3\n", "context");
  expect_error("kind: generate\nfile: a\nslice: s\nmax_batch: 3\n", "max_batch: embed/rerank only");
  expect_error("kind: embed\nfile: a\nslice: s\nmax_sequences: 3\n", "generate only");
  expect_error("kind: embed\nfile: a\nslice: s\nmax_queue_delay: soon\n", "max_queue_delay");
  expect_error("kind: generate\nfile: a\nslice: s\nmax_sequences: 65\nmax_batch_tokens: 64\n",
               "max_sequences");
  expect_error("just a string", "expected a map");
  expect_error("- a\n- b\n", "expected a map");
  expect_error("", "expected a map");
  expect_error("kind: {a: 1}\nfile: a\nslice: s\n", "kind");
  expect_error("kind: embed\nfile: a\nslice: s\npreferred_batch: 4\n",
               "m/model.yaml:4:18: preferred_batch: expected a list");
  expect_error("kind: embed\nfile: a\nslice: s\nmax_batch: 8\npreferred_batch: [4, 9]\n",
               "preferred_batch[1]");
  expect_error("kind: embed\nfile: a\nslice: s\npreferred_batch: [0]\n", "preferred_batch[0]");
  expect_error("kind: rerank\nfile: a\nslice: s\ntimeout: whenever\n",
               "m/model.yaml:4:10: timeout");
  expect_error("kind: rerank\nfile: a\nslice: s\ntimeout: 4000s\n", "timeout: must be 0 to 1h");
  expect_error("kind: generate\nfile: a\nslice: s\ntimeout: 1s\n", "timeout: embed/rerank only");
}

}  // namespace
}  // namespace tessera::serve
