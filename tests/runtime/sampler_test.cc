#include "runtime/sampler.h"

#include <gtest/gtest.h>

#include <map>

namespace tessera {
namespace {

TEST(SamplerTest, ZeroTemperatureIsGreedy) {
  SamplingParams p;
  p.temperature = 0.0f;
  Sampler s(p);
  std::vector<float> logits = {0.1f, 2.0f, 1.9f, -3.0f};
  EXPECT_EQ(s.sample(logits, {}), 1);
}

TEST(SamplerTest, TopKOneIsGreedyWhateverTheTemperature) {
  SamplingParams p;
  p.temperature = 5.0f;
  p.top_k = 1;
  Sampler s(p);
  for (int i = 0; i < 20; ++i) {
    std::vector<float> logits = {0.1f, 2.0f, 1.9f, -3.0f};
    EXPECT_EQ(s.sample(logits, {}), 1);
  }
}

TEST(SamplerTest, SameSeedSameDrawsAndTopPCutsTheTail) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.min_p = 0.0f;
  p.top_p = 0.9f;
  p.seed = 42;
  Sampler a(p), b(p);
  // Probabilities ~ 0.64, 0.24, 0.09, 0.03: top_p 0.9 keeps the first three.
  const std::vector<float> base = {3.0f, 2.0f, 1.0f, 0.0f};
  std::map<int32_t, int> counts;
  for (int i = 0; i < 2000; ++i) {
    std::vector<float> la = base, lb = base;
    const int32_t x = a.sample(la, {});
    EXPECT_EQ(x, b.sample(lb, {}));
    ++counts[x];
  }
  EXPECT_EQ(counts.count(3), 0u);
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], counts[2]);
  EXPECT_GT(counts[2], 0);
}

TEST(SamplerTest, MinPDropsUnlikelyTokens) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.5f;  // keep tokens with p ≥ 0.5 · p_max
  Sampler s(p);
  for (int i = 0; i < 200; ++i) {
    std::vector<float> logits = {1.0f, 0.9f, -2.0f};
    EXPECT_NE(s.sample(logits, {}), 2);
  }
}

TEST(SamplerTest, PenaltiesPushRepeatedTokensDown) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  std::vector<float> logits = {1.0f, 1.5f};
  const std::vector<int32_t> history = {1};
  EXPECT_EQ(s.sample(logits, history), 0);  // 1.5 / 2 < 1.0
  EXPECT_FLOAT_EQ(logits[1], 0.75f);

  SamplingParams q;
  q.temperature = 0.0f;
  q.presence_penalty = 0.5f;
  q.frequency_penalty = 0.25f;
  Sampler t(q);
  std::vector<float> l2 = {1.0f, 2.0f};
  const std::vector<int32_t> h2 = {1, 1, 1};
  t.sample(l2, h2);
  EXPECT_FLOAT_EQ(l2[1], 2.0f - 0.5f - 0.75f);
}

TEST(SamplerTest, ValidateNamesTheField) {
  SamplingParams p;
  p.top_p = 0.0f;
  EXPECT_NE(p.validate().message().find("top_p"), std::string::npos);
  p = {};
  p.temperature = -1.0f;
  EXPECT_NE(p.validate().message().find("temperature"), std::string::npos);
  p = {};
  EXPECT_TRUE(p.validate().ok());
}

}  // namespace
}  // namespace tessera
