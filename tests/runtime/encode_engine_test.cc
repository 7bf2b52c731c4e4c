#include "runtime/encode_engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "serve/serve_fixture.h"
#include "testing/host_backend.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

class EncodeEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dir_.file("embed.gguf");
    testing::write_model(path, testing::tiny_bert(false));
    Result<std::unique_ptr<Encoder>> encoder =
        Encoder::load(path, testing::cpu_backend(), testing::unlimited_arena());
    ASSERT_TRUE(encoder.ok()) << encoder.status().to_string();
    encoder_ = std::move(*encoder);
  }

  testing::TempDir dir_;
  std::unique_ptr<Encoder> encoder_;
  DirectStepRunner runner_{testing::cpu_backend()};
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
    Result<EmbedResult> alone = encoder_->embed(requests[i], options.encode);
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

// Runs steps directly, counting them; while the gate is closed a step waits at its start.
class GatedStepRunner final : public StepRunner {
 public:
  explicit GatedStepRunner(Backend& backend) : direct_(backend) {}
  Result<StepTiming> run(const std::function<void(Backend&)>& fn) override {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++steps_;
      started_.notify_all();
      opened_.wait(lock, [&] { return open_; });
    }
    return direct_.run(fn);
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }
  // False when `n` steps have not started within a minute (a test bug, not a slow machine).
  bool wait_for_steps(int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return started_.wait_for(lock, std::chrono::minutes(1), [&] { return steps_ >= n; });
  }
  // Declared after the engine: opens the gate before the engine drains, even when a test fails.
  struct OpenOnExit {
    GatedStepRunner& runner;
    ~OpenOnExit() { runner.open(); }
  };
  int steps() {
    std::lock_guard<std::mutex> lock(mutex_);
    return steps_;
  }

 private:
  DirectStepRunner direct_;
  std::mutex mutex_;
  std::condition_variable started_, opened_;
  int steps_ = 0;
  bool open_ = false;
};

using Outcome = std::promise<Result<EncodeOutcome>>;

EncodeDone into(Outcome& outcome) {
  return [&outcome](Result<EncodeOutcome> r) { outcome.set_value(std::move(r)); };
}

TEST_F(EncodeEngineTest, RequestsThatOutwaitTheirTimeoutFailWithoutRunning) {
  GatedStepRunner runner(testing::cpu_backend());
  EncodeEngineOptions options;
  options.max_queue_delay_us = 0;
  options.default_timeout_us = 1000;  // 1 ms, for requests that set none
  EncodeEngine engine(*encoder_, false, runner, options);
  GatedStepRunner::OpenOnExit open_on_exit{runner};
  Outcome busy, short_wait, patient;
  // Only the middle request keeps the 1 ms default: the engine thread may take longer than that
  // to pick up the first on a loaded machine.
  EncodeRequest occupy{false, "", {"occupies the engine"}}, own_timeout{false, "", {"patient"}};
  occupy.timeout_us = own_timeout.timeout_us = 60'000'000;
  ASSERT_TRUE(engine.submit(std::move(occupy), into(busy)).ok());
  ASSERT_TRUE(runner.wait_for_steps(1));  // the engine is inside its first step, at the gate
  ASSERT_TRUE(engine.submit({false, "", {"times out"}}, into(short_wait)).ok());
  ASSERT_TRUE(engine.submit(std::move(own_timeout), into(patient)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // 50x the default timeout
  runner.open();
  EXPECT_TRUE(busy.get_future().get().ok());
  Result<EncodeOutcome> late = short_wait.get_future().get();
  EXPECT_EQ(late.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(late.status().message().find("past its timeout of 1.0 ms"), std::string::npos)
      << late.status().message();
  EXPECT_TRUE(patient.get_future().get().ok());
  EXPECT_EQ(runner.steps(), 2);  // the expired request never ran
  EncodeRequest negative{false, "", {"x"}};
  negative.timeout_us = -1;
  EXPECT_EQ(engine.submit(std::move(negative), [](Result<EncodeOutcome>) {}).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(EncodeEngineTest, BatchesStopAtThePreferredSize) {
  GatedStepRunner runner(testing::cpu_backend());
  EncodeEngineOptions options;
  options.max_batch = 8;
  options.preferred_batch_sizes = {2};
  options.max_queue_delay_us = 100'000;
  EncodeEngine engine(*encoder_, false, runner, options);
  GatedStepRunner::OpenOnExit open_on_exit{runner};
  Outcome busy;
  std::vector<Outcome> queued(3);
  ASSERT_TRUE(engine.submit({false, "", {"occupies the engine"}}, into(busy)).ok());
  ASSERT_TRUE(runner.wait_for_steps(1));
  for (Outcome& outcome : queued) {
    ASSERT_TRUE(engine.submit({false, "", {"one text"}}, into(outcome)).ok());
  }
  runner.open();
  for (Outcome& outcome : queued) EXPECT_TRUE(outcome.get_future().get().ok());
  // Three queued texts with a preferred size of 2: a batch of two, then the third alone (after
  // waiting its max_queue_delay for company that never came).
  EXPECT_EQ(runner.steps(), 3);
}

}  // namespace
}  // namespace tessera
