#include "runtime/generate_engine.h"

#include <gtest/gtest.h>

#include <future>

#include "models/synthetic.h"
#include "runtime/slice_model.h"
#include "serve/serve_fixture.h"
#include "testing/host_backend.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

class GenerateEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SyntheticSpec spec = testing::tiny_llama();
    spec.context = 256;
    path_ = dir_.file("m.gguf");
    Result<gguf::Writer> writer = build_synthetic_model(spec);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->write(path_).ok());
    SliceModelOptions options;
    options.sequences = 64;
    options.batch_tokens = 96;
    Result<std::unique_ptr<SliceModel>> model = SliceModel::load(path_, slice_, options);
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    model_ = std::move(*model);
    Result<std::unique_ptr<Tokenizer>> tokenizer = make_tokenizer(model_->model().file());
    ASSERT_TRUE(tokenizer.ok());
    tokenizer_ = std::move(*tokenizer);
  }

  GenerateRequest request(int i, int max_tokens) const {
    GenerateRequest r;
    r.prompt = tokenizer_->encode("prompt " + std::to_string(i) + std::string(i % 7 * 5, 'z'), true,
                                  false);
    r.max_tokens = max_tokens;
    r.sampling.temperature = 0;
    r.ignore_eos = true;
    return r;
  }

  testing::TempDir dir_;
  std::string path_;
  Slice slice_{SliceSpec{.name = "test", .memory_bytes = 512 * kMiB, .share = 1.0},
               testing::cpu_backend()};
  std::unique_ptr<SliceModel> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  DirectStepRunner runner_{testing::cpu_backend()};
};

TEST_F(GenerateEngineTest, SixtyFourGreedyRequestsAtOnceMatchEachAlone) {
  constexpr int kRequests = 64;
  std::vector<std::string> alone(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    Result<GenerateResult> r = generate(model_->model(), *tokenizer_, request(i, 12));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    alone[i] = r->text;
  }
  GenerateEngineOptions options;
  options.max_sequences = 64;
  options.max_queued = 64;
  options.prefill_chunk_tokens = 8;  // several prompts are split over steps
  GenerateEngine engine(*model_, *tokenizer_, runner_, options);
  std::vector<std::promise<Result<GenerateResult>>> done(kRequests);
  std::vector<std::string> streamed(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    GenerationCallbacks callbacks;
    callbacks.on_text = [&streamed, i](std::string_view text) { streamed[i] += text; };
    callbacks.on_done = [&done, i](Result<GenerateResult> r) { done[i].set_value(std::move(r)); };
    ASSERT_TRUE(engine.submit(request(i, 12), std::move(callbacks)).ok());
  }
  for (int i = 0; i < kRequests; ++i) {
    Result<GenerateResult> r = done[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->text, alone[i]) << "request " << i;
    EXPECT_EQ(streamed[i], alone[i]) << "request " << i;
    EXPECT_EQ(r->finish_reason, "length");
    EXPECT_EQ(r->tokens.size(), 12u);
  }
  engine.drain();
  EXPECT_EQ(model_->kv().sequences(), 0u);
}

TEST_F(GenerateEngineTest, RefusesBadRequestsAndAFullQueue) {
  GenerateEngineOptions options;
  options.max_sequences = 1;
  options.max_queued = 1;
  GenerateEngine engine(*model_, *tokenizer_, runner_, options);
  GenerateRequest empty = request(0, 4);
  empty.prompt.clear();
  EXPECT_EQ(engine.submit(empty, {}).status().code(), StatusCode::kInvalidArgument);
  GenerateRequest too_long = request(0, 4);
  too_long.prompt.assign(256, 5);
  EXPECT_EQ(engine.submit(too_long, {}).status().code(), StatusCode::kInvalidArgument);
  GenerateRequest bad_token = request(0, 4);
  bad_token.prompt[0] = 1 << 30;
  EXPECT_EQ(engine.submit(bad_token, {}).status().code(), StatusCode::kInvalidArgument);

  // Fill the running slot and the one queue place, then one more is refused.
  std::atomic<int> finished{0};
  GenerationCallbacks counting;
  counting.on_done = [&](Result<GenerateResult>) { ++finished; };
  int accepted = 0, refused = 0;
  for (int i = 0; i < 20; ++i) {
    Result<std::shared_ptr<GenerationTicket>> t = engine.submit(request(i, 200), counting);
    if (t.ok()) {
      ++accepted;
    } else {
      EXPECT_EQ(t.status().code(), StatusCode::kResourceExhausted);
      ++refused;
    }
  }
  EXPECT_GE(refused, 1);
  engine.drain();
  EXPECT_EQ(finished.load(), accepted);
  EXPECT_EQ(engine.submit(request(0, 1), {}).status().code(), StatusCode::kUnavailable);
}

TEST_F(GenerateEngineTest, CancelFreesTheKvCache) {
  GenerateEngine engine(*model_, *tokenizer_, runner_, GenerateEngineOptions{});
  std::promise<Result<GenerateResult>> done;
  std::promise<void> started;
  std::atomic<bool> once{false};
  GenerationCallbacks callbacks;
  callbacks.on_text = [&](std::string_view) {
    if (!once.exchange(true)) started.set_value();
  };
  callbacks.on_done = [&](Result<GenerateResult> r) { done.set_value(std::move(r)); };
  Result<std::shared_ptr<GenerationTicket>> ticket = engine.submit(request(1, 250), callbacks);
  ASSERT_TRUE(ticket.ok());
  started.get_future().wait();
  (*ticket)->cancel();
  Result<GenerateResult> r = done.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish_reason, "cancelled");
  EXPECT_LT(r->tokens.size(), 250u);
  EXPECT_EQ(model_->kv().sequences(), 0u);
}

}  // namespace
}  // namespace tessera
