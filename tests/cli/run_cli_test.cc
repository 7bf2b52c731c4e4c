// `tessera run` (generation) and `tessera perf` through the real binary: streamed output, seeded
// sampling, --dump-logits layout, --chat, and the error messages for bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "testing/command.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::CommandResult;
using testing::lines_of;
using testing::run_tessera;
using testing::TempDir;

constexpr int kVocab = 32000;  // the llama-spm vocabulary the packs borrow

std::string pack_llama(const TempDir& dir, const std::string& extra = "") {
  const std::string path = dir.file("m.gguf");
  CommandResult r = run_tessera(
      dir,
      "pack --synthetic llama --layers 2 --dim 64 --ffn 128 --heads 4 --kv-heads 2 --context 128 "
      "--vocab-from " +
          testing::vocab_path("ggml-vocab-llama-spm.gguf") + " --type q8_0 " + extra + " -o " +
          path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

TEST(RunCli, SeededSamplingIsReproducibleAndGreedyIsDeterministic) {
  TempDir dir;
  const std::string model = pack_llama(dir);
  const std::string args = "run " + model + " -p \"Once upon a time\" -n 8 --ignore-eos -t 2 ";
  CommandResult a = run_tessera(dir, args + "--seed 7");
  CommandResult b = run_tessera(dir, args + "--seed 7");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
  CommandResult g1 = run_tessera(dir, args + "--temp 0 --seed 1");
  CommandResult g2 = run_tessera(dir, args + "--temp 0 --seed 2");
  ASSERT_EQ(g1.exit_code, 0) << g1.err;
  EXPECT_EQ(g1.out, g2.out);  // greedy ignores the seed
}

TEST(RunCli, DumpLogitsWritesPositionsTimesVocabFloats) {
  TempDir dir;
  const std::string model = pack_llama(dir);
  const std::string logits = dir.file("logits.bin");
  CommandResult r = run_tessera(
      dir, "run " + model + " -p \"Hello world\" -n 0 --temp 0 --dump-logits " + logits);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // "Hello world" with BOS is 3 tokens in the llama-spm vocabulary: <s> ▁Hello ▁world.
  EXPECT_EQ(std::filesystem::file_size(logits), 3u * kVocab * sizeof(float));
}

TEST(RunCli, ChatUsesTheModelsTemplate) {
  TempDir dir;
  const std::string model =
      pack_llama(dir, std::string("--chat-template ") + TESSERA_TEST_SOURCE_DIR +
                          "/data/chat_templates/chatml.jinja");
  CommandResult r =
      run_tessera(dir, "run " + model + " --chat --system \"Be brief.\" -p Hi -n 2 --temp 0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string plain = pack_llama(dir);  // no tokenizer.chat_template in this one
  r = run_tessera(dir, "run " + plain + " --chat -p Hi -n 2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("chat_template"), std::string::npos) << r.err;
}

TEST(RunCli, PromptLongerThanTheContextIsAClearError) {
  TempDir dir;
  const std::string model = pack_llama(dir);
  std::string prompt;
  for (int i = 0; i < 200; ++i) prompt += " word";
  CommandResult r = run_tessera(dir, "run " + model + " -p \"" + prompt + "\" -n 4");
  EXPECT_EQ(r.exit_code, 2);  // bad input, like any other usage error
  EXPECT_NE(r.err.find("more than the model's context of 128"), std::string::npos) << r.err;
}

TEST(RunCli, UnknownArchitectureNamesItAndTheSupportedOnes) {
  TempDir dir;
  const std::string bert = dir.file("bert.gguf");
  CommandResult r =
      run_tessera(dir,
                  "pack --synthetic bert --layers 1 --dim 32 --ffn 64 --heads 2 --context 24 "
                  "--vocab-from " +
                      testing::vocab_path("ggml-vocab-bert-bge.gguf") + " -o " + bert);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_tessera(dir, "run " + bert + " -p hi -n 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("'bert'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("llama, qwen2"), std::string::npos) << r.err;
}

TEST(RunCli, PerfPrintsOneJsonObjectPerBatchSize) {
  TempDir dir;
  const std::string model = pack_llama(dir);
  CommandResult r = run_tessera(dir, "perf " + model +
                                         " --prompt-tokens 8 --gen-tokens 4 --batch 1,3 "
                                         "--threads 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["batch"], i == 0 ? 1 : 3);
    EXPECT_GT(j["prefill_tok_s"].get<double>(), 0.0);
    EXPECT_GT(j["decode_tok_s"].get<double>(), 0.0);
  }
  r = run_tessera(dir, "perf " + model + " --prompt-tokens 200 --gen-tokens 4 --json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("context"), std::string::npos) << r.err;
}

TEST(RunCli, PerfProbeComputeReportsTheLimitsAndFractions) {
  TempDir dir;
  const std::string model = pack_llama(dir);
  const CommandResult r = run_tessera(dir, "perf " + model +
                                               " --prompt-tokens 8 --gen-tokens 4 --batch 1,2 "
                                               "--threads 2 --probe-compute --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  const nlohmann::json probe = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(probe.at("probe"), "compute");
  EXPECT_GT(probe.at("weight_macs_per_token").get<int64_t>(), 0);
  EXPECT_GT(probe.at("output_macs_per_token").get<int64_t>(), 0);
  const double prefill_limit = probe.at("prefill_limit_tok_s").get<double>();
  const double decode_limit = probe.at("decode_compute_limit_tok_s").get<double>();
  EXPECT_GT(decode_limit, 0.0);
  EXPECT_GT(prefill_limit, decode_limit);  // prefill skips the output projection
  const nlohmann::json one = nlohmann::json::parse(lines[1]);
  EXPECT_DOUBLE_EQ(one.at("prefill_compute_fraction").get<double>(),
                   one.at("prefill_tok_s").get<double>() / prefill_limit);
  EXPECT_FALSE(one.contains("decode_compute_fraction"));  // batch 1 is bound by memory
  const nlohmann::json two = nlohmann::json::parse(lines[2]);
  EXPECT_DOUBLE_EQ(two.at("decode_compute_fraction").get<double>(),
                   two.at("decode_tok_s").get<double>() / decode_limit);
}

}  // namespace
}  // namespace tessera
