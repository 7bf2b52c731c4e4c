#include "tokenize/unigram.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tokenize/charsmap.h"
#include "tokenize/charsmap_builder.h"
#include "tokenize/test_vocab.h"
#include "tokenize/tokenizer.h"

namespace tessera {
namespace {

using testing::MemoryGguf;
using testing::TestToken;
using testing::vocab_writer;
using Ids = std::vector<int32_t>;

constexpr std::string_view kSp = "\xE2\x96\x81";  // ▁

// T5's layout: <pad> 0, </s> 1, <unk> 2, then the pieces.
enum : int32_t {
  kPad,
  kEos,
  kUnk,
  kSpace,
  kA,
  kB,
  kC,
  kAb,
  kBc,
  kAbc,
  kSpaceA,
  kSpaceAb,
  kU,
  kD,
  kUd,
  kEAcute,
  kZz,
  kBos,
};

std::vector<TestToken> pieces() {
  const std::string sp(kSp);
  return {
      {"<pad>", 0.0f, TokenType::kControl},
      {"</s>", 0.0f, TokenType::kControl},
      {"<unk>", 0.0f, TokenType::kUnknown},
      {sp, -2.0f},
      {"a", -3.0f},
      {"b", -3.25f},
      {"c", -3.5f},
      {"ab", -4.0f},
      {"bc", -4.5f},
      {"abc", -9.0f},  // the lowest normal score: unknowns score -19
      {sp + "a", -2.5f},
      {sp + "ab", -6.0f},
      {"u", -1.0f},
      {"d", -1.0f},
      {"ud", -50.0f, TokenType::kUserDefined},      // scores 0 in the lattice
      {"\xC3\xA9", -10000.0f, TokenType::kUnused},  // é: unused, yet in the lattice
      {"zz", -1.0f},
      {"<s>", 0.0f, TokenType::kControl},
  };
}

// ｕ -> u and ｄ -> d, so "ud" can appear after normalization without being split out first.
std::vector<uint8_t> full_width_ud() {
  return testing::build_charsmap({{"\xEF\xBD\x95", "u"}, {"\xEF\xBD\x84", "d"}});
}

gguf::Writer writer(bool prefix, bool merge) {
  gguf::Writer w = vocab_writer("t5", pieces());
  w.set("tokenizer.ggml.add_space_prefix", gguf::Value::boolean(prefix));
  w.set("tokenizer.ggml.remove_extra_whitespaces", gguf::Value::boolean(merge));
  w.set(std::string(kCharsmapKey), testing::charsmap_value(full_width_ud()));
  return w;
}

std::unique_ptr<Tokenizer> build(const gguf::Writer& w) {
  MemoryGguf gguf(w);
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(gguf.file());
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

Ids encode(const Tokenizer& tok, std::string_view text) { return tok.encode(text, false, false); }

TEST(UnigramTokenizer, ViterbiPicksTheHighestScoringSegmentation) {
  auto tok = build(writer(false, false));
  ASSERT_NE(tok, nullptr);
  // "ab" -4 beats "a" "b" -6.25.
  EXPECT_EQ(encode(*tok, "ab"), Ids({kAb}));
  // "c" "ab" -7.5 beats "c" "a" "b" -9.75 and any unknown.
  EXPECT_EQ(encode(*tok, "cab"), Ids({kC, kAb}));
  // Spaces are pieces like any other: "a▁b".
  EXPECT_EQ(encode(*tok, "a b"), Ids({kA, kSpace, kB}));
  // "zz" is the only way to cover "zz" (no "z" piece).
  EXPECT_EQ(encode(*tok, "zz"), Ids({kZz}));
}

TEST(UnigramTokenizer, TiesKeepTheEarliestStartOfTheLastPiece) {
  auto tok = build(writer(false, false));
  ASSERT_NE(tok, nullptr);
  // "a" "bc" and "ab" "c" both sum to -7.5 ("abc" itself is -9); the lattice reaches the end from
  // position 1 before position 2, and a later equal score does not replace it.
  EXPECT_EQ(encode(*tok, "abc"), Ids({kA, kBc}));
}

TEST(UnigramTokenizer, SpacePrefixAndMergedWhitespace) {
  auto tok = build(writer(true, true));
  ASSERT_NE(tok, nullptr);
  // "▁ab": "▁a" "b" -5.75 beats "▁ab" -6, "▁" "ab" -6 and "▁" "a" "b" -8.25.
  EXPECT_EQ(encode(*tok, "ab"), Ids({kSpaceA, kB}));
  EXPECT_EQ(encode(*tok, "  ab   c  "), Ids({kSpaceA, kB, kSpace, kC}));
  EXPECT_EQ(encode(*tok, ""), Ids{});
  EXPECT_EQ(encode(*tok, "   "), Ids{});
  // Without merging, each space stays a "▁".
  auto kept = build(writer(true, false));
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(encode(*kept, "ab  c"), Ids({kSpaceA, kB, kSpace, kSpace, kC}));
}

TEST(UnigramTokenizer, UncoveredCharactersBecomeOneUnknownPerRun) {
  auto tok = build(writer(false, false));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(encode(*tok, "x"), Ids({kUnk}));
  EXPECT_EQ(encode(*tok, "axyb"), Ids({kA, kUnk, kB}));
  EXPECT_EQ(encode(*tok, "x\xF0\x9F\x98\x80y"), Ids({kUnk}));  // x😀y
  EXPECT_EQ(encode(*tok, "xay"), Ids({kUnk, kA, kUnk}));
  // "z" alone has no piece of its own ("zz" is longer), so it is unknown.
  EXPECT_EQ(encode(*tok, "z"), Ids({kUnk}));
  // An ill-formed byte becomes U+FFFD, which no piece covers.
  EXPECT_EQ(encode(*tok, "a\xFF"), Ids({kA, kUnk}));
}

TEST(UnigramTokenizer, AnyPieceCoveringACharacterBeatsTheUnknownFallback) {
  auto tok = build(writer(false, false));
  ASSERT_NE(tok, nullptr);
  // The unused "é" scores -10000, far below an unknown's -19, but llama.cpp only falls back to
  // the unknown token for characters that no piece covers.
  EXPECT_EQ(encode(*tok, "\xC3\xA9"), Ids({kEAcute}));
}

TEST(UnigramTokenizer, UserDefinedPiecesScoreZero) {
  auto tok = build(writer(false, false));
  ASSERT_NE(tok, nullptr);
  // Typed plainly, "ud" is split out before normalization, as a special token.
  EXPECT_EQ(encode(*tok, "ud"), Ids({kUd}));
  // Through the charsmap it reaches the lattice, where its 0 beats "u" "d" at -2 (its own score,
  // -50, would not).
  EXPECT_EQ(encode(*tok, "\xEF\xBD\x95\xEF\xBD\x84"), Ids({kUd}));
  EXPECT_EQ(encode(*tok, "\xEF\xBD\x95"), Ids({kU}));
}

TEST(UnigramTokenizer, T5DefaultsAddEosOnly) {
  auto tok = build(writer(true, true));
  ASSERT_NE(tok, nullptr);
  // No eos/unknown ids in the file: llama.cpp's T5 defaults, </s> = 1 and <unk> = 2.
  EXPECT_FALSE(tok->add_bos());
  EXPECT_TRUE(tok->add_eos());
  EXPECT_EQ(tok->encode("ab", true, false), Ids({kSpaceA, kB, kEos}));
  EXPECT_EQ(tok->encode("", true, false), Ids({kEos}));
  EXPECT_EQ(tok->encode("x", false, false), Ids({kSpace, kUnk}));
}

TEST(UnigramTokenizer, BosEosFollowFlags) {
  gguf::Writer w = writer(true, true);
  w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(kBos));
  w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(kEos));
  w.set("tokenizer.ggml.unknown_token_id", gguf::Value::u32(kUnk));
  w.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(true));
  w.set("tokenizer.ggml.add_eos_token", gguf::Value::boolean(true));
  auto tok = build(w);
  ASSERT_NE(tok, nullptr);
  // XLM-RoBERTa: <s> text </s>.
  EXPECT_EQ(tok->encode("ab", true, false), Ids({kBos, kSpaceA, kB, kEos}));
  EXPECT_EQ(tok->encode("ab", false, false), Ids({kSpaceA, kB}));

  w.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(false));
  w.set("tokenizer.ggml.add_eos_token", gguf::Value::boolean(false));
  auto bare = build(w);
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->encode("ab", true, false), Ids({kSpaceA, kB}));
}

TEST(UnigramTokenizer, ControlTokensOnlyWhenParsingSpecial) {
  auto tok = build(writer(true, true));
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("a</s>b", false, true), Ids({kSpaceA, kEos, kSpace, kB}));
  // Spelled out, "<", "/", ">" and "s" are unknown characters.
  const Ids plain = tok->encode("a</s>", false, false);
  EXPECT_EQ(plain, Ids({kSpaceA, kUnk}));
}

TEST(UnigramTokenizer, DecodeUndoesNormalText) {
  auto tok = build(writer(true, true));
  ASSERT_NE(tok, nullptr);
  for (const char* text : {"ab c", "cab ab abc", "a", "zz ab"}) {
    EXPECT_EQ(tok->decode(tok->encode(text, true, false)), text) << text;
  }
  // Only a text start loses the leading space; hidden tokens stay hidden.
  EXPECT_EQ(tok->decode(Ids({kSpaceA, kEos})), "a");
  EXPECT_EQ(tok->decode(Ids({kSpaceA}), {.special = false, .text_start = false}), " a");
  EXPECT_EQ(tok->decode(Ids({kSpaceA, kEos}), {.special = true, .text_start = true}), "a</s>");
  EXPECT_EQ(tok->decode(Ids({kUd, kSpaceAb})), "ud ab");
  EXPECT_EQ(tok->token_to_piece(kSpaceAb), " ab");
}

TEST(UnigramTokenizer, LongInputStaysFast) {
  auto tok = build(writer(true, true));
  ASSERT_NE(tok, nullptr);
  std::string text;
  for (int i = 0; i < 20000; ++i) text += i % 7 == 0 ? "abc zz " : "cab\xEF\xBD\x95x";
  const auto start = std::chrono::steady_clock::now();
  const Ids ids = encode(*tok, text);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(ids.empty());
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
}

TEST(UnigramTokenizer, MissingUnknownTokenNamesTheKey) {
  gguf::Writer w = vocab_writer("t5", {{"a", -1.0f}, {"b", -1.0f}});
  MemoryGguf gguf(w, "tiny.gguf");
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(gguf.file());
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(tok.status().message().find(
                "tiny.gguf: metadata key 'tokenizer.ggml.unknown_token_id' is missing"),
            std::string::npos)
      << tok.status().message();
}

TEST(UnigramTokenizer, MalformedCharsmapNamesFileAndKey) {
  gguf::Writer w = writer(true, true);
  std::vector<uint8_t> bytes = full_width_ud();
  bytes.resize(bytes.size() - 1);  // drop the last NUL
  w.set(std::string(kCharsmapKey), testing::charsmap_value(bytes));
  MemoryGguf gguf(w, "broken.gguf");
  Result<std::unique_ptr<Tokenizer>> tok = make_tokenizer(gguf.file());
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(tok.status().message().find(
                "broken.gguf: metadata key 'tokenizer.ggml.precompiled_charsmap'"),
            std::string::npos)
      << tok.status().message();
  EXPECT_NE(tok.status().message().find("no NUL terminator"), std::string::npos)
      << tok.status().message();
}

}  // namespace
}  // namespace tessera
