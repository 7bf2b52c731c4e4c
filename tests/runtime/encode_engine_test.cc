#include "runtime/encode_engine.h"

#include <gtest/gtest.h>

#include <future>

#include "serve/serve_fixture.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

class EncodeEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dir_.file("embed.gguf");
    testing::write_model(path, testing::tiny_bert(false));
    Result<std::unique_ptr<Encoder>> encoder = Encoder::load(path);
    ASSERT_TRUE(encoder.ok()) << encoder.status().to_string();
    encoder_ = std::move(*encoder);
  }

  testing::TempDir dir_;
  std::unique_ptr<Encoder> encoder_;
  ThreadPool pool_{2};
  DirectStepRunner runner_{pool_};
};

TEST_F(EncodeEngineTest, BatchedRequestsGetTheirOwnEmbeddings) {
  EncodeEngineOptions options;
  options.max_queue_delay_us = 20'000;  // long enough that all requests below share a step
  EncodeEngine engine(*encoder_, false, runner_, options);
  const std::vector<std::vector<std::string>> requests = {
      {"the first text"}, {"second", "third text here"}, {"a fourth one"}};
  std::vector<std::promise<Result<EncodeOutcome>>> done(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_TRUE(
        engine
            .submit({false, "", requests[i]},
                    [&done, i](Result<EncodeOutcome> r) { done[i].set_value(std::move(r)); })
            .ok());
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    Result<EncodeOutcome> batched = done[i].get_future().get();
    ASSERT_TRUE(batched.ok()) << batched.status().to_string();
    Result<EmbedResult> alone = encoder_->embed(requests[i], options.encode, pool_);
    ASSERT_TRUE(alone.ok());
    ASSERT_EQ(batched->embeddings.size(), requests[i].size());
    EXPECT_EQ(batched->tokens, alone->tokens);
    for (size_t t = 0; t < requests[i].size(); ++t) {
      ASSERT_EQ(batched->embeddings[t].size(), alone->embeddings[t].size());
      for (size_t k = 0; k < alone->embeddings[t].size(); ++k) {
        // Packing texts into one step reorders no per-text arithmetic but the tolerance allows
        // float reassociation in the batched kernels.
        EXPECT_NEAR(batched->embeddings[t][k], alone->embeddings[t][k], 1e-5f);
      }
    }
  }
}

TEST_F(EncodeEngineTest, RefusesWrongKindEmptyFullAndDraining) {
  EncodeEngineOptions options;
  options.max_queue_size = 1;
  options.max_queue_delay_us = 200'000;  // the first request waits, so the queue stays full
  options.max_batch = 1000;
  EncodeEngine engine(*encoder_, false, runner_, options);
  EXPECT_EQ(engine.submit({true, "q", {"d"}}, [](Result<EncodeOutcome>) {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.submit({false, "", {}}, [](Result<EncodeOutcome>) {}).code(),
            StatusCode::kInvalidArgument);
  std::promise<Result<EncodeOutcome>> first;
  ASSERT_TRUE(engine
                  .submit({false, "", {"queued"}},
                          [&](Result<EncodeOutcome> r) { first.set_value(std::move(r)); })
                  .ok());
  EXPECT_EQ(engine.submit({false, "", {"more"}}, [](Result<EncodeOutcome>) {}).code(),
            StatusCode::kResourceExhausted);
  engine.drain();
  EXPECT_TRUE(first.get_future().get().ok());
  EXPECT_EQ(engine.submit({false, "", {"late"}}, [](Result<EncodeOutcome>) {}).code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tessera
