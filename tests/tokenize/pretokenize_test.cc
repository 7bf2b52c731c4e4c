#include "tokenize/pretokenize.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

std::vector<std::string> split(std::string_view pre, std::string_view text) {
  Result<PreTokenizer> p = PreTokenizer::create(pre, "test.gguf");
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  if (!p.ok()) return {};
  std::vector<std::string_view> words;
  p->split(text, words);
  return {words.begin(), words.end()};
}

using Words = std::vector<std::string>;

TEST(BpePreTokenizer, Gpt2) {
  EXPECT_EQ(split("gpt2", "Hello world  it's 2024!!\n\n"),
            Words({"Hello", " world", " ", " it", "'s", " 2024", "!!", "\n\n"}));
  // \s+(?!\S) leaves the last space of a run to the next word.
  EXPECT_EQ(split("gpt-2", "a   b"), Words({"a", "  ", " b"}));
  EXPECT_EQ(split("default", "I'VE"), Words({"I", "'", "VE"}));  // GPT-2 contractions: lowercase
}

TEST(BpePreTokenizer, Llama3) {
  EXPECT_EQ(split("llama3", "12345 apples"), Words({"123", "45", " apples"}));
  EXPECT_EQ(split("llama-bpe", "I'VE\n\n  x"), Words({"I", "'VE", "\n\n", " ", " x"}));
  EXPECT_EQ(split("llama3", "(hello)"), Words({"(hello", ")"}));
  EXPECT_EQ(split("llama3", "a...\n\nb"), Words({"a", "...\n\n", "b"}));
}

TEST(BpePreTokenizer, Qwen2SplitsDigits) {
  EXPECT_EQ(split("qwen2", "12345 apples"), Words({"1", "2", "3", "4", "5", " apples"}));
}

// Families that split in several steps: each step splits the pieces the previous one left.
TEST(BpePreTokenizer, SequencesOfSplits) {
  // starcoder: digits one by one first, then GPT-2 inside each piece.
  EXPECT_EQ(split("starcoder", "x=42 ok"), Words({"x", "=", "4", "2", " ok"}));
  // deepseek-coder: newlines alone, letters with one optional space, punctuation runs, digits.
  EXPECT_EQ(split("deepseek-coder", "if (a1)\n  b"),
            Words({"if", " (", "a", "1", ")", "\n", " ", " b"}));
  // falcon: punctuation runs (with ASCII symbols such as '+'), GPT-2, then digits in threes.
  EXPECT_EQ(split("falcon", "1234567+x"), Words({"123", "456", "7", "+", "x"}));
  // deepseek-llm: the trailing-space step keeps "  " at the end of a piece as one piece.
  EXPECT_EQ(split("deepseek-llm", "Hi  "), Words({"Hi", "  "}));
}

TEST(BpePreTokenizer, UnicodeClasses) {
  // Letters and numbers beyond ASCII: "Äpfel", Devanagari digits, a CJK run.
  EXPECT_EQ(split("gpt2", "\xC3\x84pfel \xE0\xA5\xA7\xE0\xA5\xA8 \xE6\x88\x91\xE6\x83\xB3"),
            Words({"\xC3\x84pfel", " \xE0\xA5\xA7\xE0\xA5\xA8", " \xE6\x88\x91\xE6\x83\xB3"}));
}

TEST(BpePreTokenizer, InvalidUtf8IsKeptAsItsOwnWord) {
  const Words words = split("gpt2", "ab\xFF\xFE cd");
  EXPECT_EQ(words, Words({"ab", "\xFF\xFE", " cd"}));
  EXPECT_EQ(split("llama3", "\xC3"), Words({"\xC3"}));
}

TEST(BpePreTokenizer, UnknownNameIsUnimplemented) {
  Result<PreTokenizer> p = PreTokenizer::create("wizard-bpe", "m.gguf");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(p.status().message().find("m.gguf"), std::string::npos);
  EXPECT_NE(p.status().message().find("tokenizer.ggml.pre"), std::string::npos);
  EXPECT_NE(p.status().message().find("wizard-bpe"), std::string::npos);
  EXPECT_NE(p.status().message().find("deepseek-coder"), std::string::npos);  // lists the known
}

TEST(BpePreTokenizer, BadPatternIsAnError) {
  Result<PreTokenizer> p = PreTokenizer::from_pattern("(unclosed");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
}

TEST(BpePreTokenizer, LongRunsDoNotHitMatchLimits) {
  constexpr size_t kRun = 1 << 20;
  const std::string spaces(kRun, ' ');
  for (const char* pre : {"gpt2", "llama3", "qwen2"}) {
    EXPECT_EQ(split(pre, spaces + "a"), Words({std::string(kRun - 1, ' '), " a"})) << pre;
    EXPECT_EQ(split(pre, std::string(kRun, 'x')), Words({std::string(kRun, 'x')})) << pre;
    EXPECT_EQ(split(pre, std::string(kRun, '!')), Words({std::string(kRun, '!')})) << pre;
    EXPECT_EQ(split(pre, std::string(kRun, '\n')), Words({std::string(kRun, '\n')})) << pre;
  }
}

}  // namespace
}  // namespace tessera
