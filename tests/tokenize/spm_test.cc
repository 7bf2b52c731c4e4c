#include "tokenize/spm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "testing/temp_dir.h"
#include "tokenize/test_vocab.h"
#include "tokenize/tokenizer.h"

namespace tessera {
namespace {

using testing::kFirstSpmPiece;
using testing::MemoryGguf;
using testing::spm_tokens;
using testing::TestToken;
using testing::vocab_writer;

// ids: ▁ 259, a 260, b 261, ▁a 262, ab 263, ▁ab 264, <tool> 265 (user-defined), <|im_end|> 266
std::vector<TestToken> small_pieces() {
  return {{"\xE2\x96\x81", -1.0f},
          {"a", -2.0f},
          {"b", -2.0f},
          {"\xE2\x96\x81"
           "a",
           -5.0f},
          {"ab", -3.0f},
          {"\xE2\x96\x81"
           "ab",
           -4.0f},
          {"<tool>", 0.0f, TokenType::kUserDefined},
          {"<|im_end|>", 0.0f, TokenType::kControl}};
}

constexpr int32_t kSpace = kFirstSpmPiece;
constexpr int32_t kA = kFirstSpmPiece + 1;
constexpr int32_t kB = kFirstSpmPiece + 2;
constexpr int32_t kSpaceA = kFirstSpmPiece + 3;
constexpr int32_t kAb = kFirstSpmPiece + 4;
constexpr int32_t kSpaceAb = kFirstSpmPiece + 5;
constexpr int32_t kTool = kFirstSpmPiece + 6;
constexpr int32_t kImEnd = kFirstSpmPiece + 7;

std::unique_ptr<Tokenizer> build(const gguf::Writer& writer) {
  MemoryGguf gguf(writer);
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(gguf.file());
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

TEST(SpmTokenizer, MergesHighestScoringPairFirst) {
  auto tok = build(vocab_writer("llama", spm_tokens(small_pieces())));
  ASSERT_NE(tok, nullptr);
  // "▁ab": "ab" (-3) beats "▁a" (-5), then "▁"+"ab" forms "▁ab".
  EXPECT_EQ(tok->encode("ab", false, false), std::vector<int32_t>({kSpaceAb}));
  // "▁ba": no pair merges; "▁", "b", "a".
  EXPECT_EQ(tok->encode("ba", false, false), std::vector<int32_t>({kSpace, kB, kA}));
}

TEST(SpmTokenizer, ByteFallbackForUnknownCharacters) {
  auto tok = build(vocab_writer("llama", spm_tokens(small_pieces())));
  ASSERT_NE(tok, nullptr);
  // "é" = C3 A9 is not a piece: its bytes become <0xC3> <0xA9> (id 3 + byte).
  EXPECT_EQ(tok->encode("a\xC3\xA9", false, false),
            std::vector<int32_t>({kSpaceA, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(tok->decode(tok->encode("a\xC3\xA9", false, false)), "a\xC3\xA9");
  // Invalid UTF-8 survives as bytes too.
  EXPECT_EQ(tok->decode(tok->encode("\xFF"
                                    "b\x80",
                                    false, false)),
            "\xFF"
            "b\x80");
}

TEST(SpmTokenizer, BosEosFollowFlags) {
  gguf::Writer writer = vocab_writer("llama", spm_tokens(small_pieces()));
  writer.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
  writer.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
  auto tok = build(writer);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("a", true, false), std::vector<int32_t>({1, kSpaceA}));
  EXPECT_EQ(tok->encode("", true, false), std::vector<int32_t>({1}));
  EXPECT_EQ(tok->encode("", false, false), std::vector<int32_t>());

  writer.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(false));
  writer.set("tokenizer.ggml.add_eos_token", gguf::Value::boolean(true));
  tok = build(writer);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("a", true, false), std::vector<int32_t>({kSpaceA, 2}));
  // BOS/EOS are control tokens: decoding hides them unless asked.
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, kA, 2}), "a");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, kA, 2}, {.special = true, .text_start = true}),
            "<s>a</s>");
}

TEST(SpmTokenizer, SpacePrefixCanBeDisabled) {
  gguf::Writer writer = vocab_writer("llama", spm_tokens(small_pieces()));
  writer.set("tokenizer.ggml.add_space_prefix", gguf::Value::boolean(false));
  auto tok = build(writer);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("ab", false, false), std::vector<int32_t>({kAb}));
  EXPECT_EQ(tok->encode(" ab", false, false), std::vector<int32_t>({kSpaceAb}));
  EXPECT_FALSE(tok->strips_leading_space());
  EXPECT_EQ(tok->decode(std::vector<int32_t>{kSpaceAb}), " ab");
}

TEST(SpmTokenizer, DecodeDropsOnlyTheAddedSpace) {
  auto tok = build(vocab_writer("llama", spm_tokens(small_pieces())));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->decode(tok->encode("ab", false, false)), "ab");
  EXPECT_EQ(tok->decode(tok->encode(" ab", false, false)), " ab");
  EXPECT_EQ(tok->decode(tok->encode("  a b", false, false)), "  a b");
  // Continuing a stream (not a text start) keeps the space.
  EXPECT_EQ(tok->decode(std::vector<int32_t>{kSpaceAb}, {.special = false, .text_start = false}),
            " ab");
}

TEST(SpmTokenizer, SpecialTokensSplitBeforeMerging) {
  auto tok = build(vocab_writer("llama", spm_tokens(small_pieces())));
  ASSERT_NE(tok, nullptr);
  // User-defined tokens are matched whether or not special parsing is on; the text after a special
  // token gets a space prefix again, as in llama.cpp.
  const std::vector<int32_t> expected = {kSpaceA, kTool, kSpaceAb};
  EXPECT_EQ(tok->encode("a<tool>ab", false, false), expected);
  EXPECT_EQ(tok->encode("a<tool>ab", false, true), expected);
  // Control tokens only with parse_special; otherwise they are spelled out (here by bytes).
  const std::vector<int32_t> parsed = tok->encode("a<|im_end|>", false, true);
  EXPECT_EQ(parsed, std::vector<int32_t>({kSpaceA, kImEnd}));
  const std::vector<int32_t> plain = tok->encode("a<|im_end|>", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), kImEnd), 0);
  EXPECT_EQ(tok->decode(plain), "a<|im_end|>");
  // A control piece is never produced by merging plain text either.
  EXPECT_EQ(tok->decode(parsed), "a");
  EXPECT_EQ(tok->decode(parsed, {.special = true, .text_start = true}), "a<|im_end|>");
}

TEST(SpmTokenizer, LongInputWithoutSpacesStaysFast) {
  auto tok = build(vocab_writer("llama", spm_tokens(small_pieces())));
  ASSERT_NE(tok, nullptr);
  std::string text;
  for (int i = 0; i < (1 << 17); ++i) text += (i % 3 == 0) ? "b" : "a";
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int32_t> ids = tok->encode(text, false, false);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(tok->decode(ids), text);
  // O(n log n): a fraction of a second even under sanitizers; a quadratic merge loop takes minutes.
  EXPECT_LT(seconds, 20.0);
}

}  // namespace
}  // namespace tessera
