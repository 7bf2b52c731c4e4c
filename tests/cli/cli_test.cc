// Runs the real `tessera` binary: exit codes (0 ok, 1 failure, 2 bad usage), --help for every
// subcommand, and the pack → inspect → quantize flow end to end.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "gguf/file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;
using testing::vocab_path;

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

CommandResult run_tessera(const std::string& args) {
  const std::string command = std::string(TESSERA_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(CliTest, HelpForEverySubcommandExitsZero) {
  for (const char* sub : {"", "inspect ", "pack ", "quantize ", "tokenize "}) {
    CommandResult r = run_tessera(std::string(sub) + "--help");
    EXPECT_EQ(r.exit_code, 0) << sub << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << sub;
  }
}

TEST(CliTest, BadUsageExitsTwo) {
  EXPECT_EQ(run_tessera("").exit_code, 2);
  EXPECT_EQ(run_tessera("frobnicate").exit_code, 2);
  EXPECT_EQ(run_tessera("inspect").exit_code, 2);
  EXPECT_EQ(run_tessera("pack --synthetic gpt9 -o x.gguf").exit_code, 2);
  TempDir dir;
  CommandResult r =
      run_tessera("pack --synthetic llama --dim 60 --heads 8 -o " + dir.file("m.gguf"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--dim 60 is not divisible by --heads 8"), std::string::npos) << r.output;
  r = run_tessera("pack --synthetic llama --type q5_k -o " + dir.file("m.gguf"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--type"), std::string::npos) << r.output;
}

TEST(CliTest, FailuresExitOneAndNameTheFile) {
  TempDir dir;
  CommandResult r = run_tessera("inspect " + dir.file("missing.gguf"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("missing.gguf"), std::string::npos);
  FILE* f = std::fopen(dir.file("bad.gguf").c_str(), "wb");
  std::fputs("NOPE and more bytes here", f);
  std::fclose(f);
  r = run_tessera("inspect " + dir.file("bad.gguf"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("bad.gguf: offset 0: bad magic"), std::string::npos) << r.output;
}

TEST(CliTest, PackInspectQuantizeFlow) {
  TempDir dir;
  const std::string model = dir.file("m.gguf");
  CommandResult r = run_tessera(
      "pack --synthetic llama --layers 2 --dim 64 --ffn 128 --heads 4 --kv-heads 2 --context 256 "
      "--vocab-from " +
      vocab_path("ggml-vocab-llama-spm.gguf") + " --type f32 --seed 3 -o " + model);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  r = run_tessera("inspect " + model);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("architecture:  llama"), std::string::npos);
  EXPECT_NE(r.output.find("blk.1.attn_k.weight"), std::string::npos);
  EXPECT_NE(r.output.find("[64, 32]"), std::string::npos);
  EXPECT_NE(r.output.find("32000 string total"), std::string::npos);  // long arrays elided

  r = run_tessera("inspect --json " + model);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["architecture"], "llama");
  EXPECT_EQ(j["metadata"]["tokenizer.ggml.tokens"]["count"], 32000);
  EXPECT_EQ(j["metadata"]["tokenizer.ggml.tokens"]["elided"], true);
  EXPECT_EQ(j["tensors"].size(), 21u);

  const std::string quantized = dir.file("m-q8.gguf");
  r = run_tessera("quantize " + model + " " + quantized + " q8_0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Result<gguf::File> q = gguf::File::open(quantized);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q->find_tensor("blk.0.ffn_up.weight")->type, DType::kQ8_0);
  EXPECT_EQ(q->find_tensor("blk.0.ffn_norm.weight")->type, DType::kF32);
  EXPECT_EQ(*q->get_u64("general.file_type"), 7u);

  // Already-quantized input needs the explicit opt-in, as in llama.cpp.
  r = run_tessera("quantize " + quantized + " " + dir.file("again.gguf") + " q4_0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--allow-requantize"), std::string::npos);
  // Overwriting the input is refused.
  r = run_tessera("quantize " + model + " " + model + " q8_0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("overwrite the input"), std::string::npos);
}

}  // namespace
}  // namespace tessera
