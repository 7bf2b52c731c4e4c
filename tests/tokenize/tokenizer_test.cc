#include "tokenize/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "gguf/file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

std::unique_ptr<Tokenizer> load(const std::string& name) {
  Result<gguf::File> file = gguf::File::open(testing::vocab_path(name));
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  if (!file.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(*file);
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

TEST(TokenizerFactory, ReadsFlagsAndSpecialIds) {
  auto spm = load("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(spm, nullptr);
  EXPECT_EQ(spm->vocab().model(), "llama");
  EXPECT_EQ(spm->vocab().size(), 32000);
  EXPECT_EQ(spm->vocab().special().bos, 1);
  EXPECT_EQ(spm->vocab().special().eos, 2);
  EXPECT_EQ(spm->vocab().special().unknown, 0);
  EXPECT_EQ(spm->vocab().type(1), TokenType::kControl);
  EXPECT_EQ(spm->vocab().type(3), TokenType::kByte);
  EXPECT_TRUE(spm->add_bos());
  EXPECT_FALSE(spm->add_eos());
  EXPECT_TRUE(spm->strips_leading_space());
  EXPECT_EQ(spm->encode("Hello world", true, false), std::vector<int32_t>({1, 15043, 3186}));
  EXPECT_EQ(spm->token_to_piece(15043), " Hello");
  EXPECT_EQ(spm->token_to_piece(3 + 0x41), "A");  // <0x41>
  EXPECT_EQ(spm->token_to_piece(1), "");
  EXPECT_EQ(spm->token_to_piece(1, true), "<s>");
  EXPECT_EQ(spm->token_to_piece(-1), "");
  EXPECT_EQ(spm->token_to_piece(32000), "");

  auto bpe = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(bpe, nullptr);
  EXPECT_EQ(bpe->vocab().model(), "gpt2");
  EXPECT_EQ(bpe->vocab().pre(), "gpt-2");
  EXPECT_EQ(bpe->vocab().special().eos, 50256);
  EXPECT_EQ(bpe->token_to_piece(18435), " Hello");  // "ĠHello"
}

TEST(TokenizerFactory, SpecialParsingRoundTripsWithSpecialDecode) {
  auto spm = load("ggml-vocab-llama-spm.gguf");
  ASSERT_NE(spm, nullptr);
  // With parse_special "<s>" is BOS; without it, it is plain text, and never id 1.
  EXPECT_EQ(spm->encode("<s>Hi", false, true).front(), 1);
  const std::vector<int32_t> plain = spm->encode("<s>Hi", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 1), 0);
  EXPECT_EQ(spm->decode(plain), "<s>Hi");
}

TEST(TokenizerConcurrency, EncodeFromManyThreads) {
  auto spm = load("ggml-vocab-llama-spm.gguf");
  auto bpe = load("ggml-vocab-gpt-2.gguf");
  ASSERT_NE(spm, nullptr);
  ASSERT_NE(bpe, nullptr);
  const std::string text = "Hello, y'all! How are you \xF0\x9F\x98\x81 ? 3333 <s> \t\n end";
  const std::vector<int32_t> spm_ids = spm->encode(text, true, true);
  const std::vector<int32_t> bpe_ids = bpe->encode(text, true, true);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (spm->encode(text, true, true) != spm_ids) ++failures[t];
        if (bpe->encode(text, true, true) != bpe_ids) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace tessera
